import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type Database,
  PARQUET_WRITE_OPTIONS,
  parquetReader,
  type SqlParams,
  sqlString,
} from '../sql/database.ts';

/** The tables the resolver writes, and the state it keeps between runs. */
export const OUTPUT_TABLES = [
  'resolved_records',
  'customer_master',
  'customer_identifiers',
  'households',
  'identity_links',
  'identity_review',
  'identity_model',
] as const;
export type OutputTable = (typeof OUTPUT_TABLES)[number];

export const STATE_TABLES = ['customer_id_map', 'customer_id_aliases', 'customer_id_splits'] as const;
export type StateTable = (typeof STATE_TABLES)[number];
/** The fitted model kept between runs (`stored-fit.ts`): state, but not part of the id map. */
export type FitTable = 'identity_fit';
type StoredTable = OutputTable | StateTable | FitTable;

const EMPTY_STATE: Record<StateTable, string> = {
  customer_id_map:
    'select null::varchar as record_id, null::varchar as customer_id, null::timestamptz as first_assigned_at, null::timestamptz as customer_created_at where false',
  customer_id_aliases:
    'select null::varchar as alias_id, null::varchar as customer_id, null::timestamptz as merged_at where false',
  customer_id_splits:
    'select null::varchar as customer_id, null::varchar as new_customer_id, null::bigint as records, null::timestamptz as split_at where false',
};

/** Where outputs go and where the id map lives: the lake (core/, state/) or a plain folder. */
export interface IdentityStore {
  describe(): string;
  /** A select over the previous run's state table, or an empty one of the same shape. */
  stateSource(table: StateTable): Promise<string>;
  /** A select over a table the last run wrote, or null when there is none. */
  source(table: StoredTable): Promise<string | null>;
  write(table: StoredTable, selectSql: string, params: SqlParams): Promise<void>;
}

/** The lake: outputs in `core/<table>`, state in `state/<table>`. */
export function lakeStore(db: Database): IdentityStore {
  const store: IdentityStore = {
    describe: () => db.lake.describe(),
    async stateSource(table) {
      return (await store.source(table)) ?? EMPTY_STATE[table];
    },
    async source(table) {
      const info = await db.lake.table(`${layerOf(table)}/${table}`);
      return info ? `select * from ${parquetReader(info)}` : null;
    },
    async write(table, selectSql, params) {
      await db.writeSelect(`${layerOf(table)}/${table}`, selectSql, params);
    },
  };
  return store;
}

function layerOf(table: StoredTable): 'state' | 'core' {
  return table === 'identity_fit' || (STATE_TABLES as readonly string[]).includes(table) ? 'state' : 'core';
}

/** A folder: every table as `<dir>/<table>.parquet`, the id map beside the outputs. */
export function folderStore(db: Database, dir: string): IdentityStore {
  const file = (table: string) => path.join(dir, `${table}.parquet`);
  const store: IdentityStore = {
    describe: () => dir,
    async stateSource(table) {
      return (await store.source(table)) ?? EMPTY_STATE[table];
    },
    async source(table) {
      try {
        await access(file(table));
        return `select * from read_parquet(${sqlString(file(table))})`;
      } catch {
        return null;
      }
    },
    async write(table, selectSql, params) {
      await mkdir(dir, { recursive: true });
      const target = file(table);
      const tmp = path.join(dir, `.${table}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await db.runUnordered(`copy (${selectSql}) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`, params);
        await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
  return store;
}
