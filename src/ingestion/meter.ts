import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class LimitExceededError extends Error {
  override name = 'LimitExceededError';
}

/**
 * Passes bytes through while counting and hashing them, stops the stream past `limit` bytes, and
 * reports progress at most every `intervalMs`.
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  /** The first report comes one interval in: a small file that arrives at once sends none. */
  private lastReport = Date.now();

  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
    private readonly onProgress: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new LimitExceededError(`more than ${this.limit} bytes`));
    this.hash.update(chunk);
    const now = Date.now();
    if (now - this.lastReport >= this.intervalMs) {
      this.lastReport = now;
      this.onProgress(this.bytes);
    }
    done(null, chunk);
  }

  /** Hex SHA-256 of everything that passed; call once the stream has ended. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** Reads a stream to its end, keeping only its SHA-256 and length. */
export async function hashStream(
  body: Readable,
  limit = Number.MAX_SAFE_INTEGER,
): Promise<{ sha256: string; bytes: number }> {
  const meter = new Meter(limit, Number.MAX_SAFE_INTEGER, () => {});
  await pipeline(body, meter, async (hashed: AsyncIterable<Buffer>) => {
    for await (const _chunk of hashed) {
      // the meter hashes what passes
    }
  });
  return { sha256: meter.sha256(), bytes: meter.bytes };
}
