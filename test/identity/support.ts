import path from 'node:path';
import { type HardCorpus, hardCorpora } from '../../src/evaluate/hard-corpora.ts';
import { type ClusterQuality, evaluateClusters } from '../../src/identity/evaluate.ts';
import { createInputTable, createRecordsTable, type IdentityRecord } from '../../src/identity/input.ts';
import { type ResolveSummary, resolveIdentities } from '../../src/identity/resolve.ts';
import { folderStore } from '../../src/identity/store.ts';
import { Lake } from '../../src/lake/lake.ts';
import { Database, type Row, sqlString } from '../../src/sql/database.ts';

export const AS_OF = new Date('2026-11-20T12:00:00Z');

export async function openDb(dir: string): Promise<Database> {
  return Database.open(new Lake({ kind: 'local', dir: path.join(dir, 'lake') }), { timeZone: 'UTC' });
}

/** Resolves records into `out` (a folder store, so a second call sees the first call's id map). */
export async function resolveRecords(
  db: Database,
  records: readonly IdentityRecord[],
  out: string,
  now = AS_OF,
): Promise<ResolveSummary> {
  await createRecordsTable(db, 'test_records', records);
  await createInputTable(db, 'select * from test_records');
  return resolveIdentities(db, folderStore(db, out), { asOf: AS_OF, now });
}

export async function readOutput(db: Database, out: string, table: string): Promise<Row[]> {
  return db.query(`select * from read_parquet(${sqlString(path.join(out, `${table}.parquet`))})`);
}

/** record_id → customer_id from a run's resolved_records. */
export async function customersOf(db: Database, out: string): Promise<Map<string, string>> {
  const rows = await readOutput(db, out, 'resolved_records');
  return new Map(rows.map((r) => [String(r.record_id), String(r.customer_id)]));
}

/**
 * Resolves the hard-case corpus whose name starts with `prefix` into `dir`/out, its records with their
 * truth in `truth_records`. `resolved` is a query of every record's fields, customer and true person.
 */
export async function resolveCorpus(
  db: Database,
  dir: string,
  prefix: string,
): Promise<{ corpus: HardCorpus; resolved: string; quality: ClusterQuality }> {
  const out = path.join(dir, 'out');
  const corpus = hardCorpora().find((c) => c.name.startsWith(prefix))!;
  await resolveRecords(db, corpus.records, out);
  await createRecordsTable(db, 'truth_records', corpus.records, corpus.truth);
  const resolved = `(select r.customer_id, t.*
    from read_parquet(${sqlString(path.join(out, 'resolved_records.parquet'))}) as r
    join truth_records as t using (record_id))`;
  return { corpus, resolved, quality: await evaluateClusters(db, resolved) };
}
