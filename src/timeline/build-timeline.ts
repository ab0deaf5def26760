import { type BuiltModel, buildModels, discoverModels, referencesOf } from '../pipeline/models.ts';
import type { Database } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';

export interface TimelineResult {
  models: BuiltModel[];
  events: number;
  /** Events attached to a customer, and the split of all events by source_confidence. */
  attached: number;
  byConfidence: Record<'exact' | 'medium' | 'low' | 'unmatched', number>;
  /** Source rows left out of the timeline for want of a date (listed in core/rejected_events). */
  rejected: number;
}

/** The resolver's outputs the timeline attaches events with. */
const IDENTITY_TABLES = ['resolved_records', 'customer_identifiers', 'customer_master'];

/**
 * Builds the core layer (`queries/core/`): the customer timeline `core/customer_events`, the
 * rejected rows, the memberships the rules read, and the steps between. Needs staging and the
 * resolver's core tables; a rebuild is this call again, and gives every event the id it had.
 */
export async function buildTimeline(
  db: Database,
  options: { timeZone: string; onBuilt?: (built: BuiltModel) => void },
): Promise<TimelineResult> {
  const views = new Set(
    (await db.query('select view_name from duckdb_views()')).map((v) => String(v.view_name)),
  );
  const missing = IDENTITY_TABLES.filter((t) => !views.has(t));
  if (missing.length > 0)
    throw new Error(
      `the timeline needs identity resolution first: no ${missing.map((t) => `core/${t}`).join(', ')}`,
    );

  const models = await discoverModels('core');
  // A stream never fetched has no raw view; it reads as empty, as in staging.
  for (const name of new Set(models.flatMap((m) => referencesOf(m.sql)))) {
    if (!name.startsWith('raw_') || views.has(name)) continue;
    await db.run(
      `create or replace view ${sqlIdentifier(name)} as
       select null::varchar as record_id, null::json as payload, null::varchar as payload_hash,
              null::timestamptz as fetched_at, null::varchar as run_id
       where false`,
    );
  }
  const built = await buildModels(db, models, { time_zone: options.timeZone }, options.onBuilt);

  const split = await db.query(
    'select source_confidence, count(*)::bigint as n from customer_events group by all',
  );
  const byConfidence = { exact: 0, medium: 0, low: 0, unmatched: 0 };
  for (const row of split)
    byConfidence[String(row.source_confidence) as keyof typeof byConfidence] = Number(row.n);
  const [rejected] = await db.query('select count(*)::bigint as n from rejected_events');
  const events = Object.values(byConfidence).reduce((a, b) => a + b, 0);
  return {
    models: built,
    events,
    attached: events - byConfidence.unmatched,
    byConfidence,
    rejected: Number(rejected?.n ?? 0),
  };
}
