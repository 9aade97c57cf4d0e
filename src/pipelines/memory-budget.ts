import { Readable } from 'node:stream';

const MIB = 1024 * 1024;

/**
 * How many bytes of objects the steps of this process may hold in memory at once. A step reads an object
 * small enough into memory, checks it and keeps what it converted for writing, instead of reading the object
 * twice; a larger object, or one arriving while the budget is spent, is streamed twice instead. What a held
 * object parses into takes a few times its bytes.
 */
export class MemoryBudget {
  private used = 0;

  constructor(
    /** The largest object held whole. */
    readonly objectBytes = 64 * MIB,
    /** Bytes held by every run of the process together. */
    readonly totalBytes = 128 * MIB,
  ) {}

  /**
   * The object's bytes, when it fits: `release` gives them back to the budget once the step is done with
   * everything made from them. Otherwise a stream of the whole object (what was read, then the rest).
   */
  async read(
    object: Readable,
    declaredSize: number | null,
  ): Promise<{ bytes: Buffer; release: () => void } | { stream: Readable }> {
    if (declaredSize !== null && declaredSize > this.objectBytes) return { stream: object };
    const chunks: Buffer[] = [];
    let taken = 0;
    const release = () => {
      this.used -= taken;
      taken = 0;
    };
    const iterator = object[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        chunks.push(chunk);
        if (taken + chunk.length > this.objectBytes || this.used + chunk.length > this.totalBytes) {
          release();
          return { stream: Readable.from(rest(chunks, iterator)) };
        }
        taken += chunk.length;
        this.used += chunk.length;
      }
    } catch (error) {
      release();
      throw error;
    }
    return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, taken), release };
  }
}

async function* rest(
  read: Buffer[],
  iterator: AsyncIterator<Buffer | string>,
): AsyncGenerator<Buffer | string> {
  try {
    yield* read.splice(0);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  } finally {
    await iterator.return?.();
  }
}
