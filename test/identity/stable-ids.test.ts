import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../src/evaluate/synthetic.ts';
import { explainCustomers } from '../../src/identity/explain.ts';
import type { IdentityRecord } from '../../src/identity/input.ts';
import { sqlString } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { customersOf, openDb, readOutput, resolveRecords } from './support.ts';

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 6));

/** Twelve different people of one name, so that name alone proves nothing. */
function namesakes(first: string, last: string): IdentityRecord[] {
  return Array.from({ length: 12 }, (_, i) => ({
    record_id: `capitan:customer:${first}-${last}-${i}`,
    source: 'capitan',
    first_name: first,
    last_name: last,
    email: `${first}.${last}.${i}@example.net`.toLowerCase().replace('example', `mail${i}`),
    birth_date: `19${60 + i}-0${1 + (i % 9)}-1${i % 10}`,
  }));
}

describe('stable customer ids', () => {
  const tempDir = useTempDirs();
  const population = generateSynthetic({ records: 1500, seed: 5 });

  it('gives the same data the same ids, run after run, with no state between them', async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    await resolveRecords(db, population.records, path.join(dir, 'a'), day(1));
    await resolveRecords(db, population.records, path.join(dir, 'b'), day(2));
    const a = await customersOf(db, path.join(dir, 'a'));
    expect(a).toEqual(await customersOf(db, path.join(dir, 'b')));
    expect([...a.values()].every((id) => /^cus_[0-9a-f]{14}$/.test(id))).toBe(true);
    db.close();
  });

  it("keeps every existing id when a day's records arrive: unchanged, or kept as an alias of an older one", async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    const out = path.join(dir, 'out');
    const people = [...new Set(population.records.map((r) => population.truth.get(r.record_id)!))];
    const newPeople = new Set(people.slice(-20));
    const lastOf = new Map<string, string>();
    for (const r of population.records) lastOf.set(population.truth.get(r.record_id)!, r.record_id);
    // A day's new records: everything of 20 new people, and the latest record of 30 known ones.
    const arriving = new Set([
      ...population.records
        .filter((r) => newPeople.has(population.truth.get(r.record_id)!))
        .map((r) => r.record_id),
      ...people.slice(0, 30).map((p) => lastOf.get(p)!),
    ]);
    const dayOne = population.records.filter((r) => !arriving.has(r.record_id));
    await resolveRecords(db, dayOne, out, day(1));
    const before = await customersOf(db, out);
    const summary = await resolveRecords(db, population.records, out, day(2));
    const after = await customersOf(db, out);

    // A new record may tie two known customers together (a merge): the older id survives and the
    // other resolves through the alias table. Every other id is untouched.
    const aliases = new Map(
      (await readOutput(db, out, 'customer_id_aliases')).map((a) => [
        String(a.alias_id),
        String(a.customer_id),
      ]),
    );
    expect(aliases.size).toBe(summary.mergedIds);
    // A record can also leave its customer when the day's data re-learns the weights that linked it
    // (a sparse record, name and one field): the old id stays with the rest of its records and the
    // move is kept in customer_id_splits. Nothing else moves.
    const splits = new Set(
      (await readOutput(db, out, 'customer_id_splits')).map((s) => `${s.customer_id}>${s.new_customer_id}`),
    );
    const afterIds = new Set(after.values());
    for (const [record, id] of before) {
      const now = after.get(record);
      if (now === id || aliases.get(id) === now) continue;
      expect(splits.has(`${id}>${now}`), `${record}: ${id} -> ${now}`).toBe(true);
      expect(afterIds.has(id), `${id} kept by the rest of its records`).toBe(true);
    }
    const dayOneIds = new Set(before.values());
    for (const record of arriving) {
      const id = after.get(record)!;
      expect(dayOneIds.has(id) || !aliases.has(id)).toBe(true);
    }
    const map = await readOutput(db, out, 'customer_id_map');
    expect(map).toHaveLength(population.records.length);
    expect(
      map
        .filter((m) => arriving.has(String(m.record_id)))
        .every(
          (m) => m.first_assigned_at instanceof Date && m.first_assigned_at.getTime() === day(2).getTime(),
        ),
    ).toBe(true);
    db.close();
  });

  it('keeps the OLDER id when two customers merge, and the other id still resolves as an alias', async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    const out = path.join(dir, 'out');
    // A common name: on its own it joins nothing, so the two records stay apart until the bridge.
    const common = [...population.records, ...namesakes('Michael', 'Johnson')];
    const older: IdentityRecord = {
      record_id: 'capitan:customer:1',
      source: 'capitan',
      first_name: 'Michael',
      last_name: 'Johnson',
      phone: '254-555-0123',
      birth_date: '1975-02-02',
    };
    const younger: IdentityRecord = {
      record_id: 'mailchimp:member:m1',
      source: 'mailchimp',
      first_name: 'Michael',
      last_name: 'Johnson',
      email: 'mj.climbs@gmail.com',
    };
    const bridge: IdentityRecord = {
      record_id: 'square:customer:s1',
      source: 'square',
      first_name: 'Michael',
      last_name: 'Johnson',
      email: 'mj.climbs@gmail.com',
      phone: '(254) 555-0123',
    };

    await resolveRecords(db, [...common, older], out, day(1));
    const olderId = (await customersOf(db, out)).get(older.record_id)!;
    await resolveRecords(db, [...common, older, younger], out, day(2));
    const second = await customersOf(db, out);
    const youngerId = second.get(younger.record_id)!;
    expect(youngerId).not.toBe(olderId);

    const summary = await resolveRecords(db, [...common, older, younger, bridge], out, day(3));
    const third = await customersOf(db, out);
    expect(summary.mergedIds).toBe(1);
    expect(third.get(younger.record_id)).toBe(olderId);
    expect(third.get(bridge.record_id)).toBe(olderId);
    const aliases = await readOutput(db, out, 'customer_id_aliases');
    expect(aliases.map((a) => [a.alias_id, a.customer_id])).toEqual([[youngerId, olderId]]);

    for (const table of [
      'customer_master',
      'customer_identifiers',
      'resolved_records',
      'identity_links',
      'customer_id_aliases',
    ])
      await db.run(
        `create or replace view ${table} as select * from read_parquet(${sqlString(path.join(out, `${table}.parquet`))})`,
      );
    const [explained] = await explainCustomers(db, youngerId);
    expect(explained?.customer.customer_id).toBe(olderId);
    db.close();
  });

  it('records a split when the record that tied two customers together goes away', async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    const out = path.join(dir, 'out');
    const common = [...population.records, ...namesakes('James', 'Smith')];
    const a: IdentityRecord = {
      record_id: 'capitan:customer:a',
      source: 'capitan',
      first_name: 'James',
      last_name: 'Smith',
      phone: '254-555-0124',
    };
    const b: IdentityRecord = {
      record_id: 'mailchimp:member:b',
      source: 'mailchimp',
      first_name: 'James',
      last_name: 'Smith',
      email: 'jsmith.waco@fastmail.com',
    };
    const tie: IdentityRecord = {
      record_id: 'square:customer:t',
      source: 'square',
      first_name: 'James',
      last_name: 'Smith',
      email: 'jsmith.waco@fastmail.com',
      phone: '2545550124',
    };
    await resolveRecords(db, [...common, a, b, tie], out, day(1));
    const joined = await customersOf(db, out);
    expect(joined.get(a.record_id)).toBe(joined.get(b.record_id));

    const summary = await resolveRecords(db, [...common, a, b], out, day(2));
    const apart = await customersOf(db, out);
    expect(apart.get(a.record_id)).not.toBe(apart.get(b.record_id));
    expect(summary.splitIds).toBe(1);
    const splits = await readOutput(db, out, 'customer_id_splits');
    expect(splits).toHaveLength(1);
    expect(splits[0]?.customer_id).toBe(joined.get(a.record_id));
    expect([apart.get(a.record_id), apart.get(b.record_id)]).toContain(splits[0]?.new_customer_id);
    db.close();
  });

  it('never hands out an id used before, even when the hash of a record id is taken twice over', async () => {
    const dir = await tempDir();
    const db = await openDb(dir);
    const out = path.join(dir, 'out');
    const hash = (text: string) => `cus_${createHash('md5').update(text).digest('hex').slice(0, 14)}`;
    const newcomer: IdentityRecord = {
      record_id: 'capitan:customer:new',
      source: 'capitan',
      first_name: 'Wilhelmina',
      last_name: 'Ostrander',
      phone: '254-555-0142',
    };
    // Earlier customers already hold the first two ids the newcomer's record id would hash to.
    await mkdir(out, { recursive: true });
    await db.run('create table earlier (record_id varchar, customer_id varchar)');
    await db.appendRows('earlier', [
      ['capitan:customer:old1', hash(newcomer.record_id)],
      ['capitan:customer:old2', hash(`${newcomer.record_id}#1`)],
    ]);
    await db.run(
      `copy (
         select *, timestamptz '2026-01-01 00:00:00+00' as first_assigned_at,
                timestamptz '2026-01-01 00:00:00+00' as customer_created_at
         from earlier
       ) to ${sqlString(path.join(out, 'customer_id_map.parquet'))} (format parquet)`,
    );
    await resolveRecords(db, [...population.records, newcomer], out, day(1));
    const ids = await customersOf(db, out);
    expect(ids.get(newcomer.record_id)).toBe(hash(`${newcomer.record_id}#2`));
    const map = await readOutput(db, out, 'customer_id_map');
    const owners = new Map<string, Set<string>>();
    for (const row of map) {
      const set = owners.get(String(row.customer_id)) ?? new Set<string>();
      set.add(String(row.record_id));
      owners.set(String(row.customer_id), set);
    }
    expect(owners.get(hash(newcomer.record_id))).toEqual(new Set(['capitan:customer:old1']));
    db.close();
  });
});
