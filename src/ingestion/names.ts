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

/**
 * The client's file name, reduced to a plain name: it is metadata, never a path. A lone surrogate becomes
 * U+FFFD (as UTF-8 stores it), even one the cut at 255 characters leaves: URL encoding (S3 metadata,
 * download names) would throw on it.
 */
export function cleanFileName(name: string): string {
  const plain = basename(name.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  if (!plain || plain === '.' || plain === '..')
    throw new BadInputError('the file needs a name', { argument: 'file' });
  return Buffer.from(plain.slice(0, 255), 'utf8').toString('utf8');
}

/**
 * A content type goes to the raw zone as an HTTP header, so it is what a header value can carry: visible
 * ASCII and spaces, 1 to 255 characters.
 */
export function assertContentType(contentType: string): void {
  if (!/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(contentType)) {
    throw new BadInputError('a content type is 1 to 255 visible ASCII characters, such as text/csv', {
      argument: 'contentType',
    });
  }
}

/** Lower-case extension without the dot, '' when there is none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
