interface Waiting<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Runs work for one key at a time, in batches: whatever is submitted while a batch runs makes up the
 * next one. Order is kept per key. Used where every call costs a round trip to a store that handles
 * contention badly (counters on FerretDB): a hundred concurrent uploads then cost a few round trips.
 */
export class KeyedBatcher<I, O> {
  private readonly queues = new Map<string, Waiting<I, O>[]>();

  /** `run` gets the items in submission order and answers with one output per item, in that order. */
  constructor(private readonly run: (key: string, items: I[]) => Promise<O[]>) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) return void queue.push({ item, resolve, reject });
      this.queues.set(key, [{ item, resolve, reject }]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    for (let batch = this.queues.get(key)!; batch.length > 0; batch = this.queues.get(key)!) {
      this.queues.set(key, []);
      try {
        const outputs = await this.run(
          key,
          batch.map((w) => w.item),
        );
        batch.forEach((w, i) => w.resolve(outputs[i]!));
      } catch (error) {
        batch.forEach((w) => w.reject(error));
      }
    }
    this.queues.delete(key);
  }
}
