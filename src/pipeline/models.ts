import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isEnoent } from '../errors.ts';
import { type Database, type SqlParams, sqlIdentifier } from '../sql/database.ts';
import { parametersOf, queriesDir } from '../sql/query-files.ts';

export type ModelLayer = 'staging' | 'core' | 'metrics';

/** One SQL file that builds one table, dbt-style: the file name is the table name. */
export interface Model {
  name: string;
  layer: ModelLayer;
  file: string;
  sql: string;
  parameters: string[];
  /** Other models this one reads (`from`/`join` targets). */
  dependsOn: string[];
}

/**
 * Models live in `queries/<layer>/`; a source's own staging models in `queries/staging/<source>/`
 * (`stg_<source>__<entity>.sql`), those combining sources in `queries/staging/` itself.
 * `onlySource` limits staging to one source's own models.
 */
export async function discoverModels(
  layer: ModelLayer,
  options: { onlySource?: string } = {},
): Promise<Model[]> {
  const files = options.onlySource
    ? []
    : (await sqlFilesIn(path.join(queriesDir, layer))).map((f) => path.join(queriesDir, layer, f));
  if (layer === 'staging') {
    const stagingDir = path.join(queriesDir, 'staging');
    for (const source of await listDirs(stagingDir)) {
      if (options.onlySource && source !== options.onlySource) continue;
      const dir = path.join(stagingDir, source);
      for (const file of await sqlFilesIn(dir)) files.push(path.join(dir, file));
    }
  }
  const models: Model[] = [];
  for (const file of files) {
    const sql = await readFile(file, 'utf8');
    models.push({
      name: path.basename(file, '.sql'),
      layer,
      file,
      sql,
      parameters: parametersOf(sql),
      dependsOn: [],
    });
  }
  const names = new Set(models.map((m) => m.name));
  for (const model of models)
    model.dependsOn = referencesOf(model.sql).filter((r) => names.has(r) && r !== model.name);
  return orderModels(models);
}

/** Orders models so each comes after the models it reads; a cycle is an error naming its files. */
export function orderModels(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, trail: string[]) => {
    if (state.get(model.name) === 'done') return;
    if (state.get(model.name) === 'visiting') {
      throw new Error(`models read each other in a cycle: ${[...trail, model.name].join(' → ')}`);
    }
    state.set(model.name, 'visiting');
    for (const dependency of model.dependsOn) visit(byName.get(dependency)!, [...trail, model.name]);
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return ordered;
}

/** Table names a query reads, from `from` and `join` clauses outside comments and strings. */
export function referencesOf(sql: string): string[] {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
  const found = new Set<string>();
  for (const match of code.matchAll(/\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi)) {
    found.add(match[1]!.toLowerCase());
  }
  return [...found];
}

/**
 * A stream never fetched (a source without credentials) has no raw view; the queries reading it
 * get an empty one, so they build and simply have no rows from it.
 */
export async function createEmptyRawViews(db: Database, readers: Model[]): Promise<void> {
  const existing = await db.viewNames();
  for (const name of new Set(readers.flatMap((m) => referencesOf(m.sql)))) {
    if (!name.startsWith('raw_') || existing.has(name)) continue;
    await db.run(
      `create or replace view ${sqlIdentifier(name)} as
       select null::varchar as record_id, null::json as payload, null::varchar as payload_hash,
              null::timestamptz as fetched_at, null::varchar as run_id
       where false`,
    );
  }
}

export interface BuiltModel {
  name: string;
  key: string;
  rows: number;
  seconds: number;
}

/** Materialises models in order into `<layer>/<name>`, each given only the parameters it uses. */
export async function buildModels(
  db: Database,
  models: Model[],
  params: SqlParams,
  onBuilt?: (built: BuiltModel) => void,
): Promise<BuiltModel[]> {
  const built: BuiltModel[] = [];
  for (const model of models) {
    const started = Date.now();
    const missing = model.parameters.filter((p) => !(p in params));
    if (missing.length > 0)
      throw new Error(`${model.file} uses $${missing.join(', $')}, which the pipeline does not provide`);
    const used = Object.fromEntries(model.parameters.map((p) => [p, params[p]!]));
    const key = `${model.layer}/${model.name}`;
    try {
      await db.writeSelect(key, model.sql, used);
    } catch (error) {
      throw new Error(`${model.file}: ${(error as Error).message}`);
    }
    const [count] = await db.query(`select count(*)::bigint as n from "${model.name}"`);
    const result = {
      name: model.name,
      key,
      rows: Number(count?.n ?? 0),
      seconds: (Date.now() - started) / 1000,
    };
    built.push(result);
    onBuilt?.(result);
  }
  return built;
}

async function sqlFilesIn(dir: string): Promise<string[]> {
  return (await readdirOrEmpty(dir)).filter((f) => f.endsWith('.sql')).sort();
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (isEnoent(error)) return [];
    throw error;
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isEnoent(error)) return [];
    throw error;
  }
}
