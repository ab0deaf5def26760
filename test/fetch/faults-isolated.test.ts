import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch, type StreamResult } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import { graphThrottle, insightsUnavailable } from '../../src/sandbox/emulators/instagram.ts';
import { mailchimpEdgeThrottle } from '../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { loadSources } from '../../src/sources/registry.ts';
import { Database } from '../../src/sql/database.ts';

/**
 * Every source fetched at once over HTTP while each API fails in its own real way: the one failure
 * that loses data is reported exactly, by name and count, and every other stream of every source
 * comes in complete.
 */
describe('faults of every API in one run', () => {
  let gym: SandboxDataset;
  let running: RunningEmulators;
  let results: StreamResult[];
  let db: Database;
  let dir: string;

  beforeAll(async () => {
    gym = generateGym({ size: 'tiny' });
    running = await startEmulators(gym);
    const { square, instagram, mailchimp, capitan, stripe } = running.emulators;
    const accountId = gym.instagram.account(gym.asOf).id;
    const post = gym.instagram.media(gym.asOf).at(-1)!.id;
    square.faults.add({ kind: 'truncate', path: '/v2/payments' });
    instagram.faults.add(
      { kind: 'respond', ...graphThrottle(613, 403), path: `/${accountId}/media` },
      { kind: 'respond', ...insightsUnavailable('too-few-viewers'), path: `/${post}/insights` },
    );
    mailchimp.faults.add({ kind: 'respond', ...mailchimpEdgeThrottle, path: '/3.0/reports/' });
    capitan.faults.add({
      kind: 'respond',
      status: 429,
      json: { detail: 'Request was throttled. Expected available in 1 second.' },
      headers: { 'retry-after': '1' },
      path: '/api/check-ins/',
    });
    stripe.faults.add({ kind: 'advance', ms: 1_000, path: '/v1/payment_intents' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'basin-faults-'));
    db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: gym.timeZone });
    const config = loadConfig({ env: running.env, cwd: dir });
    const sources = (await loadSources()).filter((s) => s.name !== ('anthropic' as string));
    results = await runFetch(db, config, sources, { runId: 'run-1', now: gym.asOf, log: () => {} });
  }, 180_000);
  afterAll(async () => {
    db?.close();
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports exactly what the truncated Square page lost, and nothing else fails', () => {
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => `${r.source}/${r.stream}`)).toEqual(['square/payments']);
    expect(failed[0]?.error).toMatch(
      /^payments: 50 payment\(s\) named by orders' tenders were not listed \(/,
    );
  });

  it('brings every other stream of every source in complete', async () => {
    const count = async (table: string) =>
      Number((await db.query(`select count(distinct record_id) as n from ${table}`))[0]?.n);
    const at = gym.asOf;
    expect(await count('raw_capitan__checkins')).toBe(gym.capitan.checkins(at).length);
    expect(await count('raw_capitan__customers')).toBe(gym.capitan.customers(at).length);
    expect(await count('raw_stripe__payment_intents')).toBe(gym.stripe.paymentIntents(at).length);
    expect(await count('raw_stripe__refunds')).toBe(gym.stripe.refunds(at).length);
    expect(await count('raw_square__orders')).toBe(gym.square.orders(at).filter((o) => o.tenders).length);
    expect(await count('raw_square__refunds')).toBe(gym.square.refunds(at).length);
    expect(await count('raw_mailchimp__reports')).toBe(gym.mailchimp.campaigns(at).length);
    expect(await count('raw_instagram__media')).toBe(gym.instagram.media(at).length);
    // The post Graph would not give insights for is kept, with the reason.
    const [refused] = await db.query(
      `select payload->>'unavailable' as reason from raw_instagram__insights where payload->>'reach' is null`,
    );
    expect(refused?.reason).toBe('code 10: (#10) Not enough viewers for the media to show insights');
    for (const r of results.filter((r) => r.status === 'ok'))
      expect(r.rejected, `${r.source}/${r.stream}`).toBe(0);
  });
});
