import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, type Options, parse } from 'csv-parse';
import { parse as parseWhole } from 'csv-parse/sync';
import { BadInputError } from '../../errors/errors.js';

/** A longer record is refused: it bounds the memory one row can take. */
const MAX_RECORD_BYTES = 1024 * 1024;
const OPTIONS: Options = { bom: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES };

/**
 * The records of a CSV object, streamed: one record in memory at a time, whatever the file's size. Every
 * record must have as many fields as the first; a malformed file fails with BAD_USER_INPUT naming the line.
 */
export async function* csvRecords(source: Readable): AsyncGenerator<string[]> {
  const parser = parse(OPTIONS);
  // a failing source destroys the parser with its error, which the loop below throws
  pipeline(source, parser).catch(() => undefined);
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (error) {
    throw csvProblem(error);
  } finally {
    parser.destroy();
    source.destroy();
  }
}

/** The records of a CSV object held in memory, exactly as `csvRecords` reads them. */
export function heldCsvRecords(bytes: Buffer): string[][] {
  const plain = plainRecords(bytes.toString('utf8'));
  if (plain) return plain;
  try {
    return parseWhole(bytes, OPTIONS) as string[][];
  } catch (error) {
    throw csvProblem(error);
  }
}

/**
 * Plain CSV (no quote, no carriage return, every record as long as the first, none near the size limit)
 * needs no parser: its records are its lines split at commas, empty lines skipped, as csv-parse reads them.
 * Null for anything else, which csv-parse reads (and names the line of what is wrong).
 */
function plainRecords(text: string): string[][] | null {
  let from = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.includes('"', from) || text.includes('\r', from)) return null;
  const records: string[][] = [];
  let width = -1;
  while (from < text.length) {
    const newline = text.indexOf('\n', from);
    const end = newline < 0 ? text.length : newline;
    if (end > from) {
      // a UTF-16 unit is at most 3 bytes of UTF-8
      if ((end - from) * 3 > MAX_RECORD_BYTES) return null;
      const fields = text.slice(from, end).split(',');
      if (width < 0) width = fields.length;
      else if (fields.length !== width) return null;
      records.push(fields);
    }
    from = end + 1;
  }
  return records;
}

function csvProblem(error: unknown): unknown {
  if (error instanceof CsvError) {
    return new BadInputError(`the object is not valid CSV: ${error.message}`, { line: error['lines'] });
  }
  return error;
}
