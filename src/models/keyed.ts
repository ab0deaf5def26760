import { z } from 'zod';
import type { Database, SqlParams } from '../sql/database.ts';
import { parquetReader, sqlIdentifier, sqlString } from '../sql/database.ts';
import {
  type IncrementalBuild,
  markDeleted,
  mergeStaged,
  modelHash,
  newestSchema,
  readLedger,
  readPartMetadata,
} from './incremental.ts';
import type { SqlModel } from './model.ts';

/** The key of the Parquet key-value metadata holding what a keyed table was built from. */
const KEYED_LEDGER_KEY = 'basin_keyed';

/**
 * What a keyed table was built from, in its newest part (published with it): the model's hash; its
 * input's `base` (its last full build) and newest raw version then; and a fingerprint of each other
 * relation it reads, per value of the key columns that relation has (`{}` when it has none).
 */
const keyedLedgerSchema = z.object({
  hash: z.string(),
  input: z.object({ base: z.string(), newest: newestSchema }),
  lookups: z.array(z.object({ relation: z.string(), key: z.string(), fingerprint: z.string() })),
});
type KeyedLedger = z.infer<typeof keyedLedgerSchema>;

export interface KeyedBuild extends Omit<IncrementalBuild, 'parts'> {
  /** Keys whose rows this build recomputed (every key on a full build). */
  keys: number;
}

/**
 * Builds a staging model incremental by key (dbt's `is_incremental()` with a `unique_key`) over
 * `input`, an every-version incremental table (`versions: all`) whose rows carry the key columns and
 * their `raw_version`, and which only ever gains rows newer than those it held while its `base` (its
 * last full build) stays the same. A model's row for a key is computed from the input's rows of that
 * key only, and from the other relations it reads (lookups) by the key columns they have. A run:
 * - finds the keys touched: those of the input's rows newer than the newest it had seen, and the
 *   table's keys whose lookup rows changed (fingerprints per value of the lookup's key columns:
 *   recipients read `stg_mailchimp__campaign_settings` by `campaign_id`, so a campaign whose send
 *   time changes recomputes its recipients, while a new campaign recomputes nothing old);
 * - recomputes only those keys, from all of the input's rows of them (the model's SQL over the input
 *   filtered to the touched keys), and merges them as `buildIncremental` does: one new part, the rows
 *   it replaces named in the deletes, compaction as ever.
 * A new table, a changed model, the input rebuilt (a new `base`: its model changed, a raw part went,
 * a clock was set back, `MERGE_FORMAT`) or a lookup without key columns that changed makes a full
 * build, so the table always equals a full build over the same input.
 */
export async function buildKeyed(
  db: Database,
  model: SqlModel,
  input: SqlModel,
  key: string,
  params: SqlParams,
): Promise<KeyedBuild> {
  const keys = model.uniqueKey!;
  const inputTable = await db.lake.table(`${input.layer}/${input.name}`);
  const inputLedger = inputTable && (await readLedger(db, inputTable));
  if (!inputTable || !inputLedger)
    throw new Error(`${model.name} reads ${input.name}, which is not built yet`);
  const table = await db.lake.table(key);
  const parsed = table
    ? keyedLedgerSchema.safeParse(await readPartMetadata(db, table.readPaths.at(-1)!, KEYED_LEDGER_KEY))
    : undefined;
  const previous = parsed?.success ? parsed.data : undefined;
  const hash = modelHash(model, params);

  const names = tempNames(model.name);
  try {
    const lookups = model.reads.filter((r) => r !== input.name);
    const lookupKeys = await fingerprintLookups(db, lookups, keys, names.lookups);
    const ledger: KeyedLedger = {
      hash,
      input: { base: inputLedger.base, newest: inputLedger.newest },
      lookups: (await db.query(`select relation, key, fingerprint from ${names.lookups} order by all`)).map(
        (r) => ({ relation: String(r.relation), key: String(r.key), fingerprint: String(r.fingerprint) }),
      ),
    };
    const metadata = { [KEYED_LEDGER_KEY]: JSON.stringify(ledger) };
    const full = async (): Promise<KeyedBuild> => {
      await db.writeParts(key, [{ sql: model.sql, params, metadata }]);
      const [count] = await db.query(
        `select count(*)::bigint as n from (select distinct ${keyList(keys)} from ${sqlIdentifier(model.name)})`,
      );
      return { mode: 'full', keys: Number(count?.n ?? 0), rewritten: 0, folded: 0, deleted: 0 };
    };
    if (!table || !previous || previous.hash !== hash || previous.input.base !== inputLedger.base)
      return await full();

    await db.run(
      `create or replace temp table ${names.previous} (relation varchar, key varchar, fingerprint varchar)`,
    );
    await db.appendRows(
      tempName('previous', model.name),
      previous.lookups.map((l) => [l.relation, l.key, l.fingerprint]),
    );
    await db.run(
      `create or replace temp table ${names.changed} as
       select relation, key from ${names.lookups} full join ${names.previous} using (relation, key)
       where ${names.lookups}.fingerprint is distinct from ${names.previous}.fingerprint`,
    );
    const [whole] = await db.query(`select count(*)::bigint as n from ${names.changed} where key = '{}'`);
    if (Number(whole?.n) > 0) return await full();

    const newer = previous.input.newest
      ? `where epoch_us(raw_version.fetched_at) > $fetched_at_us
           or (epoch_us(raw_version.fetched_at) = $fetched_at_us and raw_version.run_id > $run_id)`
      : '';
    const touchedByLookups = lookupKeys.map(
      (shared, i) =>
        `union select ${keyList(keys)} from ${sqlIdentifier(model.name)}
         where ${keyJson(shared)} in (select key from ${names.changed} where relation = $lookup_${i})`,
    );
    await db.run(
      `create or replace temp table ${names.touched} as
       select distinct ${keyList(keys)} from ${parquetReader(inputTable)} ${newer}
       ${touchedByLookups.join('\n')}`,
      {
        ...(previous.input.newest ?? {}),
        ...Object.fromEntries(lookups.map((relation, i) => [`lookup_${i}`, relation])),
      },
    );
    const [touched] = await db.query(`select count(*)::bigint as n from ${names.touched}`);
    if (Number(touched?.n) === 0) return { mode: 'unchanged', keys: 0, rewritten: 0, folded: 0, deleted: 0 };

    const on = keys.map((c) => `_input.${sqlIdentifier(c)} is not distinct from _keys.${sqlIdentifier(c)}`);
    await db.run(
      `create or replace temp table ${names.staging} as
       with ${sqlIdentifier(input.name)} as (
         select _input.* from ${parquetReader(inputTable)} as _input
         semi join ${names.touched} as _keys on ${on.join(' and ')}
       )
       select * from (${model.sql})`,
      params,
    );
    await markDeleted(db, table, names.deleted, { columns: keyList(keys), keys: names.touched, on: keys });
    const merged = await mergeStaged(db, key, table, {
      staging: names.staging,
      deleted: names.deleted,
      metadata,
    });
    return { mode: 'incremental', keys: Number(touched?.n), ...merged };
  } finally {
    for (const name of Object.values(names)) await db.run(`drop table if exists ${name}`);
  }
}

/**
 * Fingerprints each lookup into the temp table `into` as `(relation, key, fingerprint)`: one row per
 * value of the key columns the lookup has (as JSON), `{}` for one without them. Returns, per lookup,
 * the key columns it has.
 */
async function fingerprintLookups(
  db: Database,
  lookups: string[],
  keys: string[],
  into: string,
): Promise<string[][]> {
  await db.run(`create or replace temp table ${into} (relation varchar, key varchar, fingerprint varchar)`);
  const shared: string[][] = [];
  for (const relation of lookups) {
    const columns = (await db.query(`describe ${sqlIdentifier(relation)}`)).map((c) => String(c.column_name));
    const has = keys.filter((k) => columns.includes(k));
    shared.push(has);
    await db.run(
      `insert into ${into}
       select $relation, ${keyJson(has)}, sum(hash(_lookup))::varchar
       from ${sqlIdentifier(relation)} as _lookup group by all`,
      { relation },
    );
  }
  return shared;
}

/** A key's columns as JSON text (`{}` for none), the form lookup fingerprints are stored by. */
function keyJson(columns: string[]): string {
  if (columns.length === 0) return `'{}'`;
  return `to_json({${columns.map((c) => `${sqlString(c)}: ${sqlIdentifier(c)}`).join(', ')}})::varchar`;
}

function keyList(keys: string[]): string {
  return keys.map(sqlIdentifier).join(', ');
}

function tempName(what: string, model: string): string {
  return `_keyed_${what}__${model}`;
}

function tempNames(model: string) {
  const name = (what: string) => sqlIdentifier(tempName(what, model));
  return {
    lookups: name('lookups'),
    previous: name('previous'),
    changed: name('changed'),
    touched: name('touched'),
    staging: name('staging'),
    deleted: name('deleted'),
  };
}
