import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { chargeObject } from '../../src/sandbox/emulators/stripe-objects.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { type ScaleLakeResult, writeScaleLake } from '../../src/sandbox/scale-writer.ts';

const SCALE = 0.05;

describe('the scale writer', () => {
  let dir: string;
  let result: ScaleLakeResult;
  let gym: SandboxDataset;
  let instance: DuckDBInstance;

  const query = async (sql: string): Promise<Record<string, unknown>[]> => {
    const conn = await instance.connect();
    try {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
    }
  };
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
