import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../src/lake/lake.ts';
import { type RunningEmulators, startEmulators } from '../src/sandbox/emulators/index.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { runEntry } from './support/run-cli.ts';
import { useTempDirs } from './support/temp-dir.ts';

describe('npx tsx src/daily.ts', () => {
  const tempDir = useTempDirs();
  let running: RunningEmulators;
  beforeAll(async () => {
    running = await startEmulators(generateGym({ size: 'tiny' }));
  });
  afterAll(async () => {
    await running?.close();
  });

  it('fails the run on refused Capitan, Stripe and Anthropic keys, naming each setting; the other sources and heuristic offers are published; exit 1', async () => {
    const cwd = await tempDir();
    const result = await runEntry('src/daily.ts', [], {
      cwd,
      env: {
        ...running.env,
        CAPITAN_API_TOKEN: 'revoked-token',
        ANTHROPIC_API_KEY: 'sk-ant-revoked',
        STRIPE_API_KEY: 'sk_test_revoked',
        BASIN_LAKE_URL: 'lake',
      },
    });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/FAILED capitan\/customers: .*check CAPITAN_API_TOKEN; .*401/);
    expect(result.stdout).toMatch(/FAILED stripe\/customers: .*check STRIPE_API_KEY; .*401/);
    expect(result.stdout).toMatch(
      /FAILED analyse: the Anthropic API refused ANTHROPIC_API_KEY \(.*401.*\): email offers were read by the heuristic/,
    );
    expect(result.stdout).toMatch(/heuristic fallback/);
    for (const stream of [
      'square/payments',
      'mailchimp/campaigns',
      'instagram/media',
      'facebook_ads/insights',
      'facebook_ads/campaign_insights',
    ])
      expect(result.stdout).toMatch(new RegExp(`${stream}\\s+ok`));
    expect(result.stdout + result.stderr).not.toMatch(/revoked/);
    expect(result.stdout).toMatch(/offers\s.*\d+ campaigns, [1-9]\d* with an offer/);
    expect(result.stdout).toMatch(/publish\s.*published/);

    // What the run published: the offers the heuristic read, and the run logged as failed.
    const lake = new Lake({ kind: 'local', dir: path.join(cwd, 'lake') });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    const offers = await db.query(
      `select analyzed_by, count(*)::int as n, count(*) filter (where has_offer)::int as with_offer
       from campaign_offers group by all`,
    );
    expect(offers).toEqual([
      { analyzed_by: 'heuristic', n: expect.any(Number), with_offer: expect.any(Number) },
    ]);
    expect(offers[0]!.with_offer).toBeGreaterThan(0);
    const [run] = await db.query('select status, error from daily_runs');
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/ANTHROPIC_API_KEY/) });
    db.close();
    lake.close();
  });

  it('fetches only the sources named with --only and exits 0', async () => {
    const cwd = await tempDir();
    const result = await runEntry('src/daily.ts', ['--only', 'stripe,square'], {
      cwd,
      env: { ...running.env, BASIN_LAKE_URL: 'lake' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stripe\/payment_intents\s+ok/);
    expect(result.stdout).not.toMatch(/capitan\/customers/);
  });

  it('fetches the ads alone with --only facebook_ads', async () => {
    const cwd = await tempDir();
    const result = await runEntry('src/daily.ts', ['--only', 'facebook_ads'], {
      cwd,
      env: { ...running.env, BASIN_LAKE_URL: 'lake' },
    });
    expect(result.code).toBe(0);
    for (const stream of ['campaigns', 'adsets', 'ads', 'insights', 'campaign_insights'])
      expect(result.stdout).toMatch(new RegExp(`facebook_ads/${stream}\\s+ok`));
    expect(result.stdout).not.toMatch(/stripe\/payment_intents/);
  });
});
