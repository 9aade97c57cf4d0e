/**
 * Runs `fn` on every item, `concurrency` at a time, and rejects with the first failure; after one, no
 * further item starts.
 */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failed && next < items.length) {
        await fn(items[next++]!).catch((error: unknown) => {
          failed = true;
          throw error;
        });
      }
    }),
  );
}
