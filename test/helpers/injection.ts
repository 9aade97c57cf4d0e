import assert from 'node:assert/strict';
import { type FormattedExecutionResult } from 'graphql';

/** Longer than the 64 KiB Cassandra and InfluxDB allow in a key, shorter than the 1 MB request limit. */
export const LONG = 'x'.repeat(70_000);

/** Strings that would change a query if any store read them as code rather than as a value. */
export const INJECTIONS: readonly string[] = [
  "x' }) MATCH (n) DETACH DELETE n //",
  '\\u0027 }) MATCH (n) DETACH DELETE n //',
  "') RETURN 1 UNION MATCH (n) DETACH DELETE n RETURN 1 //",
  'a; DROP KEYSPACE x',
  "' OR 1=1 --",
  'x"; DROP TABLE system_schema.tables; --',
  'm" WHERE 1=1 --',
  'm; DROP MEASUREMENT m',
  '/.*/',
  '{"$ne": null}',
  '{"$where": "sleep(100)"}',
  '$where',
  'a.b.$ne',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  'a\u0000b',
  'a\\',
  'line\nbreak\r\n\ttab',
  'ünïcødé 🚀 \u202e ﷽',
  '\ud800',
  'constructor',
  '__proto__',
  '',
  LONG,
];

/** MongoDB query operators, given where a value goes. */
export const OPERATORS: readonly unknown[] = [
  { $ne: null },
  { $where: 'sleep(100)' },
  { $regex: '.*' },
  { $gt: '' },
  ['a'],
];

/** Every value: strings, then operator objects (a String argument refuses those before any resolver). */
export const VALUES: readonly unknown[] = [...INJECTIONS, ...OPERATORS];

/** What a clean file name never holds: a path separator or a control character. */
// eslint-disable-next-line no-control-regex
export const PATH_OR_CONTROL = /[/\\\u0000-\u001f]/;

/** What a store keeps of a string: lone surrogates become U+FFFD in UTF-8. */
export const stored = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

export const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

const CLEAN = new Set(['BAD_USER_INPUT', 'NOT_FOUND']);

/**
 * The answer is a clean refusal (BAD_USER_INPUT naming `argument`, NOT_FOUND, or one of `alsoClean`) or a
 * normal one, which `literal` checks took the value as a value. A refusal of the variable's type names the
 * variable instead.
 */
export function expectClean<T>(
  label: string,
  body: FormattedExecutionResult<T>,
  argument: string | null,
  literal: (data: T) => void = () => assert.fail(`${label}: answered without an error`),
  alsoClean: readonly string[] = [],
): 'refused' | 'answered' {
  if (!body.errors?.length) {
    assert.ok(body.data, `${label}: no data and no error`);
    literal(body.data);
    return 'answered';
  }
  for (const error of body.errors) {
    const code = error.extensions?.['code'];
    const what = `${label}: ${String(code)} ${error.message.slice(0, 300)}`;
    assert.ok(typeof code === 'string' && (CLEAN.has(code) || alsoClean.includes(code)), what);
    if (code === 'BAD_USER_INPUT' && argument !== null && !error.message.startsWith('Variable "$')) {
      assert.equal(error.extensions?.['argument'], argument, what);
    }
  }
  return 'refused';
}

/** Runs `fn` on each item, `width` at a time. */
export async function eachLimited<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}
