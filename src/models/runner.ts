import { CliError, ExitCode } from '../errors.ts';
import type { Database, Row, SqlParams } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';
import { describe, type ModelGraph } from './graph.ts';
import { buildIncremental } from './incremental.ts';
import { buildKeyed } from './keyed.ts';
import type { Model, ModelOutcome, RunContext, SqlModel } from './model.ts';
import { RAW_PLACEHOLDER, STATE_LOGS, sourceLayerOf } from './sources.ts';

export interface BuiltModel {
  id: string;
  name: string;
  /** The lake table written, for a stored model. */
  key?: string;
  /** Rows of the relation it built (a TypeScript model: what it counts as its records). */
  rows: number;
  seconds: number;
  /** `incremental` models: `full`, `incremental` or `unchanged`; else `table`, `view` or `typescript`. */
  mode: string;
  /** `incremental` models: the raw parts parsed by this build. */
  rawParts?: number;
  /** `incremental` models: the table's parts rewritten to drop deleted rows, and folded (compaction). */
  partsRewritten?: number;
  partsFolded?: number;
  /** `incremental` models: the rows the table's deletes name (superseded records not yet folded away). */
  rowsDeleted?: number;
  /** `incremental` models by a unique_key: the keys whose rows this build recomputed. */
  keys?: number;
  outcome?: ModelOutcome;
}

/** A select ready to run: a model's SQL and exactly the parameters it uses. */
export interface CompiledQuery {
  model: SqlModel;
  sql: string;
  params: SqlParams;
}

export type RunnerContext = Omit<RunContext, 'db'>;

/**
 * The one way models run. `build` materialises relations in dependency order (tables written to the
 * lake, views created, incremental staging merged, TypeScript models run); `compile` and `rows` run
 * a query model (a report, a rule's check, a quality check) with the caller's parameters. Either
 * way the relations a model reads are made readable first: views it needs are created, and a raw
 * stream, a log or a TypeScript model's output that does not exist yet reads as empty, while a table
 * another model builds must have been built.
 */
export class ModelRunner {
  constructor(
    readonly db: Database,
    readonly graph: ModelGraph,
    readonly context: RunnerContext,
  ) {}

  /** Builds the chosen models, each after those it reads. */
  async build(models: Model[], onBuilt?: (built: BuiltModel) => void): Promise<BuiltModel[]> {
    const chosen = new Set(models);
    const built: BuiltModel[] = [];
    let existing = await this.relations();
    for (const model of this.graph.models) {
      if (!chosen.has(model) || (model.kind === 'sql' && model.materialized === 'query')) continue;
      const started = performance.now();
      await this.prepareInputs(model, chosen, existing);
      const result = await this.buildOne(model);
      // A TypeScript model may create any relation; a SQL model creates its own.
      if (model.kind === 'typescript') existing = await this.relations();
      else existing.add(model.name);
      const done = {
        ...result,
        id: model.id,
        name: model.name,
        seconds: (performance.now() - started) / 1000,
      };
      built.push(done);
      onBuilt?.(done);
    }
    return built;
  }

  /** A query model's SQL with the parameters it uses, taken from `params` and the run's variables. */
  async compile(
    id: string,
    params: SqlParams = {},
    options: { exact?: boolean } = {},
  ): Promise<CompiledQuery> {
    const model = this.graph.model(id);
    if (model?.kind !== 'sql')
      throw new CliError(`no model named ${id} (looked for queries/${id}.sql)`, ExitCode.usage);
    const available = { ...this.context.vars, ...params };
    const missing = model.parameters.filter((p) => !(p in available));
    const unknown = options.exact ? Object.keys(params).filter((p) => !model.parameters.includes(p)) : [];
    if (missing.length > 0 || unknown.length > 0) {
      const parts = [
        missing.length > 0 ? `missing parameter(s) ${missing.map((p) => `$${p}`).join(', ')}` : '',
        unknown.length > 0 ? `unknown parameter(s) ${unknown.map((p) => `$${p}`).join(', ')}` : '',
      ].filter(Boolean);
      throw new CliError(`${model.file}: ${parts.join('; ')}`, ExitCode.usage);
    }
    await this.prepareInputs(model, new Set(), await this.relations());
    return {
      model,
      sql: model.sql,
      params: Object.fromEntries(model.parameters.map((p) => [p, available[p]!])),
    };
  }

  /** Runs a model's select and returns its rows. */
  async rows(id: string, params: SqlParams = {}, options: { exact?: boolean } = {}): Promise<Row[]> {
    const query = await this.compile(id, params, options);
    return this.db.query(query.sql, query.params);
  }

  private async buildOne(model: Model): Promise<Omit<BuiltModel, 'id' | 'name' | 'seconds'>> {
    if (model.kind === 'typescript') {
      const outcome = await model.run({ db: this.db, ...this.context });
      await this.db.refreshViews();
      return { rows: outcome.records ?? 0, mode: 'typescript', outcome };
    }
    const params = this.paramsOf(model);
    try {
      if (model.materialized === 'view') {
        await this.db.run(`create or replace view ${sqlIdentifier(model.name)} as ${model.sql}`);
        return { rows: 0, mode: 'view' };
      }
      const key = `${model.layer}/${model.name}`;
      const built = await this.materialize(model, key, params);
      const [count] = await this.db.query(`select count(*)::bigint as n from ${sqlIdentifier(model.name)}`);
      return { key, rows: Number(count?.n ?? 0), ...built };
    } catch (error) {
      throw new Error(`${model.file}: ${(error as Error).message}`);
    }
  }

  /**
   * Writes a table: whole, or (incremental) only what its raw stream added since it was built, or (by a
   * unique_key) only the keys its input's new rows touched.
   */
  private async materialize(
    model: SqlModel,
    key: string,
    params: SqlParams,
  ): Promise<
    Pick<BuiltModel, 'mode' | 'rawParts' | 'partsRewritten' | 'partsFolded' | 'rowsDeleted' | 'keys'>
  > {
    if (model.materialized !== 'incremental') {
      await this.db.writeSelect(key, model.sql, params);
      return { mode: 'table' };
    }
    if (model.uniqueKey) {
      const input = this.graph.keyedInputOf(model);
      if (!input)
        throw new Error(
          `${model.name} is incremental by a unique_key but reads no every-version incremental model`,
        );
      const built = await buildKeyed(this.db, model, input, key, params);
      return {
        mode: built.mode,
        keys: built.keys,
        partsRewritten: built.rewritten,
        partsFolded: built.folded,
        rowsDeleted: built.deleted,
      };
    }
    const built = await buildIncremental(this.db, model, key, params);
    return {
      mode: built.mode,
      rawParts: built.parts,
      partsRewritten: built.rewritten,
      partsFolded: built.folded,
      rowsDeleted: built.deleted,
    };
  }

  /** The run's variables a relation model uses; a relation takes no parameter the run does not give. */
  private paramsOf(model: SqlModel): SqlParams {
    const missing = model.parameters.filter((p) => !(p in this.context.vars));
    if (missing.length > 0)
      throw new Error(`${model.file} uses $${missing.join(', $')}, which a build does not provide`);
    return Object.fromEntries(model.parameters.map((p) => [p, this.context.vars[p]!]));
  }

  /** The names of the views and tables the database holds now. */
  private async relations(): Promise<Set<string>> {
    const rows = await this.db.query(
      'select view_name as name from duckdb_views() union all select table_name from duckdb_tables()',
    );
    return new Set(rows.map((r) => String(r.name)));
  }

  /**
   * Makes every relation a model reads readable: views are created (after their own inputs), and
   * what does not exist yet reads as empty when it may (a raw stream never fetched, a log not yet
   * written, a TypeScript model's output with a placeholder). A table built by a model outside
   * `building` must be in the lake already. `existing` (the relations the database holds) gains
   * what this creates.
   */
  private async prepareInputs(model: Model, building: Set<Model>, existing: Set<string>): Promise<void> {
    const visit = async (reader: Model) => {
      for (const relation of reader.reads) {
        if (existing.has(relation)) continue;
        const producer = this.graph.relation(relation)?.model;
        if (producer && building.has(producer)) continue;
        if (producer?.kind === 'sql' && producer.materialized === 'view') {
          await visit(producer);
          await this.db.run(`create or replace view ${sqlIdentifier(relation)} as ${producer.sql}`);
        } else {
          const placeholder =
            producer?.kind === 'typescript'
              ? await producer.placeholder?.(relation)
              : sourceLayerOf(relation) === 'raw'
                ? RAW_PLACEHOLDER
                : STATE_LOGS[relation];
          if (placeholder === undefined)
            throw new CliError(
              `${describe(model)} reads ${relation}, which ${producer ? `${describe(producer)} builds: build it first (the daily run does)` : 'is not in the lake'}`,
            );
          await this.db.run(`create or replace view ${sqlIdentifier(relation)} as ${placeholder}`);
        }
        existing.add(relation);
      }
    };
    await visit(model);
  }
}
