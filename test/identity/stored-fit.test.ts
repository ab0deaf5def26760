import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../src/evaluate/synthetic.ts';
import { COMPARISONS } from '../../src/identity/comparisons.ts';
import { DEFAULT_CONFIG } from '../../src/identity/config.ts';
import type { IdentityRecord } from '../../src/identity/input.ts';
import { createInputTable, createRecordsTable } from '../../src/identity/input.ts';
import { type ResolveSummary, resolveIdentities } from '../../src/identity/resolve.ts';
import { folderStore } from '../../src/identity/store.ts';
import { refitReason, type StoredFit } from '../../src/identity/stored-fit.ts';
import type { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { AS_OF, customersOf, openDb, readOutput } from './support.ts';

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 6));

async function resolveDay(
  db: Database,
  records: readonly IdentityRecord[],
  out: string,
  now: Date,
  full = false,
): Promise<ResolveSummary> {
  await createRecordsTable(db, 'test_records', records);
  await createInputTable(db, 'select * from test_records');
  return resolveIdentities(db, folderStore(db, out), { asOf: AS_OF, now, full });
}

/** Share of record pairs on which two clusterings (record → cluster) agree: same cluster in both, or in neither. */
function pairwiseAgreement(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): number {
  const pairsWithin = (groups: Map<string, number>) =>
    [...groups.values()].reduce((n, k) => n + (k * (k - 1)) / 2, 0);
  const count = (key: (r: string) => string) => {
    const groups = new Map<string, number>();
    for (const r of a.keys()) groups.set(key(r), (groups.get(key(r)) ?? 0) + 1);
    return pairsWithin(groups);
  };
  const sameA = count((r) => a.get(r)!);
  const sameB = count((r) => b.get(r)!);
  const sameBoth = count((r) => `${a.get(r)}|${b.get(r)}`);
  const n = a.size;
  return 1 - (sameA + sameB - 2 * sameBoth) / ((n * (n - 1)) / 2);
}

/** A stable pseudo-random order of records, so each day's arrivals spread over the population. */
const byHash = (r: IdentityRecord) => createHash('md5').update(r.record_id).digest('hex');

describe('the stored model', () => {
  const tempDir = useTempDirs();
  const population = generateSynthetic({ records: 1500, seed: 11 });
  const ordered = [...population.records].sort((x, y) => byHash(x).localeCompare(byHash(y)));

  it('serves day after day, and the result agrees with a full re-fit', async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    const out = path.join(dir, 'daily');
    // Day 1: 1,400 records; then about 33 arrive each day, and one known record changes its email.
    const days = [1400, 1433, 1466, 1500];
    let previous: Map<string, string> | undefined;
    let records: IdentityRecord[] = [];
    for (const [i, size] of days.entries()) {
      records = ordered.slice(0, size);
      if (i >= 2)
        records = records.map((r, j) => (j === 7 ? { ...r, email: `changed.${i}@example.org` } : r));
      const summary = await resolveDay(db, records, out, day(i + 1));
      expect(summary.modelFit.refitted).toBe(i === 0);
      expect(summary.modelFit.reason).toBe(i === 0 ? 'no stored model' : null);
      const now = await customersOf(db, out);
      if (previous) {
        // Every id of the day before still resolves: kept, or an alias of the older id it merged into.
        const aliases = new Map(
          (await readOutput(db, out, 'customer_id_aliases')).map((a) => [
            String(a.alias_id),
            String(a.customer_id),
          ]),
        );
        const ids = new Set(now.values());
        for (const id of new Set(previous.values())) expect(ids.has(id) || aliases.has(id), id).toBe(true);
      }
      previous = now;
    }
    const daily = previous!;

    const rebuilt = path.join(dir, 'full');
    const full = await resolveDay(db, records, rebuilt, day(4), true);
    expect(full.modelFit).toMatchObject({ refitted: true, reason: 'asked for (--full)' });
    const fresh = await customersOf(db, rebuilt);
    expect(pairwiseAgreement(daily, fresh)).toBeGreaterThanOrEqual(0.999);

    // Customer-keyed tables are the same once ids are mapped: each customer of one clustering whose
    // records form a customer of the other has the same golden record.
    const members = (m: Map<string, string>) => {
      const by = new Map<string, string[]>();
      for (const [r, c] of m) by.set(c, [...(by.get(c) ?? []), r]);
      return new Map([...by].map(([c, rs]) => [rs.sort().join(','), c]));
    };
    const freshBySet = members(fresh);
    const idMap = new Map(
      [...members(daily)].flatMap(([set, c]) => (freshBySet.has(set) ? [[c, freshBySet.get(set)!]] : [])),
    );
    expect(idMap.size / new Set(daily.values()).size).toBeGreaterThanOrEqual(0.99);
    const master = async (folder: string) =>
      new Map(
        (await readOutput(db, folder, 'customer_master')).map((row) => {
          const { customer_id, household_id, customer_created_at, ...rest } = row;
          return [String(customer_id), JSON.stringify(rest)];
        }),
      );
    const dailyMaster = await master(out);
    const freshMaster = await master(rebuilt);
    for (const [dailyId, freshId] of idMap)
      expect(dailyMaster.get(dailyId), dailyId).toBe(freshMaster.get(freshId));

    // A model fitted on far fewer profiles is re-fitted.
    const grown = await resolveDay(db, [...records, ...syntheticExtra(300)], out, day(5));
    expect(grown.modelFit.refitted).toBe(true);
    expect(grown.modelFit.reason).toMatch(/^profiles \d+ → \d+/);
    db.close();
  });
});

/** People absent from the population: a growth the stored model has not seen. */
function syntheticExtra(records: number): IdentityRecord[] {
  return generateSynthetic({ records, seed: 99 }).records.map((r) => ({
    ...r,
    record_id: `extra:${r.record_id}`,
  }));
}

describe('refitReason', () => {
  const shares = COMPARISONS.map((c) => c.levels.map((_, g) => (g === 1 ? 1 : 0)));
  const levels = COMPARISONS.flatMap((c) =>
    c.levels.map((l, g) => ({ comparison: c.name, gamma: g, label: l.label, m: 0.5, u: 0.5 })),
  );
  const stored: StoredFit = {
    model: {
      lambda: 0.01,
      candidateLambda: 0.2,
      candidateHouseholdLambda: 0.05,
      candidatePairs: 10,
      randomPairs: 10,
      levels,
      training: [],
    },
    profiles: 1000,
    shares,
    fittedAt: '2026-11-20T06:00:00.000Z',
  };

  it('keeps a model while the data looks as it did', () => {
    expect(refitReason(stored, { profiles: 1099, shares }, DEFAULT_CONFIG)).toBeNull();
  });

  it('re-fits when there is no model, the profiles grew, a level mix moved or the comparisons changed', () => {
    expect(refitReason(null, { profiles: 1, shares }, DEFAULT_CONFIG)).toBe('no stored model');
    expect(refitReason(stored, { profiles: 1101, shares }, DEFAULT_CONFIG)).toMatch(/^profiles 1000 → 1101/);
    const moved = shares.map((levels, k) =>
      k === 2 ? levels.map((_, g) => (g === 0 ? 0.1 : g === 1 ? 0.9 : 0)) : levels,
    );
    expect(refitReason(stored, { profiles: 1000, shares: moved }, DEFAULT_CONFIG)).toMatch(
      new RegExp(`^the level mix of ${COMPARISONS[2]!.name} moved by 0\\.100`),
    );
    const renamed = { ...stored, model: { ...stored.model, levels: levels.slice(1) } };
    expect(refitReason(renamed, { profiles: 1000, shares }, DEFAULT_CONFIG)).toBe(
      'the comparisons changed since the fit',
    );
    const beforeHouseholds = { ...stored, model: { ...stored.model, candidateHouseholdLambda: Number.NaN } };
    expect(refitReason(beforeHouseholds, { profiles: 1000, shares }, DEFAULT_CONFIG)).toMatch(
      /no household share/,
    );
  });
});
