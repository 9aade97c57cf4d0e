import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BadInputError } from '../../errors/errors.js';

export interface JsonRecord {
  /** 0-based position among the records. */
  index: number;
  /** The line it is on, in NDJSON; null in a JSON array. */
  line: number | null;
  value: unknown;
}

/** How to name a record in a message: `record 3`, or `record 3 (line 5)` in NDJSON. */
export const recordLabel = ({ index, line }: JsonRecord): string =>
  line === null ? `record ${index}` : `record ${index} (line ${line})`;

/**
 * The records of a JSON array or of NDJSON held in memory, as `jsonRecords` reads them: an array takes one
 * JSON.parse; a file that does not parse whole is read record by record, to name the bad one.
 */
export async function heldJsonRecords(bytes: Buffer): Promise<JsonRecord[]> {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start === '') return [];
  if (start.startsWith('[')) {
    try {
      const values = JSON.parse(text) as unknown;
      if (Array.isArray(values)) return values.map((value, index) => ({ index, line: null, value }));
    } catch {
      // read it again record by record: that names the record that does not parse
    }
  } else {
    return ndjsonRecords(text);
  }
  const records: JsonRecord[] = [];
  for await (const record of jsonRecords(Readable.from([bytes]))) records.push(record);
  return records;
}

function ndjsonRecords(text: string): JsonRecord[] {
  const records: JsonRecord[] = [];
  let line = 0;
  for (let from = 0; from < text.length;) {
    const newline = text.indexOf('\n', from);
    const end = newline < 0 ? text.length : newline;
    const record = text.slice(from, end);
    from = end + 1;
    line++;
    if (record.trim() === '') continue;
    const index = records.length;
    records.push({ index, line, value: parse(record, recordLabel({ index, line, value: null })) });
  }
  return records;
}

/**
 * The records of a JSON array or of NDJSON (one JSON value per line, blank lines skipped), chosen by the
 * first character, read as a stream: memory holds one record at a time, whatever the file's size.
 */
export async function* jsonRecords(stream: Readable): AsyncGenerator<JsonRecord> {
  const decoder = new StringDecoder('utf8');
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const next = async (): Promise<string | null> => {
    const { value, done } = await chunks.next();
    if (done) return null;
    return typeof value === 'string' ? value : decoder.write(value);
  };
  try {
    let first = '';
    while (first.trim() === '') {
      const text = await next();
      if (text === null) return;
      first = (first + text).replace(/^\uFEFF/, '');
    }
    async function* rest(): AsyncGenerator<string> {
      yield first;
      for (let text = await next(); text !== null; text = await next()) yield text;
      yield decoder.end();
    }
    let index = 0;
    if (first.trimStart().startsWith('[')) {
      for await (const text of arrayElements(rest())) {
        yield { index, line: null, value: parse(text, `record ${index}`) };
        index++;
      }
    } else {
      for await (const { text, line } of lines(rest())) {
        yield { index, line, value: parse(text, `record ${index} (line ${line})`) };
        index++;
      }
    }
  } finally {
    // a consumer that stops early (a bad record, a cancelled run) must not leave the object's stream open
    stream.destroy();
  }
}

function parse(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${label} is not valid JSON: ${(error as Error).message}`);
  }
}

async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<{ text: string; line: number }> {
  let pending = '';
  let line = 0;
  for await (const chunk of chunks) {
    const text = pending + chunk;
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      const record = text.slice(from, newline);
      from = newline + 1;
      line++;
      if (record.trim() !== '') yield { text: record, line };
    }
    pending = text.slice(from);
  }
  if (pending.trim() !== '') yield { text: pending, line: line + 1 };
}

/** The texts of a top-level JSON array's elements, split at the commas that are outside strings and nesting. */
async function* arrayElements(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let opened = false;
  let closed = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let current = '';
  let count = 0;
  for await (const chunk of chunks) {
    const found: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (!opened || closed) {
        if (c === '[' && !opened) {
          opened = true;
          start = i + 1;
        } else if (c.trim() !== '') {
          throw new BadInputError(closed ? 'text follows the JSON array' : 'not a JSON array');
        }
      } else if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
      } else if (c === '{' || c === '[') {
        depth++;
      } else if ((c === '}' || c === ']') && depth > 0) {
        depth--;
      } else if ((c === ',' || c === ']') && depth === 0) {
        const text = current + chunk.slice(start, i);
        current = '';
        start = i + 1;
        closed = c === ']';
        // `[]` has no element; any other empty text (`[1,,2]`, `[1,]`) is a record that does not parse
        if (!(closed && count === 0 && text.trim() === '')) {
          found.push(text);
          count++;
        }
      }
    }
    if (opened && !closed) current += chunk.slice(start);
    yield* found;
  }
  if (!closed) throw new BadInputError('the JSON array is not closed');
}
