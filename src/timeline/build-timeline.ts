import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isEnoent } from '../errors.ts';
import { createEmptyCampaignOffers } from '../offers/analyse-templates.ts';
import {
  type BuiltModel,
  buildModels,
  createEmptyRawViews,
  discoverModels,
  type Model,
  orderModels,
  referencesOf,
} from '../pipeline/models.ts';
import type { Database } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';
import { queriesDir, readQueryFile } from '../sql/query-files.ts';

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
 * rejected rows, the memberships the rules read, and the steps between. The queries in
 * `queries/core/views/` become views first, read by the models rather than written (see
 * int_event_sources). Needs staging and the resolver's core tables; a rebuild is this call again,
 * and gives every event the id it had.
 */
export async function buildTimeline(
  db: Database,
  options: { timeZone: string; onBuilt?: (built: BuiltModel) => void },
): Promise<TimelineResult> {
  const views = await db.viewNames();
  const missing = IDENTITY_TABLES.filter((t) => !views.has(t));
  if (missing.length > 0)
    throw new Error(
      `the timeline needs identity resolution first: no ${missing.map((t) => `core/${t}`).join(', ')}`,
    );

  const models = await discoverModels('core');
  const coreViews = await readCoreViews();
  // Views come before every model, so they may read staging, raw and each other, never a model.
  const modelNames = new Set(models.map((m) => m.name));
  for (const view of coreViews) {
    const reads = referencesOf(view.sql).filter((r) => modelNames.has(r));
    if (reads.length > 0)
      throw new Error(`${view.file}: a view cannot read the core models ${reads.join(', ')}`);
  }
  await createEmptyRawViews(db, models);
  await createViews(db, coreViews);
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

/** Creates the views of `queries/core/views/` over a lake whose timeline is already built. */
export async function createCoreViews(db: Database): Promise<void> {
  await createViews(db, await readCoreViews());
}

async function createViews(db: Database, coreViews: Model[]): Promise<void> {
  await createEmptyRawViews(db, coreViews);
  if (!(await db.viewNames()).has('campaign_offers')) await createEmptyCampaignOffers(db);
  for (const view of coreViews)
    await db.run(`create or replace view ${sqlIdentifier(view.name)} as ${view.sql}`);
}

/** The queries of `queries/core/views/`, each after the views it reads. */
async function readCoreViews(): Promise<Model[]> {
  const files = await readdir(path.join(queriesDir, 'core', 'views')).catch((error: unknown) => {
    if (isEnoent(error)) return [] as string[];
    throw error;
  });
  const views: Model[] = [];
  for (const file of files.filter((f) => f.endsWith('.sql')).sort()) {
    const name = file.slice(0, -'.sql'.length);
    const query = await readQueryFile(`core/views/${name}`);
    if (query.parameters.length > 0)
      throw new Error(`${query.file}: a view takes no parameters (uses $${query.parameters.join(', $')})`);
    views.push({ name, layer: 'core', file: query.file, sql: query.sql, parameters: [], dependsOn: [] });
  }
  const names = new Set(views.map((v) => v.name));
  for (const view of views)
    view.dependsOn = referencesOf(view.sql).filter((r) => names.has(r) && r !== view.name);
  return orderModels(views);
}
