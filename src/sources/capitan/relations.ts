import pLimit from 'p-limit';
import { readFetchState, stateKey } from '../../fetch/fetch-state.ts';
import type { StoredPage, StreamContext } from '../../fetch/source.ts';
import { storedRecordIds } from '../../fetch/stored.ts';
import { newestVersions } from '../../sql/raw-versions.ts';
import type { CapitanClient } from './client.ts';

/** Every customer's relations are re-read at least this often, however unchanged their record. */
export const RELATIONS_RECHECK_DAYS = 7;
/** Calls in flight at once; the client paces them to Capitan's rate whatever this allows. */
const CONCURRENCY = 8;
/** Customers per yielded page, so progress shows and memory stays flat on the real gym. */
const BATCH = 250;
const DAY_MS = 86_400_000;

/**
 * The customers whose relations this run reads. The endpoint is one call per customer (the original
 * loop took 21 minutes a day), so a run reads every customer only the first time; after that it reads
 * the customers new or changed since the last successful relations fetch (their newest raw version is
 * newer), plus one slice of the rest (ids modulo {@link RELATIONS_RECHECK_DAYS}) per day passed since
 * then. Staff and parents enter relations days after an account exists without changing the customer
 * record, so without the slices a new relation would never be seen.
 */
export async function customersToRefresh(context: StreamContext): Promise<string[]> {
  const { db } = context;
  if (!(await db.lake.table('raw/capitan/customers'))) return [];
  const previous = (await readFetchState(db)).get(stateKey('capitan', 'relations'));
  const rows = await db.query(
    `select record_id, fetched_at > $last_success::timestamptz as changed
     from (${newestVersions('select record_id, fetched_at, run_id, payload_hash from raw_capitan__customers')})
     order by record_id`,
    { last_success: previous?.lastSuccessAt ?? null },
  );
  const ids = rows.map((row) => String(row.record_id));
  if (!previous) return ids;

  const lastDay = Math.floor(previous.windowUntil.getTime() / DAY_MS);
  const today = Math.floor(context.window.until.getTime() / DAY_MS);
  if (today - lastDay >= RELATIONS_RECHECK_DAYS) return ids;
  const slices = new Set<number>();
  for (let day = lastDay + 1; day <= today; day++) slices.add(day % RELATIONS_RECHECK_DAYS);
  return rows
    .filter((row) => row.changed === true || slices.has(Number(row.record_id) % RELATIONS_RECHECK_DAYS))
    .map((row) => String(row.record_id));
}

/**
 * Reads the chosen customers' relations as the pages of `customers` arrive, each stored with the
 * `customer_id` it was read for. Which customers {@link customersToRefresh} chooses depends on their
 * newest raw version, which this run's `customers` writes only once it has listed them all; so a
 * page's customer is read at once when it is chosen whatever this run writes (new to the lake, or
 * chosen from what the lake held before this run), and the rest of the choice (customers this run
 * found changed) once `customers` is stored.
 */
export async function* relationPages(
  client: CapitanClient,
  context: StreamContext,
  customerPages: AsyncIterable<StoredPage>,
) {
  const storedBefore = await storedRecordIds(context.db, 'raw/capitan/customers');
  const chosenBefore = new Set(await customersToRefresh(context));
  // A failed call drops the calls queued behind it; they reject unread, the failure being first in order.
  const limit = pLimit({ concurrency: CONCURRENCY, rejectOnClear: true });
  const asked = new Set<string>();
  const queued: { customerId: string; relations: Promise<unknown[]> }[] = [];
  const ask = (customerIds: string[]) => {
    for (const customerId of customerIds) {
      if (asked.has(customerId)) continue;
      asked.add(customerId);
      const relations = limit(() => client.listOrNone(`customers/${customerId}/relations/`, context.retry));
      // Awaited in order below, where a failure is thrown; not an unhandled rejection meanwhile.
      relations.catch(() => limit.clearQueue());
      queued.push({ customerId, relations });
    }
  };
  const nextBatch = async () => {
    const batch = queued.splice(0, BATCH);
    const lists = await Promise.all(batch.map((q) => q.relations));
    return lists.flatMap((relations, i) =>
      relations.map((relation) => ({ ...(relation as object), customer_id: Number(batch[i]!.customerId) })),
    );
  };
  try {
    for await (const page of customerPages) {
      ask(page.map((c) => c.recordId).filter((id) => chosenBefore.has(id) || !storedBefore.has(id)));
      // A batch stays queued behind the one awaited, so the calls never wait for a page to be yielded.
      while (queued.length >= 2 * BATCH) yield await nextBatch();
    }
    ask(await customersToRefresh(context));
    while (queued.length > 0) yield await nextBatch();
  } finally {
    // A stream that failed, or whose input did, starts no more calls.
    limit.clearQueue();
  }
}
