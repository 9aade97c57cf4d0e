import { type Catalog, type TenantProfile } from '../datasources/catalog/catalog.js';
import { ErrorCode } from '../errors/codes.js';
import { BadInputError, LakegateError } from '../errors/errors.js';
import { assertContentType, extensionOf } from './names.js';

export const DEFAULT_PROFILE: TenantProfile = {
  maxFileSize: null,
  maxFiles: null,
  allowedExtensions: [],
  allowedContentTypes: [],
  duplicatePolicy: 'KEEP',
  pipelineOnUpload: false,
};

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$/;

/** A profile from user input: defaults filled in, values checked, lists normalised. */
export function normaliseProfile(
  input: Partial<TenantProfile>,
  base: TenantProfile = DEFAULT_PROFILE,
): TenantProfile {
  const profile = {
    ...DEFAULT_PROFILE,
    ...base,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
  };
  if (profile.maxFileSize !== null && profile.maxFileSize < 1)
    throw new BadInputError('maxFileSize must be positive');
  if (profile.maxFiles !== null && profile.maxFiles < 1) throw new BadInputError('maxFiles must be positive');
  profile.allowedExtensions = [
    ...new Set(profile.allowedExtensions.map((e) => e.replace(/^\./, '').toLowerCase())),
  ];
  profile.allowedContentTypes = [...new Set(profile.allowedContentTypes.map((t) => t.toLowerCase()))];
  for (const t of profile.allowedContentTypes) {
    if (!CONTENT_TYPE.test(t))
      throw new BadInputError(`${JSON.stringify(t)} is not a content type (type/subtype or type/*)`);
  }
  return profile;
}

/** The largest file the project takes, under the gateway's own limit. */
export function sizeLimit(profile: TenantProfile, gatewayLimit: number): number {
  return Math.min(profile.maxFileSize ?? gatewayLimit, gatewayLimit);
}

export function fileTooLarge(limit: number, size?: number): LakegateError {
  return new LakegateError(
    ErrorCode.FILE_TOO_LARGE,
    size === undefined
      ? `the file is larger than ${limit} bytes`
      : `the file has ${size} bytes, more than ${limit}`,
    { maxFileSize: limit },
  );
}

export function checkSize(profile: TenantProfile, gatewayLimit: number, size: number): void {
  const limit = sizeLimit(profile, gatewayLimit);
  if (size > limit) throw fileTooLarge(limit, size);
}

/** The file must match an allowed extension and an allowed content type (each list, when not empty). */
export function checkFormat(profile: TenantProfile, fileName: string, contentType: string): void {
  assertContentType(contentType);
  const extension = extensionOf(fileName);
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  const extensionOk = profile.allowedExtensions.length === 0 || profile.allowedExtensions.includes(extension);
  const typeOk =
    profile.allowedContentTypes.length === 0 ||
    profile.allowedContentTypes.some(
      (t) => t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))),
    );
  if (!extensionOk || !typeOk) {
    throw new LakegateError(
      ErrorCode.FORMAT_NOT_ALLOWED,
      `${fileName} (${type}) is not an allowed format for this project`,
      { allowedExtensions: profile.allowedExtensions, allowedContentTypes: profile.allowedContentTypes },
    );
  }
}

/** Objects stored or being stored count against maxFiles; `extra` counts an intent already written. */
export async function checkQuota(
  catalog: Catalog,
  project: string,
  profile: TenantProfile,
  extra = 0,
): Promise<void> {
  if (profile.maxFiles === null) return;
  const count = await catalog.countEntries(project, ['PENDING', 'STORED']);
  if (count - extra >= profile.maxFiles) {
    throw new LakegateError(
      ErrorCode.QUOTA_EXCEEDED,
      `project ${project} holds its maximum of ${profile.maxFiles} objects`,
      {
        maxFiles: profile.maxFiles,
      },
    );
  }
}
