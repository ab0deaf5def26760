/**
 * Promo-code attribution against the sandbox gym's truth, on a lake the daily run fetched through
 * the emulators (`npx tsx src/daily.ts --sandbox --sandbox-lake DIR`). Codes are read only from real
 * fields (Square order discounts); the truth says which redemptions a real system records a code
 * for, and which stay inside Capitan (online purchases and memberships charged through Stripe).
 *
 *   npx tsx bench/promo-attribution.ts --lake DIR [--size demo|tiny|N]
 */
import { parseArgs } from 'node:util';
import { Lake } from '../src/lake/lake.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, report } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: { lake: { type: 'string' }, size: { type: 'string', default: 'demo' } },
});
if (!values.lake) throw new Error('--lake DIR: a lake built by `daily --sandbox --sandbox-lake DIR`');
const size = values.size === 'tiny' || values.size === 'demo' ? values.size : Number(values.size);
const gym = generateGym({ size });
const db = await Database.open(new Lake({ kind: 'local', dir: values.lake }), { timeZone: gym.timeZone });

const clock = gym.asOf;
const squareAmount = new Map(gym.square.payments(clock).map((p) => [p.id, p.amount_money.amount]));
const stripeAmount = new Map(gym.stripe.paymentIntents(clock).map((p) => [p.id, p.amount_received]));
const planted = gym.truth.redemptions.filter((r) =>
  (r.source === 'square' ? squareAmount : stripeAmount).has(r.payment_id),
);
const recorded = planted.filter((r) => r.code_recorded_in === 'square_order_discount');
const inCapitan = planted.filter((r) => r.code_recorded_in === 'capitan');

// What the lake reads: each payment whose transaction lines carry a code, and what it took.
const read = await db.query(
  `select payment_id, any_value(promo_code) as code, sum(amount_cents)::bigint as cents
   from transactions where promo_code is not null and not is_refund group by payment_id`,
);
const readByPayment = new Map(read.map((r) => [String(r.payment_id), r]));
const matched = recorded.filter((r) => readByPayment.get(r.payment_id)?.code === r.code);
const truthCents = recorded.reduce((n, r) => n + squareAmount.get(r.payment_id)!, 0);
const readCents = read.reduce((n, r) => n + Number(r.cents), 0);
const discounts = await db.query(
  `select coalesce(sum(applied_cents), 0)::bigint as cents from stg_square__order_discounts where promo_code is not null`,
);

// Per campaign, as the offers report shows it (the code as the template reading found it).
const hasConversion = await db.lake.table('metrics/offer_conversion');
const perCampaign = hasConversion
  ? await db.query(
      `select offer_code, sum(promo_redemptions)::bigint as redemptions from offer_conversion
       where offer_code is not null group by offer_code`,
    )
  : [];
const truthByCode = new Map<string, number>();
for (const r of recorded) truthByCode.set(r.code, (truthByCode.get(r.code) ?? 0) + 1);
const reportRedemptions = perCampaign.reduce((n, r) => n + Number(r.redemptions), 0);
const truthForReportCodes = perCampaign.reduce((n, r) => n + (truthByCode.get(String(r.offer_code)) ?? 0), 0);

const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 100);
await report('promo-attribution', {
  lake: values.lake,
  size: values.size,
  planted_redemptions: planted.length,
  code_recorded_by_square: recorded.length,
  code_kept_inside_capitan: inCapitan.length,
  read_from_lake: read.length,
  matched_payment_and_code: matched.length,
  revenue_truth_dollars: truthCents / 100,
  revenue_read_dollars: readCents / 100,
  discount_truth_dollars: recorded.reduce((n, r) => n + r.amount_cents, 0) / 100,
  discount_read_dollars: Number(discounts[0]?.cents ?? 0) / 100,
  offers_report_redemptions: hasConversion ? reportRedemptions : null,
  truth_for_the_report_codes: hasConversion ? truthForReportCodes : null,
  summary: {
    recall_pct: pct(matched.length, recorded.length),
    precision_pct: pct(matched.length, read.length),
    revenue_error_pct: pct(Math.abs(readCents - truthCents), truthCents),
    report_error_pct: hasConversion
      ? pct(Math.abs(reportRedemptions - truthForReportCodes), truthForReportCodes)
      : null,
    share_of_redemptions_no_api_records_pct: pct(inCapitan.length, planted.length),
  },
});
db.close();
