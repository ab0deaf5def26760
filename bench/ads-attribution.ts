/**
 * CAC and ROAS of the Meta campaigns on a lake the daily run fetched through the emulators, against
 * the sandbox gym's own record of which sales came from which ad (src/evaluate/ads-attribution.ts):
 * spend, promo-code customers, revenue, ROAS and CAC per campaign and in total, with relative errors.
 *
 *   npx tsx bench/ads-attribution.ts --lake DIR [--size demo|tiny|N] [--as-of YYYY-MM-DD]
 */
import { parseArgs } from 'node:util';
import { compareAdsAttribution } from '../src/evaluate/ads-attribution.ts';
import { Lake } from '../src/lake/lake.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, report } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: {
    lake: { type: 'string' },
    size: { type: 'string', default: 'demo' },
    'as-of': { type: 'string' },
  },
});
if (!values.lake) throw new Error('--lake DIR: a lake built by `daily --sandbox --sandbox-lake DIR`');
const size = values.size === 'tiny' || values.size === 'demo' ? values.size : Number(values.size);
const gym = generateGym({ size });
const clock = values['as-of'] ? new Date(`${values['as-of']}T23:00:00Z`) : gym.asOf;
const db = await Database.open(new Lake({ kind: 'local', dir: values.lake }), { timeZone: gym.timeZone });
const comparison = await compareAdsAttribution(db, gym, clock);
db.close();

const { totals } = comparison;
const pct = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 100);
await report('ads-attribution', {
  lake: values.lake,
  size: values.size,
  ...comparison,
  summary: {
    spend_error_pct: pct(totals.spend_cents.relative_error),
    roas_promo_code_error_pct: pct(totals.roas_promo_code.relative_error),
    cac_promo_code_error_pct: pct(totals.cac_promo_code_cents.relative_error),
    roas_meta_reported_error_pct: pct(totals.roas_meta_reported.relative_error),
    worst_campaign_error_pct: pct(comparison.worst_campaign_relative_error),
    campaigns_over_1pct: comparison.campaigns_off.length,
    all_sales_roas_error_pct: pct(totals.roas_promo_code_all_sales.relative_error),
    all_sales_cac_error_pct: pct(totals.cac_promo_code_cents_all_sales.relative_error),
    share_of_ad_sales_code_kept_in_capitan_pct: pct(
      comparison.ad_sales_code_kept_in_capitan / comparison.ad_sales,
    ),
  },
});
