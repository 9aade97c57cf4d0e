/**
 * URLs of the real servers started by `scripts/stack/up` (loaded into the environment by `npm test`).
 * A missing one fails the test that needs it, with the command that fixes it.
 */
export function stackUrl(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: start the test stack with \`scripts/stack/up\` and run the tests with \`npm test\``,
    );
  }
  return value;
}

/** A name no other test run uses, safe for buckets, keyspaces and collections (lowercase, digits, '-'/'_'). */
export function uniqueName(prefix: string, separator = '-'): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return [prefix, Date.now().toString(36), rand].join(separator);
}
