import { CliError, ExitCode } from '../errors.ts';
import type { Database, Row, SqlParams } from '../sql/database.ts';
import { parametersOf, readQueryFile } from '../sql/query-files.ts';

/** SQL text compiled from rules kept as data (comparison levels, blocking keys), never from values. */
export type Fragments = Record<string, string>;

export interface StepTiming {
  step: string;
  seconds: number;
}

/**
 * Runs the resolver's queries (`queries/identity/<name>.sql`), Splink-style: each step is one file
 * whose result becomes the table of the same name, so any intermediate can be inspected. A file may
 * hold `{{name}}` slots for SQL compiled from rule data; values always travel as named parameters.
 */
export class SqlSteps {
  readonly timings: StepTiming[] = [];
  /** What each step created, so work tables can be dropped once no step needs them. */
  private readonly created = new Map<string, 'table' | 'view'>();

  constructor(
    readonly db: Database,
    private readonly onStep?: (timing: StepTiming) => void,
    /** Keep every work table (for inspection): `drop` and `dropAll` do nothing. */
    private readonly keep = false,
  ) {}

  /**
   * `create or replace table <target> as <queries/identity/name.sql>`; the target is the file's name
   * by default. Rows are stored in no particular order: every reader orders what it needs ordered.
   */
  async table(name: string, params: SqlParams = {}, fragments: Fragments = {}, target = name): Promise<void> {
    const sql = await this.sql(name, params, fragments);
    await this.timed(target, () =>
      this.db.runUnordered(`create or replace table ${target} as ${sql}`, params),
    );
    this.created.set(target, 'table');
  }

  /** Records a table made outside a step (an appended lookup), so `drop` and `dropAll` know it. */
  adopt(table: string): void {
    this.created.set(table, 'table');
  }

  /** Drops work tables and views no later step reads, to keep memory down on large inputs. */
  async drop(...names: string[]): Promise<void> {
    if (this.keep) return;
    for (const name of names) {
      const kind = this.created.get(name);
      if (!kind) continue;
      await this.db.run(`drop ${kind} if exists ${name}`);
      this.created.delete(name);
    }
  }

  async dropAll(): Promise<void> {
    if (this.keep) return;
    for (const [name, kind] of [...this.created].reverse()) {
      await this.db.run(`drop ${kind} if exists ${name}`);
      this.created.delete(name);
    }
  }

  /** `create or replace view <name> as …`: for a step read once or twice, not worth a copy. */
  async view(name: string, params: SqlParams = {}, fragments: Fragments = {}): Promise<void> {
    const sql = await this.sql(name, params, fragments);
    await this.timed(name, () => this.db.run(`create or replace view ${name} as ${sql}`, params));
    this.created.set(name, 'view');
  }

  /** Runs a step and returns its rows (small results only: counts, pattern tables, parameters). */
  async rows(name: string, params: SqlParams = {}, fragments: Fragments = {}): Promise<Row[]> {
    const sql = await this.sql(name, params, fragments);
    return this.timed(name, () => this.db.query(sql, params));
  }

  /** Runs a statement step (a macro definition, an insert) for its effect. */
  async exec(name: string, params: SqlParams = {}, fragments: Fragments = {}): Promise<void> {
    const sql = await this.sql(name, params, fragments);
    await this.timed(name, () => this.db.run(sql, params));
  }

  async sql(name: string, params: SqlParams, fragments: Fragments): Promise<string> {
    const query = await readQueryFile(`identity/${name}`);
    const slots = [...query.sql.matchAll(/\{\{([a-z_]+)\}\}/g)].map((m) => m[1]!);
    const sql = query.sql.replace(/\{\{([a-z_]+)\}\}/g, (_m, slot: string) => fragments[slot] ?? '');
    const used = parametersOf(sql);
    const problems = [
      ...slots.filter((s) => !(s in fragments)).map((s) => `missing fragment {{${s}}}`),
      ...Object.keys(fragments)
        .filter((f) => !slots.includes(f))
        .map((f) => `unknown fragment {{${f}}}`),
      ...used.filter((p) => !(p in params)).map((p) => `missing parameter $${p}`),
      ...Object.keys(params)
        .filter((p) => !used.includes(p))
        .map((p) => `unknown parameter $${p}`),
    ];
    if (problems.length > 0) throw new CliError(`${query.file}: ${problems.join('; ')}`, ExitCode.failure);
    return sql;
  }

  /** Times work done outside a query file (parsing lookups, EM, writing outputs) under a label. */
  timed<T>(step: string, work: () => Promise<T>): Promise<T> {
    return this.time(step, work);
  }

  private async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    const timing = { step, seconds: (performance.now() - started) / 1000 };
    this.timings.push(timing);
    this.onStep?.(timing);
    return result;
  }
}
