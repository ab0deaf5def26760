/**
 * Helpers shared by the list endpoints of the emulators that page over large record sets.
 */

/**
 * Wraps a per-clock view so that paging through it at one clock computes it once. Fetchers page a
 * list hundreds of times at the same clock; recomputing and re-sorting the view each time would make
 * the demo gym crawl.
 */
export function memoizeByClock<T>(compute: (clock: Date) => T): (clock: Date) => T {
  let cached: { at: number; value: T } | undefined;
  return (clock) => {
    const at = clock.getTime();
    if (cached?.at !== at) cached = { at, value: compute(clock) };
    return cached.value;
  };
}

export type SortKey = number | string;

/** Orders by key, then by id, so that every record has a unique position for keyset cursors. */
export function compareKeyed(a: { key: SortKey; id: string }, b: { key: SortKey; id: string }): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
