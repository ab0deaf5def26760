import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../src/sandbox/emulators/index.ts';
import { generateGym } from '../src/sandbox/generate.ts';
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

  it('finishes the other sources when one fails, reports which, and exits 1', async () => {
    const cwd = await tempDir();
    const result = await runEntry('src/daily.ts', [], {
      cwd,
      env: { ...running.env, CAPITAN_API_TOKEN: 'revoked-token', BASIN_LAKE_URL: 'lake' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED capitan\/customers: .*401/);
    for (const stream of [
      'stripe/payment_intents',
      'square/payments',
      'mailchimp/campaigns',
      'instagram/media',
      'facebook_ads/insights',
      'facebook_ads/campaign_insights',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`${stream}\\s+ok`));
    }
    expect(result.stdout + result.stderr).not.toContain('revoked-token');
    expect(result.stdout).toContain('stage');
    expect(result.stdout).toMatch(
      /analyse\s.*templates of \d+ campaigns: 0 cached, [1-9]\d* LLM calls.*LLM cost \$0\.\d+/,
    );
    expect(result.stdout).toMatch(
      /images of \d+ posts: 0 cached, [1-9]\d* LLM calls; run LLM cost \$\d+\.\d{4}/,
    );
    expect(result.stdout).toMatch(/offers\s.*\d+ campaigns, [1-9]\d* with an offer/);
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
