import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { chargeObject } from '../../src/sandbox/emulators/stripe-objects.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { addScaleDay, type ScaleLakeResult, writeScaleLake } from '../../src/sandbox/scale-writer.ts';

const SCALE = 0.05;

async function queryWith(instance: DuckDBInstance, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}

describe('the scale writer', () => {
  let dir: string;
  let result: ScaleLakeResult;
  let gym: SandboxDataset;
  let instance: DuckDBInstance;

  const query = (sql: string) => queryWith(instance, sql);
  const parts = (stream: string) => `'${path.join(dir, 'raw', stream, '*.parquet')}'`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'basin-scale-'));
    result = await writeScaleLake({ scale: SCALE, dir, workers: 0, chunksPerPart: 1 });
    gym = generateGym({ size: SCALE });
    instance = await DuckDBInstance.create(':memory:');
  });

  afterAll(async () => {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every raw stream of the layout as Parquet parts', async () => {
    const expected = {
      capitan: [
        'customers',
        'customer_memberships',
        'checkins',
        'associations',
        'association_members',
        'events',
        'relations',
      ],
      stripe: ['customers', 'payment_intents', 'refunds'],
      square: ['locations', 'customers', 'payments', 'orders', 'refunds'],
      mailchimp: ['campaigns', 'campaign_content', 'reports', 'email_activity', 'members'],
      instagram: ['account', 'media', 'insights'],
    };
    for (const [source, streams] of Object.entries(expected)) {
      expect((await readdir(path.join(dir, 'raw', source))).sort()).toEqual([...streams].sort());
      for (const stream of streams) {
        const files = await readdir(path.join(dir, 'raw', source, stream));
        expect(
          files.every((f) => f.endsWith('.parquet')),
          `${source}/${stream}`,
        ).toBe(true);
      }
    }
    expect(await readdir(dir)).toEqual(['raw']);
    const columns = await query(`describe select * from read_parquet(${parts('capitan/checkins')})`);
    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'record_id VARCHAR',
      'payload JSON',
      'payload_hash VARCHAR',
      'fetched_at TIMESTAMP WITH TIME ZONE',
      'run_id VARCHAR',
    ]);
  });

  it('holds the same records the emulated APIs show at asOf', async () => {
    const at = gym.asOf;
    const counts: [string, number][] = [
      ['capitan/customers', gym.capitan.customers(at).length],
      ['capitan/checkins', gym.capitan.checkins(at).length],
      ['capitan/customer_memberships', gym.capitan.memberships(at).length],
      ['stripe/payment_intents', gym.stripe.paymentIntents(at).length],
      ['square/orders', gym.square.orders(at).length],
      ['mailchimp/campaigns', gym.mailchimp.campaigns(at).length],
      ['instagram/media', gym.instagram.media(at).length],
    ];
    for (const [stream, count] of counts) {
      const [row] = await query(
        `select count(*)::int as n, count(distinct record_id)::int as ids from read_parquet(${parts(stream)})`,
      );
      expect(row?.n, stream).toBe(count);
      expect(row?.ids, stream).toBe(count);
      expect(result.rows[stream], stream).toBe(count);
    }
    // Payloads are the API's records exactly; payment intents carry their charge inline.
    const membership = gym.capitan.memberships(at)[3];
    const [stored] = await query(
      `select payload from read_parquet(${parts('capitan/customer_memberships')}) where record_id = '${membership?.id}'`,
    );
    expect(JSON.parse(String(stored?.payload))).toEqual(membership);
    const intent = gym.stripe.paymentIntents(at).find((p) => p.latest_charge);
    const [pi] = await query(
      `select payload from read_parquet(${parts('stripe/payment_intents')}) where record_id = '${intent?.id}'`,
    );
    const payload = JSON.parse(String(pi?.payload));
    expect(payload.latest_charge).toEqual(
      chargeObject(gym.stripe.charges(at).find((c) => c.id === intent?.latest_charge)!),
    );
    const [hash] = await query(
      `select count(*)::int as bad from read_parquet(${parts('capitan/customers')}) where payload_hash <> md5(payload::varchar)`,
    );
    expect(hash?.bad).toBe(0);
  });

  it('counts association members and campaign recipients across chunks', async () => {
    const at = gym.asOf;
    const rows = await query(`select record_id, payload from read_parquet(${parts('capitan/associations')})`);
    const members = new Map(gym.capitan.associations(at).map((a) => [String(a.id), a.num_members]));
    for (const row of rows)
      expect(JSON.parse(String(row.payload)).num_members).toBe(members.get(String(row.record_id)));
    const campaign = gym.mailchimp.campaigns(at).at(-1);
    const [report] = await query(
      `select payload from read_parquet(${parts('mailchimp/reports')}) where record_id = '${campaign?.id}'`,
    );
    expect(JSON.parse(String(report?.payload))).toEqual(gym.mailchimp.report(campaign?.id ?? '', at));
  });
});

describe('the scale writer’s following days', () => {
  const DAYS = 2;
  let dir: string;
  let result: ScaleLakeResult;
  let gym: SandboxDataset;
  let instance: DuckDBInstance;

  const query = (sql: string) => queryWith(instance, sql);
  /** The stream's parts as a fetch on each day up to `day` would have left them. */
  const partsUpTo = (stream: string, day: number) =>
    `read_parquet([${[path.join(dir, 'raw', stream, '*.parquet'), ...result.days.slice(0, day).map((d) => path.join(d.dir, 'raw', stream, '*.parquet'))].map((p) => `'${p}'`).join(', ')}])`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'basin-scale-days-'));
    result = await writeScaleLake({ scale: SCALE, dir, workers: 2, days: DAYS });
    gym = generateGym({ size: SCALE });
    instance = await DuckDBInstance.create(':memory:');
  });

  afterAll(async () => {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, for each later day, the records new or changed since the day before, as the APIs show them', async () => {
    expect(result.days.map((d) => d.day)).toEqual([1, 2]);
    for (const day of result.days) {
      const at = new Date(gym.asOf.getTime() + day.day * 86_400_000);
      expect(day.asOf).toEqual(at);
      expect(Object.values(day.rows).reduce((n, r) => n + r, 0)).toBeGreaterThan(0);
      const counts: [string, number][] = [
        ['capitan/customers', gym.capitan.customers(at).length],
        ['capitan/checkins', gym.capitan.checkins(at).length],
        ['capitan/customer_memberships', gym.capitan.memberships(at).length],
        ['stripe/payment_intents', gym.stripe.paymentIntents(at).length],
      ];
      for (const [stream, count] of counts) {
        const [row] = await query(
          `select count(distinct record_id)::int as ids from ${partsUpTo(stream, day.day)}`,
        );
        expect(row?.ids, `${stream} on day ${day.day}`).toBe(count);
      }
      // Each record's newest version is the API's record on that day.
      const newest = await query(
        `select record_id, payload from ${partsUpTo('capitan/customer_memberships', day.day)}
         qualify row_number() over (partition by record_id order by fetched_at desc) = 1`,
      );
      const shown = new Map(gym.capitan.memberships(at).map((m) => [String(m.id), m]));
      for (const row of newest)
        expect(JSON.parse(String(row.payload)), String(row.record_id)).toEqual(
          shown.get(String(row.record_id)),
        );
      // Nothing is stored again unchanged: a fetch writes a record only when its payload changed.
      const [unchanged] = await query(
        `select count(*)::int as n from ${partsUpTo('capitan/customers', day.day - 1)} as before
         join read_parquet('${path.join(day.dir, 'raw', 'capitan', 'customers', '*.parquet')}') as after
           using (record_id, payload_hash)`,
      );
      expect(unchanged?.n).toBe(0);
    }
  });

  it('appends a day to a lake as published raw parts', async () => {
    const lakeDir = await mkdtemp(path.join(tmpdir(), 'basin-scale-days-lake-'));
    try {
      await cp(path.join(dir, 'raw'), path.join(lakeDir, 'raw'), { recursive: true });
      const lake = new Lake({ kind: 'local', dir: lakeDir });
      const before = (await lake.table('raw/capitan/checkins'))!.parts;
      const added = await addScaleDay(lake, result.days[0]!);
      expect(added).toBe(Object.keys(result.days[0]!.rows).length);
      expect((await lake.table('raw/capitan/checkins'))!.parts).toBe(before + 1);
      lake.close();
    } finally {
      await rm(lakeDir, { recursive: true, force: true });
    }
  });

  it('writes the same days whether households are generated on workers or not', async () => {
    const again = await mkdtemp(path.join(tmpdir(), 'basin-scale-days-again-'));
    try {
      const serial = await writeScaleLake({ scale: SCALE, dir: again, workers: 0, days: DAYS });
      expect(serial.days.map((d) => d.rows)).toEqual(result.days.map((d) => d.rows));
      const hashes = (root: string, day: number) =>
        query(
          `select record_id, payload_hash from read_parquet('${path.join(root, 'days', String(day), 'raw', '*', '*', '*.parquet')}') order by all`,
        );
      for (const day of [1, 2]) expect(await hashes(again, day)).toEqual(await hashes(dir, day));
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});
