import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only file of JSON lines. Each append resolves once the line is handed to the OS, so a killed
 * process loses nothing it acknowledged; a torn last line (a kill mid-write) is skipped on replay.
 */
export class Journal<R> {
  private stream: WriteStream | undefined;

  constructor(private readonly path: string) {}

  /** Every complete record in the file, in order. */
  async replay(): Promise<R[]> {
    const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const records: R[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // a line cut short by a crash
      }
    }
    return records;
  }

  /** Replaces the file with these records (atomically), then opens it for appends. */
  async rewrite(records: R[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await rename(tmp, this.path);
    this.stream = createWriteStream(this.path, { flags: 'a' });
  }

  /** Appends the records in one write. */
  append(...records: R[]): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.reject(new Error('journal is not open'));
    const lines = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    return new Promise((resolve, reject) => {
      stream.write(lines, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}
