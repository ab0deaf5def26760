import type { Config } from '../config.ts';
import type { Database, SqlParams } from '../sql/database.ts';

/**
 * The layers data moves through, bottom up, and the folders of `queries/` whose models are read
 * rather than stored: rule checks, the churn model's member-months, audiences, data-quality checks and ad-hoc
 * examples.
 */
export const LAYERS = [
  'staging',
  'core',
  'metrics',
  'rules',
  'churn',
  'audiences',
  'quality',
  'examples',
] as const;
export type Layer = (typeof LAYERS)[number];

/** Where a relation a model reads comes from, when no model of the graph builds it. */
export type SourceLayer = 'raw' | 'seed' | 'state';

/**
 * How a model is built:
 * - `table`: rebuilt from its inputs into `<layer>/<name>` in the lake;
 * - `view`: a DuckDB view, computed by whoever reads it, never stored;
 * - `incremental`: a staging table over one raw stream, to which each run adds only the raw parts it
 *   has not staged yet, the newest version of a record replacing its older ones; or, with a
 *   `unique_key`, a staging table over an every-version staging table, whose run recomputes only the
 *   keys that table's new rows touch (`keyed.ts`);
 * - `query`: not a relation: a select its readers run with their own parameters (a report at any
 *   date, a rule's check at any as-of day, a data-quality check).
 */
export const MATERIALIZATIONS = ['table', 'view', 'incremental', 'query'] as const;
export type Materialization = (typeof MATERIALIZATIONS)[number];

/** A model declared in SQL: one file under `queries/`, its name the relation it builds. */
export interface SqlModel {
  kind: 'sql';
  /** Its path under `queries/` without `.sql`: `staging/stripe/stg_stripe__customers`, `rules/no_email`. */
  id: string;
  /** The file name, which is the table or view it builds (unique among relations). */
  name: string;
  layer: Layer;
  materialized: Materialization;
  file: string;
  sql: string;
  /** The `$name` parameters it uses. */
  parameters: string[];
  /** The leading comment, without its `key: value` lines. */
  description: string;
  /** The `-- key: value` lines of its leading comment (materialized, record_id, versions, severity…). */
  header: Record<string, string>;
  /** The relations its `from` and `join` clauses name, its own CTEs left out. */
  reads: string[];
  /**
   * Incremental models only. `newest`: one record's rows come from its newest raw version, and the
   * `record_id` header names the expression over the model's rows that gives the raw record id.
   * `all`: every raw version's rows are kept (histories: email activity, post insights, statuses).
   */
  versions?: 'newest' | 'all';
  recordId?: string;
  /**
   * Incremental models over a staging table (`-- unique_key: a, b`): the columns naming one group of
   * its rows, which a run recomputes whole when its input's new rows touch it.
   */
  uniqueKey?: string[];
}

/** What a TypeScript model gets to run with: the database, the run's variables and clock. */
export interface RunContext {
  db: Database;
  /** Parameters every model may use: `time_zone`, `window_days`. */
  vars: SqlParams;
  config?: Config;
  /** The day the run stands for, and its clock. */
  asOf: Date;
  now: Date;
}

/** What a built model reports for the run summary. */
export interface ModelOutcome {
  detail: string;
  /** Set when the model built, but from a fallback the run must report as failed (a refused API key). */
  failure?: string;
  records?: number;
  rejected?: number;
}

/**
 * A model computed in TypeScript (an iterative algorithm, an LLM call), like a dbt Python model:
 * it declares the relations it reads and the lake tables it writes, and the graph orders it with the
 * SQL models around it.
 */
export interface TypeScriptModel {
  kind: 'typescript';
  id: string;
  name: string;
  layer: Layer;
  description: string;
  reads: string[];
  /** Lake keys it writes: `core/customer_master`, `state/customer_id_map`. */
  writes: string[];
  /**
   * A select of the right columns and no rows for a written relation that readers may meet before
   * the model first ran (the timeline reads campaign offers before any template was read).
   */
  placeholder?(relation: string): Promise<string | undefined>;
  run(context: RunContext): Promise<ModelOutcome>;
}

export type Model = SqlModel | TypeScriptModel;

/** The relations a model makes readable: its own name, or a TypeScript model's written tables. */
export function relationsOf(model: Model): string[] {
  if (model.kind === 'typescript') return model.writes.map((key) => key.split('/').at(-1)!);
  return model.materialized === 'query' ? [] : [model.name];
}
