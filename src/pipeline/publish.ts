import type { Lake } from '../lake/lake.ts';
import { isRawKey } from '../lake/table-names.ts';
import type { Database } from '../sql/database.ts';

export interface PublishResult {
  /** The month snapshotted by this run, if it took one. */
  snapshot?: string;
  tables?: number;
  /** A snapshot that failed: the run's tables are published all the same, the next run retries. */
  error?: string;
}

/** The month's snapshot name, `YYYY-MM-01`, of the gym-local date of an instant. */
export function snapshotName(instant: Date, timeZone: string): string {
  return `${instant.toLocaleDateString('en-CA', { timeZone }).slice(0, 7)}-01`;
}

/**
 * Makes the run's tables current in one step (on S3 the files went up during the run; the
 * manifest goes last), then takes the month's snapshot if the month has none yet: on the 1st, or
 * on the first run of a month whose 1st was missed. Raw is append-only, so it is history already
 * and not copied.
 */
export async function publish(lake: Lake, db: Database, month: string): Promise<PublishResult> {
  await lake.commit();
  if (await lake.hasSnapshot(month)) return {};
  const keys = (await lake.listTables()).map((t) => t.key).filter((key) => !isRawKey(key));
  try {
    const copied = await lake.snapshot(month, keys, (table) => db.wholeTableWriter(table));
    return { snapshot: month, tables: copied.length };
  } catch (error) {
    return { snapshot: month, error: (error as Error).message };
  }
}
