import { BadInputError } from '../../errors/errors.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * A dotted path into otherData ("template.measurement"). Segments are plain names or array indexes,
 * never "$..." or empty, so a user path cannot become a MongoDB operator.
 */
export function assertDataPath(path: string): void {
  const segments = path.split('.');
  if (segments.length > 10 || !segments.every((s) => SEGMENT.test(s))) {
    throw new BadInputError(
      `otherData path ${JSON.stringify(path)} must be dot-separated names of letters, digits, _ or -`,
      {
        argument: 'filter.otherData.path',
      },
    );
  }
}

/**
 * Keys of user JSON stored in otherData: no "$" prefix and no dots, which MongoDB would read as operators or
 * paths, and no NUL, which BSON cannot hold in a key.
 */
export function assertStorableJson(value: unknown, at = 'otherData'): void {
  if (Array.isArray(value)) return value.forEach((v, i) => assertStorableJson(v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$') || key.includes('.') || key.includes('\0') || key === '') {
      throw new BadInputError(
        `${at} has the key ${JSON.stringify(key)}: keys may not be empty, start with "$" or contain "." or NUL`,
        { argument: 'metadata.otherData' },
      );
    }
    assertStorableJson(v, `${at}.${key}`);
  }
}
