export type TimeFormat = 'iso' | 's' | 'ms' | 'ns';

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
const DECIMAL = /^(-?\d+)(?:\.(\d+))?$/;
const DIGITS: Record<Exclude<TimeFormat, 'iso'>, number> = { s: 9, ms: 6, ns: 0 };
const SCALE: Record<Exclude<TimeFormat, 'iso'>, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, ns: 1n };
/** What InfluxDB stores: signed 64-bit nanoseconds, less its two reserved extremes. */
const MIN_NS = -9223372036854775806n;
const MAX_NS = 9223372036854775806n;

/**
 * A record's time as nanoseconds since the epoch, or why it cannot be one. Counts go through decimal
 * text, not floating point, so `1700000000.123456789` seconds keeps its nanoseconds.
 */
export function toNanoseconds(value: unknown, format: TimeFormat): bigint | string {
  let ns: bigint;
  if (format !== 'iso' && Number.isSafeInteger(value)) {
    // the common case, and what the decimal text of a safe integer comes to anyway
    ns = BigInt(value as number) * SCALE[format];
  } else if (format === 'iso') {
    const match = typeof value === 'string' ? RFC3339.exec(value) : null;
    const ms = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
    if (!match || Number.isNaN(ms)) return `is not an RFC 3339 time with a zone (${show(value)})`;
    ns = BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
  } else {
    if (typeof value === 'number' && format === 'ns' && !Number.isSafeInteger(value)) {
      return 'is a nanosecond count beyond 2^53: write it as a string';
    }
    const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
    const match = DECIMAL.exec(text);
    const digits = DIGITS[format];
    if (!match || (digits === 0 && match[2] !== undefined)) {
      return `is not ${digits === 0 ? 'an integer' : 'a number'} of ${format} (${show(value)})`;
    }
    const sign = match[1]!.startsWith('-') ? -1n : 1n;
    const fraction = BigInt((match[2] ?? '').slice(0, digits).padEnd(digits, '0') || '0');
    ns = BigInt(match[1]!) * 10n ** BigInt(digits) + sign * fraction;
  }
  if (ns < MIN_NS || ns > MAX_NS)
    return `is outside the years 1677 to 2262 InfluxDB can store (${show(value)})`;
  return ns;
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
