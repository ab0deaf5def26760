/**
 * Runs `work` on every item, a chunk at a time (the calls themselves share the API's connection
 * limiter), and yields each chunk's results in item order. A chunk is waited for in full even when
 * one call fails, so no request outlives the stream that made it.
 */
export async function* inChunks<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): AsyncGenerator<R[]> {
  for (let start = 0; start < items.length; start += size) {
    const settled = await Promise.allSettled(items.slice(start, start + size).map(work));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    yield settled.map((s) => (s as PromiseFulfilledResult<R>).value);
  }
}
