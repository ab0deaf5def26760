import type { BuiltModel } from '../models/runner.ts';
import { openRunner } from '../pipeline/model-graph.ts';
import type { Database } from '../sql/database.ts';

export interface TimelineResult {
  models: BuiltModel[];
  events: number;
  /** Events attached to a customer, and the split of all events by source_confidence. */
  attached: number;
  byConfidence: Record<'exact' | 'medium' | 'low' | 'unmatched', number>;
  /** Source rows left out of the timeline for want of a date (listed in core/rejected_events). */
  rejected: number;
}

/**
 * Builds the core layer's SQL models (`queries/core/`): the customer timeline `core/customer_events`,
 * the rejected rows, the memberships the rules read, transactions and the steps between. Needs
 * staging and the resolver's core tables; a rebuild is this call again, and gives every event the id
 * it had.
 */
export async function buildTimeline(
  db: Database,
  options: { timeZone: string; onBuilt?: (built: BuiltModel) => void },
): Promise<TimelineResult> {
  const runner = await openRunner(db, { vars: { time_zone: options.timeZone } });
  const built = await runner.build(
    runner.graph.select((m) => m.kind === 'sql' && m.layer === 'core'),
    options.onBuilt,
  );
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

/** Creates the core layer's views (`-- materialized: view`) over a lake whose timeline is built. */
export async function createCoreViews(db: Database): Promise<void> {
  const runner = await openRunner(db);
  await runner.build(
    runner.graph.select((m) => m.kind === 'sql' && m.layer === 'core' && m.materialized === 'view'),
  );
}
