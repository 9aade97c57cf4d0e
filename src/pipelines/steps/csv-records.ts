import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { BadInputError } from '../../errors/errors.js';

/** A longer record is refused: it bounds the memory one row can take. */
const MAX_RECORD_BYTES = 1024 * 1024;

export interface CsvRecord {
  fields: string[];
  /** The line the record ends on, counting from 1. */
  line: number;
}

/**
 * The records of a CSV object, streamed: one record in memory at a time, whatever the file's size. Every
 * record must have as many fields as the first; a malformed file fails with BAD_USER_INPUT naming the line.
 */
export async function* csvRecords(open: () => Promise<Readable>): AsyncGenerator<CsvRecord> {
  const source = await open();
  const parser = parse({ bom: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES, info: true });
  // a failing source destroys the parser with its error, which the loop below throws
  pipeline(source, parser).catch(() => undefined);
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield { fields: record, line: info.lines };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      throw new BadInputError(`the object is not valid CSV: ${error.message}`, { line: error['lines'] });
    }
    throw error;
  } finally {
    parser.destroy();
    source.destroy();
  }
}
