import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isEnoent } from '../errors.ts';
import { parametersOf, queriesDir } from '../sql/query-files.ts';
import { LAYERS, type Layer, MATERIALIZATIONS, type Materialization, type SqlModel } from './model.ts';
import { headerOf, referencesOf } from './sql-text.ts';

/** Folders of `queries/` that hold no models: the resolver's steps (run by `src/identity/`) and seed data. */
const NOT_MODELS = new Set(['identity', 'seeds']);

/** The `-- key: value` lines a model's leading comment may hold. */
export const HEADER_KEYS = [
  'materialized',
  'record_id',
  'versions',
  'unique_key',
  'severity',
  'threshold',
  'sync',
  'merge_fields',
] as const;

/**
 * How a folder's models are built unless a model's header says otherwise (dbt's per-folder config):
 * a source's staging models (`staging/<source>/`) are incremental, staging combining sources and the
 * core and metrics layers are tables, and reports, rule checks, quality checks and examples are
 * queries.
 */
export function defaultMaterialization(id: string): Materialization {
  const [layer, ...rest] = id.split('/');
  if (layer === 'staging') return rest.length > 1 ? 'incremental' : 'table';
  if (layer === 'core') return 'table';
  if (layer === 'metrics') return rest[0] === 'reports' ? 'query' : 'table';
  return 'query';
}

/** Every model under `queries/`: the file's path names its layer, its name is the relation it builds. */
export async function discoverSqlModels(dir = queriesDir): Promise<SqlModel[]> {
  const models: SqlModel[] = [];
  for (const relative of await sqlFiles(dir)) {
    const id = relative.slice(0, -'.sql'.length);
    const layer = id.split('/')[0]!;
    if (NOT_MODELS.has(layer)) continue;
    const file = path.join(dir, relative);
    if (!(LAYERS as readonly string[]).includes(layer))
      throw new Error(`${file}: queries/${layer}/ is not a layer (${LAYERS.join(', ')})`);
    models.push(parseModel(id, file, await readFile(file, 'utf8')));
  }
  return models;
}

export function parseModel(id: string, file: string, sql: string): SqlModel {
  const { fields, description } = headerOf(sql, HEADER_KEYS);
  const materialized = (fields.materialized ?? defaultMaterialization(id)) as Materialization;
  if (!MATERIALIZATIONS.includes(materialized))
    throw new Error(`${file}: materialized is ${materialized}; expected ${MATERIALIZATIONS.join(', ')}`);
  const model: SqlModel = {
    kind: 'sql',
    id,
    name: path.basename(id),
    layer: id.split('/')[0] as Layer,
    materialized,
    file,
    sql,
    parameters: parametersOf(sql),
    description,
    header: fields,
    reads: referencesOf(sql),
  };
  if (materialized === 'incremental' && fields.unique_key) {
    model.uniqueKey = fields.unique_key.split(',').map((c) => c.trim());
  } else if (materialized === 'incremental') {
    const versions = fields.versions ?? 'newest';
    if (versions !== 'newest' && versions !== 'all')
      throw new Error(`${file}: versions is ${versions}; expected newest or all`);
    model.versions = versions;
    if (versions === 'newest') {
      if (!fields.record_id)
        throw new Error(
          `${file}: an incremental model keeping each record's newest version names its raw record id (-- record_id: <column>)`,
        );
      model.recordId = fields.record_id;
    }
  }
  return model;
}

async function sqlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if (isEnoent(error)) return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
