import { type FileUpload } from 'graphql-upload/processRequest.mjs';
import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ForbiddenError, requirePrincipal } from '../auth/authorize.js';
import { hasRole } from '../auth/principal.js';
import { type Context } from '../context/context.js';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { assertStorableJson } from '../datasources/catalog/data-path.js';
import { NotFoundError } from '../errors/errors.js';
import { pickIdempotencyKey } from '../ingestion/idempotency.js';
import { type PresignedUpload as Presigned } from '../ingestion/presigned-upload.js';
import { type UploadOutcome } from '../ingestion/stream-upload.js';
import { DataObject } from '../schema/data-object.type.js';
import { effectiveContentType } from '../ingestion/content-types.js';
import { Upload } from '../schema/scalars.js';
import {
  CompletedPartInput,
  CreateUploadInput,
  ObjectMetadataInput,
  PresignedUpload,
  UploadResult,
} from '../schema/upload.type.js';

/** The upload's catalog fields; the owner is the caller unless the metadata names one. */
function catalogFields(metadata: ObjectMetadataInput | null | undefined, ctx: Context) {
  const otherData = metadata?.otherData ?? null;
  assertStorableJson(otherData);
  const pipelines = ctx.services.pipelines;
  return {
    owner: metadata?.owner ?? requirePrincipal(ctx).subject,
    application: metadata?.application ?? null,
    otherData,
    dataProcessing: pipelines.checkDataProcessing(metadata?.dataProcessing ?? 'default'),
  };
}

function result(outcome: UploadOutcome): UploadResult {
  return {
    uploadId: outcome.entry.uploadId,
    object: outcome.entry,
    duplicateOf: outcome.duplicateOf,
    replayed: outcome.replayed,
  };
}

function presigned(p: Presigned): PresignedUpload {
  const request = (r: NonNullable<Presigned['request']>) => ({
    ...r,
    headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })),
  });
  return {
    uploadId: p.entry.uploadId,
    object: p.entry,
    request: p.request && request(p.request),
    parts: p.parts.map((part) => ({ ...part, request: request(part.request) })),
    partSize: p.partSize,
    replayed: p.replayed,
  };
}

/**
 * An upload id names its project only once its entry is read: editors of that project finish it. The
 * refusal names no project, which the caller may not know of.
 */
async function requireUploadRole(ctx: Context, uploadId: string): Promise<void> {
  const principal = requirePrincipal(ctx);
  const entry = await ctx.services.catalog.entryByUpload(uploadId);
  if (!entry) throw new NotFoundError(`no upload ${uploadId}`);
  if (!hasRole(principal, entry.project, 'editor')) {
    throw new ForbiddenError(`editor role needed in the project of upload ${uploadId}`);
  }
}

@Resolver()
export class UploadResolver {
  @Authorized('editor')
  @Mutation(() => UploadResult, {
    description:
      'Uploads a file with a GraphQL multipart request, streamed to the raw zone and cataloged. An Idempotency-Key (argument or header) makes retries safe.',
  })
  async uploadFile(
    @Arg('project', () => String) projectName: string,
    @Arg('file', () => Upload) file: Promise<FileUpload>,
    @Arg('metadata', () => ObjectMetadataInput, { nullable: true }) metadata: ObjectMetadataInput | null,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: Context,
  ): Promise<UploadResult> {
    const key = pickIdempotencyKey(idempotencyKey, ctx.idempotencyKey);
    const fields = catalogFields(metadata, ctx);
    const project = await ctx.services.projects.get(projectName);
    const upload = await file;
    const outcome = await ctx.services.streamUploads.upload(project, {
      body: upload.createReadStream(),
      fileName: upload.filename,
      contentType: metadata?.contentType ?? effectiveContentType(upload.mimetype, upload.filename),
      declaredSize: metadata?.size ?? null,
      idempotencyKey: key,
      ...fields,
    });
    return result(outcome);
  }

  @Authorized('editor')
  @Mutation(() => PresignedUpload, {
    description:
      'Starts an upload the client sends straight to the raw zone: PUT the bytes to the URL(s), then call completeUpload.',
  })
  async createUpload(
    @Arg('input', () => CreateUploadInput) input: CreateUploadInput,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: Context,
  ): Promise<PresignedUpload> {
    const key = pickIdempotencyKey(idempotencyKey, ctx.idempotencyKey);
    const fields = catalogFields(input.metadata, ctx);
    const project = await ctx.services.projects.get(input.project);
    const created = await ctx.services.presignedUploads.create(project, {
      fileName: input.fileName,
      contentType: input.contentType,
      size: input.size,
      sha256: input.sha256?.toLowerCase() ?? null,
      idempotencyKey: key,
      ...fields,
    });
    return presigned(created);
  }

  @Authorized()
  @Mutation(() => UploadResult, {
    description:
      'Verifies what was PUT (size, SHA-256) and catalogs it. For a multipart upload pass every part with its ETag.',
  })
  async completeUpload(
    @Arg('uploadId', () => ID) uploadId: string,
    @Arg('parts', () => [CompletedPartInput], { nullable: true }) parts: CompletedPartInput[] | null,
    @Ctx() ctx: Context,
  ): Promise<UploadResult> {
    await requireUploadRole(ctx, uploadId);
    return result(await ctx.services.presignedUploads.complete(uploadId, parts));
  }

  @Authorized()
  @Mutation(() => DataObject, {
    description: 'Cancels a pending presigned upload and removes what was sent.',
  })
  async abortUpload(@Arg('uploadId', () => ID) uploadId: string, @Ctx() ctx: Context): Promise<CatalogEntry> {
    await requireUploadRole(ctx, uploadId);
    return ctx.services.presignedUploads.abort(uploadId);
  }
}
