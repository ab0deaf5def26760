import { describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import {
  type AdsThrottleState,
  adsThrottle,
  facebookAdsRoutes,
  SANDBOX_AD_ACCOUNT_ID,
  sandboxAds,
} from '../../src/sandbox/emulators/facebook-ads.ts';
import { createInstagramEmulator } from '../../src/sandbox/emulators/instagram.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import facebookAds from '../../src/sources/facebook_ads/index.ts';
import { byStream, openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const gym = generateGym({ size: 'tiny' });
const ads = sandboxAds(gym);
const localDate = (instant: Date | number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: gym.timeZone }).format(instant);
const act = `act_${SANDBOX_AD_ACCOUNT_ID}`;

describe('facebook_ads source over HTTP', () => {
  const setup = useOpenedPerTest(async (dir: string) => {
    const throttle: AdsThrottleState = { accountUtilPct: 2 };
    const emulator = createInstagramEmulator(gym, {
      clock: gym.asOf,
      graphRoutes: facebookAdsRoutes(gym, throttle),
    });
    await emulator.listen();
    const harness = await openSourceHarness({
      dir,
      emulator,
      source: facebookAds,
      env: {
        INSTAGRAM_ACCESS_TOKEN: sandboxCredentials.instagramAccessToken,
        FACEBOOK_ADS_ACCOUNT_ID: SANDBOX_AD_ACCOUNT_ID,
        META_GRAPH_URL: emulator.url,
      },
      timeZone: gym.timeZone,
    });
    const spend = async () => {
      await harness.stageAll();
      const rows = await harness.db.query(
        'select ad_id, spend_date::varchar as day, spend_cents from stg_ad_spend_daily',
      );
      return new Map(rows.map((r) => [`${r.ad_id}|${r.day}`, Number(r.spend_cents)]));
    };
    return { ...harness, run: async (runId: string) => byStream(await harness.run(runId)), throttle, spend };
  });

  it('backfills through an async report run paged by cursor, and stages spend in cents and creatives', async () => {
    const { emulator, db, run, spend } = await setup();
    const results = await run('run-1');
    for (const stream of ['campaigns', 'adsets', 'ads', 'insights', 'campaign_insights'])
      expect(results[stream], stream).toMatchObject({ status: 'ok', rejected: 0 });
    // Two report runs (ad and campaign level), each polled until complete, each result paged.
    expect(emulator.requestCounts.get('/:version/:node')).toBeGreaterThanOrEqual(6);
    expect(emulator.requestCounts.get('/:version/:node/insights')).toBeGreaterThan(4);

    const today = localDate(gym.asOf);
    const expected = ads.days.filter((d) => d.day <= today);
    expect(expected.length).toBeGreaterThan(100);
    const staged = await spend();
    expect(staged.size).toBe(expected.length);
    const old = expected.filter((d) => d.day < localDate(gym.asOf.getTime() - 3 * DAY));
    for (const d of old) expect(staged.get(`${d.ad_id}|${d.day}`), `${d.ad_id} ${d.day}`).toBe(d.spend_cents);

    const creatives = await db.query('select ad_id, promo_code from stg_ad_creatives');
    expect(creatives).toHaveLength(ads.ads.length);
    const codeOf = new Map(ads.ads.map((ad) => [ad.id, ad.code.toUpperCase()]));
    for (const c of creatives) expect(c.promo_code).toBe(codeOf.get(String(c.ad_id)));
  });

  it('the next day re-fetches 28 days: a restated day updates and no older day changes', async () => {
    const { emulator, run, spend } = await setup();
    await run('run-1');
    const before = await spend();
    emulator.clock = new Date(gym.asOf.getTime() + DAY);
    const second = await run('run-2');
    expect(second.insights).toMatchObject({ status: 'ok' });
    const after = await spend();

    const today = localDate(gym.asOf);
    const lookbackStart = localDate(gym.asOf.getTime() - 28 * DAY);
    let restated = 0;
    for (const [key, cents] of before) {
      const day = key.split('|')[1]!;
      if (day < lookbackStart) expect(after.get(key), key).toBe(cents);
      const final = ads.days.find((d) => `${d.ad_id}|${d.day}` === key)!;
      if (day === today && final) {
        // Shown at 70% on its own day, 80% the next.
        expect(cents).toBe(Math.round(final.spend_cents * 0.7));
        expect(after.get(key)).toBe(Math.round(final.spend_cents * 0.8));
        restated++;
      }
    }
    if (ads.days.some((d) => d.day === today)) expect(restated).toBeGreaterThan(0);
    else expect([...after.keys()].length).toBeGreaterThanOrEqual(before.size);
  });

  it('backs off on throttle codes 17, 80000 and 80004 and slows down when the headers say the quota is nearly used', async () => {
    const { emulator, run, logs, throttle, spend } = await setup();
    emulator.faults.add(
      { kind: 'respond', ...adsThrottle(17), path: `/${act}/campaigns` },
      { kind: 'respond', ...adsThrottle(80000), method: 'POST', path: `/${act}/insights` },
      { kind: 'respond', ...adsThrottle(80004), path: `/${act}/ads` },
    );
    throttle.accountUtilPct = 91;
    const results = await run('run-1');
    for (const stream of ['campaigns', 'ads', 'insights'])
      expect(results[stream]).toMatchObject({ status: 'ok' });
    for (const code of [17, 80000, 80004])
      expect(
        logs.some((l) => new RegExp(`retry \\d in \\d+ ms after: .*\\(#${code}\\)`).test(l)),
        String(code),
      ).toBe(true);
    expect(logs.some((l) => l.includes('91% of an ads quota used'))).toBe(true);
    expect((await spend()).size).toBe(ads.days.filter((d) => d.day <= localDate(gym.asOf)).length);
  });
});
