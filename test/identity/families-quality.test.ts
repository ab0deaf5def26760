import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterQuality } from '../../src/identity/evaluate.ts';
import type { IdentityRecord } from '../../src/identity/input.ts';
import { parsePhoneKey, phoneKey } from '../../src/identity/phones.ts';
import type { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { openDb, resolveCorpus } from './support.ts';

/**
 * Corpus c of the hard cases: 300 families at one address and phone (parents, adult twins, a father
 * and son of one name). The people of one home agree on every contact, so a model that sums those
 * agreements as independent evidence joins them; the household class must keep them apart.
 */
describe('identity resolution on families at one home', () => {
  const tempDir = useTempDirs();
  let db: Database;
  let quality: ClusterQuality;
  let familiesMerged: number;
  let suffixPairs: { pairs: number; joined: number };

  beforeAll(async () => {
    const dir = await tempDir();
    db = await openDb(dir);
    const { corpus, resolved, quality: q } = await resolveCorpus(db, dir, 'c.');
    quality = q;
    await db.run('create table true_families (truth_label varchar, family varchar)');
    await db.appendRows('true_families', [...corpus.families]);
    const [row] = await db.query(
      `with people as (
         select distinct r.customer_id, r.truth_label, f.family
         from ${resolved} as r join true_families as f using (truth_label)
       )
       select count(*)::bigint as n
       from people as a
       join people as b on b.customer_id = a.customer_id and b.family = a.family and b.truth_label > a.truth_label`,
    );
    familiesMerged = Number(row?.n);
    suffixPairs = await sameSuffixAtOnePhone(db, corpus.records, resolved);
  }, 120_000);
  afterAll(() => db?.close());

  it('joins records into one customer only when they are one person (pairwise precision ≥ 0.99)', () => {
    expect(quality.records).toBeGreaterThan(2_000);
    expect(quality.precision).toBeGreaterThanOrEqual(0.99);
  });

  it('never puts two people of one family into one customer, a Jr and Sr among them', () => {
    expect(familiesMerged).toBe(0);
  });

  it("joins records of one Jr or one Sr at the home's phone, dated or not", () => {
    expect(suffixPairs.pairs).toBeGreaterThan(40);
    expect(suffixPairs.joined / suffixPairs.pairs).toBeGreaterThanOrEqual(0.95);
  });
});

/**
 * True pairs of records that carry one Jr/Sr suffix and one valid phone, and how many of them
 * `resolved` joined.
 */
async function sameSuffixAtOnePhone(
  db: Database,
  records: IdentityRecord[],
  resolved: string,
): Promise<{ pairs: number; joined: number }> {
  await db.run('create table suffixed (record_id varchar, suffix varchar, phone varchar)');
  await db.appendRows(
    'suffixed',
    records.flatMap((r) => {
      const suffix = /\s(Sr|Jr)$/.exec(r.last_name ?? '')?.[1];
      if (!suffix) return [];
      const key = phoneKey(r.phone);
      const phone = key ? parsePhoneKey(key).e164 : null;
      return [[r.record_id, suffix, phone]];
    }),
  );
  const [row] = await db.query(
    `with s as (select s.*, r.customer_id, r.truth_label from suffixed as s join ${resolved} as r using (record_id))
     select count(*)::bigint as pairs, count(*) filter (where a.customer_id = b.customer_id)::bigint as joined
     from s as a
     join s as b on b.truth_label = a.truth_label and b.record_id > a.record_id and b.suffix = a.suffix
     where a.phone = b.phone`,
  );
  return { pairs: Number(row?.pairs), joined: Number(row?.joined) };
}
