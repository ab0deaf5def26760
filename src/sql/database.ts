import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValue,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';
import type { Lake, ParquetWriter, TableInfo } from '../lake/lake.ts';
import { viewName } from '../lake/table-names.ts';
import { queriesDir } from './query-files.ts';
import { RAW_VERSION_MACRO } from './raw-versions.ts';

export type SqlParam = string | number | bigint | boolean | null | Date;
export type SqlParams = Record<string, SqlParam>;
export type Row = Record<string, unknown>;
/** A result column: a DOUBLE column as a Float64Array (NaN where null), any other as JS values. */
export type ResultColumn = Float64Array | unknown[];

/**
 * How every lake table is written. zstd at level 1 writes 24.6 million events ~20% faster than
 * DuckDB's default level 3, into a file of the same size (738 MB against 742 MB).
 */
export const PARQUET_WRITE_OPTIONS = '(format parquet, compression zstd, compression_level 1)';

/** A literal for text DuckDB cannot take as a parameter (file paths in views and COPY targets). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The DuckDB expression that reads a table's published files: the one reader of every lake table
 * (its view, and code that reads a table directly). A table of parts with deletes reads its parts
 * less the rows its deletes name (`partsReader`).
 */
export function parquetReader(table: Pick<TableInfo, 'layout' | 'readPaths' | 'deletes'>): string {
  if (table.layout === 'file') return `read_parquet([${table.readPaths.map(sqlString).join(', ')}])`;
  return partsReader(
    table.readPaths,
    table.deletes ? `read_parquet(${sqlString(table.deletes)})` : undefined,
  );
}

/**
 * Reads parts as one relation, less the rows `deleted` names: a relation of `(part, part_row)`, a
 * part's file name (as `partName` gives it) and the row's number in that file, from 0 (DuckDB's
 * `file_row_number`). A part's rows never move, since parts are immutable.
 */
export function partsReader(files: string[], deleted?: string): string {
  const reader = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`;
  if (!deleted) return reader;
  return `(select _parts.* from ${reader} as _parts anti join (
             select _files.file_index, part_row from ${deleted} join ${partIndexes(files)} using (part)
           ) as _deleted on _parts.file_index = _deleted.file_index and _parts.file_row_number = _deleted.part_row)`;
}

/** Each part's name and its `file_index` in a read of `files`, as a relation `(part, file_index)`. */
export function partIndexes(files: string[]): string {
  const rows = files.map((file, i) => `(${sqlString(partName(file))}, ${i})`).join(', ');
  return `(values ${rows}) as _files(part, file_index)`;
}

/** How deletes name a part: its file name (parts of one table share a folder). */
export function partName(file: string): string {
  return path.basename(file);
}

/** COPY's options for a lake file, with key-value metadata when given. */
function copyOptions(metadata: Record<string, string>): string {
  const kv = Object.entries(metadata).map(([k, v]) => `${sqlIdentifier(k)}: ${sqlString(v)}`);
  return kv.length > 0
    ? PARQUET_WRITE_OPTIONS.replace(/\)$/, `, kv_metadata {${kv.join(', ')}})`)
    : PARQUET_WRITE_OPTIONS;
}

/** A part `Database.writeParts` keeps as it is: its path relative to the lake's root. */
export interface PartKeep {
  keep: string;
}

/** A part `Database.writeParts` writes: a select, its parameters and its key-value metadata. */
export interface PartSelect {
  sql: string;
  params?: SqlParams;
  metadata?: Record<string, string>;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface OpenOptions {
  timeZone: string;
  /** DuckDB's memory cap, e.g. `4GB`; DuckDB's own default when absent. */
  memoryLimit?: string;
  threads?: number;
}

/**
 * The one place that opens DuckDB. Every lake table is a view named after its key; statements take
 * values as named parameters, never spliced into SQL text (the models of `queries/` run through
 * `src/models/runner.ts`).
 */
export class Database {
  readonly connection: DuckDBConnection;
  readonly lake: Lake;
  /** The gym's time zone, the session's: local dates are computed in it. */
  readonly timeZone: string;
  private readonly instance: DuckDBInstance;
  /** One connection runs one statement at a time; concurrent callers (parallel sources) queue here. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Each lake table's view as this database last created it: the reader of its files. */
  private readonly tableViews = new Map<string, string>();
  /** The seeds' views, created once: their files are part of the code, not of the lake. */
  private seedViews: string[] | undefined;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, lake: Lake, timeZone: string) {
    this.instance = instance;
    this.connection = connection;
    this.lake = lake;
    this.timeZone = timeZone;
  }

  static async open(lake: Lake, options: OpenOptions): Promise<Database> {
    const instance = await DuckDBInstance.create(':memory:', {
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      ...(options.threads ? { threads: String(options.threads) } : {}),
    });
    const connection = await instance.connect();
    // The zone was validated by the configuration; SET takes no parameters.
    await connection.run(`set TimeZone = ${sqlString(options.timeZone)}`);
    await connection.run(RAW_VERSION_MACRO);
    const db = new Database(instance, connection, lake, options.timeZone);
    await db.refreshViews();
    return db;
  }

  /**
   * (Re)creates one view per lake table, so new tables and parts become visible, and one per seed.
   * A view whose files have not changed since this database created it is left alone: creating a
   * view reads every file's footer, and a fetch refreshes after each of its parts.
   */
  async refreshViews(): Promise<string[]> {
    const names: string[] = await this.registerSeeds();
    for (const table of await this.lake.listTables()) {
      const name = viewName(table.key);
      await this.createTableView(name, parquetReader(table));
      names.push(name);
    }
    return names;
  }

  private async createTableView(name: string, reader: string): Promise<void> {
    if (this.tableViews.get(name) === reader) return;
    await this.run(`create or replace view ${sqlIdentifier(name)} as select * from ${reader}`);
    this.tableViews.set(name, reader);
  }

  /** `queries/seeds/<name>.csv` (rules and lookups kept as data) becomes the view `seed_<name>`. */
  private async registerSeeds(): Promise<string[]> {
    this.seedViews ??= await this.createSeedViews();
    return [...this.seedViews];
  }

  private async createSeedViews(): Promise<string[]> {
    const seedsDir = path.join(queriesDir, 'seeds');
    const files = (await readdir(seedsDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.csv'))
      .sort();
    const names: string[] = [];
    for (const file of files) {
      const name = `seed_${file.slice(0, -'.csv'.length)}`;
      const csv = sqlString(path.join(seedsDir, file));
      await this.run(
        `create or replace view ${sqlIdentifier(name)} as select * from read_csv(${csv}, header = true)`,
      );
      names.push(name);
    }
    return names;
  }

  async query(sql: string, params: SqlParams = {}): Promise<Row[]> {
    return this.exclusive(async () => {
      const reader = await this.connection.runAndReadAll(sql, toDuckValues(params));
      return reader.getRowObjectsJS() as Row[];
    });
  }

  /**
   * A select's result by column, each DOUBLE column copied chunk by chunk into a Float64Array (NaN
   * where null), the others as JS arrays. For long numeric results: 1.5 million rows × 30 doubles
   * took ~10 s as JS value arrays, and a fraction of that as typed arrays.
   */
  async typedColumns(sql: string, params: SqlParams = {}): Promise<Record<string, ResultColumn>> {
    return this.exclusive(async () => {
      const result = await this.connection.run(sql, toDuckValues(params));
      const chunks: DuckDBDataChunk[] = [];
      for (let c = 0; c < result.chunkCount; c++) chunks.push(result.getChunk(c));
      // A chunk's rowCount is a native call on each access: read once per chunk, never per value.
      const sizes = chunks.map((chunk) => chunk.rowCount);
      const rows = sizes.reduce((n, size) => n + size, 0);
      const columns: Record<string, ResultColumn> = {};
      result.columnNames().forEach((name, j) => {
        let at = 0;
        if (result.columnTypeId(j) === DuckDBTypeId.DOUBLE) {
          const column = new Float64Array(rows);
          chunks.forEach((chunk, c) => {
            const vector = chunk.getColumnVector(j);
            const size = sizes[c]!;
            for (let i = 0; i < size; i++) column[at++] = (vector.getItem(i) as number | null) ?? Number.NaN;
          });
          columns[name] = column;
        } else {
          const column: unknown[] = new Array(rows);
          for (const chunk of chunks)
            for (const value of chunk.convertColumnValues(j, JSDuckDBValueConverter)) column[at++] = value;
          columns[name] = column;
        }
      });
      return columns;
    });
  }

  async run(sql: string, params: SqlParams = {}): Promise<void> {
    await this.exclusive(() => this.connection.run(sql, toDuckValues(params)));
  }

  /**
   * Runs a statement that stores the result of a select (a table, a file). A table is a set: unless
   * the select orders its rows, DuckDB may store them in any order, which lets it write in parallel
   * without holding rows back to keep their order (less time and memory on millions of rows).
   */
  async runUnordered(sql: string, params: SqlParams = {}): Promise<void> {
    await this.exclusive(async () => {
      await this.connection.run('set preserve_insertion_order = false');
      try {
        await this.connection.run(sql, toDuckValues(params));
      } finally {
        await this.connection.run('reset preserve_insertion_order');
      }
    });
  }

  /** Appends rows of text (or null) to an existing table through DuckDB's appender. */
  async appendRows(table: string, rows: Iterable<(string | null)[]>): Promise<void> {
    await this.exclusive(async () => {
      const appender = await this.connection.createAppender(table);
      try {
        for (const row of rows) {
          for (const value of row) {
            if (value === null) appender.appendNull();
            else appender.appendVarchar(value);
          }
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Writes the result of a select to the lake table `key`, atomically, then exposes it as a view. */
  async writeSelect(key: string, selectSql: string, params: SqlParams = {}): Promise<void> {
    await this.lake.writeTable(key, this.parquetWriter(selectSql, params));
    await this.createTableView(
      viewName(key),
      parquetReader({ layout: 'file', readPaths: [this.lake.filePath(key)] }),
    );
  }

  /**
   * Writes the lake table `key` as an ordered list of parts, published together (`Lake.writeParts`):
   * each kept as it is (`keep`, its path relative to the lake's root) or written from a select, with
   * its own key-value metadata (what an incremental model staged), and the select of the kept parts'
   * rows to leave out, `(part, part_row)` (see `partsReader`). The view reads every part, by name,
   * less those rows.
   */
  async writeParts(key: string, parts: (PartKeep | PartSelect)[], deletes?: PartSelect): Promise<string[]> {
    const written = await this.lake.writeParts(
      key,
      parts.map((part) =>
        'keep' in part ? part : { write: this.parquetWriter(part.sql, part.params, part.metadata) },
      ),
      deletes && this.parquetWriter(deletes.sql, deletes.params),
    );
    const table = await this.lake.table(key);
    if (table) await this.createTableView(viewName(key), parquetReader(table));
    return written;
  }

  /** Writes a lake table whole to the file it is given: a table of parts as one, its deletes applied. */
  wholeTableWriter(table: TableInfo): ParquetWriter {
    return this.parquetWriter(`select * from ${parquetReader(table)}`);
  }

  /** Writes a select's rows to the file it is given, with `metadata` in its key-value metadata. */
  private parquetWriter(
    selectSql: string,
    params: SqlParams = {},
    metadata: Record<string, string> = {},
  ): ParquetWriter {
    return (tmp) =>
      this.runUnordered(`copy (${selectSql}) to ${sqlString(tmp)} ${copyOptions(metadata)}`, params);
  }

  /** The names of the views the database holds now. */
  async viewNames(): Promise<Set<string>> {
    return new Set(
      (await this.query('select view_name from duckdb_views()')).map((v) => String(v.view_name)),
    );
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function toDuckValues(params: SqlParams): Record<string, DuckDBValue> {
  const values: Record<string, DuckDBValue> = {};
  for (const [name, value] of Object.entries(params))
    values[name] = value instanceof Date ? value.toISOString() : value;
  return values;
}
