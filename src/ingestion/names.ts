import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { BadInputError } from '../errors/errors.js';

/**
 * Project names become bucket names (S3: lower case, digits, '-') and Cassandra keyspaces ('-' as '_',
 * at most 48 characters), so they follow both.
 */
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{1,46}[a-z0-9]$/;

export function assertProjectName(name: string): void {
  if (!PROJECT_NAME.test(name) || name.includes('--')) {
    throw new BadInputError(
      `project name ${JSON.stringify(name)} must be 3 to 48 lower-case letters, digits and single hyphens, starting and ending with a letter or digit`,
      { argument: 'project' },
    );
  }
}

/** Object keys are made here, never taken from the client: unique per object and sortable by object id. */
export function objectKey(objectId: number): string {
  return `${String(objectId).padStart(10, '0')}-${randomUUID()}`;
}

/** The client's file name, reduced to a plain name: it is metadata, never a path. */
export function cleanFileName(name: string): string {
  const plain = basename(name.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  if (!plain || plain === '.' || plain === '..')
    throw new BadInputError('the file needs a name', { argument: 'file' });
  return plain.slice(0, 255);
}

/** Lower-case extension without the dot, '' when there is none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
