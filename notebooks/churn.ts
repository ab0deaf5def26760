/**
 * Churn: the members the churn model scores at the last daily run, by risk band; the top-risk members
 * with their reasons; the model's fits; and the last time-split backtest (`churn backtest`) with its
 * calibration by decile, beside the visit-decline rule.
 *
 *   npx tsx notebooks/churn.ts --sandbox   # writes data/reports/churn.html
 */
import * as Plot from '@observablehq/plot';
import type { ChurnBacktest } from '../src/churn/backtest.ts';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { hasTable, type ReportContext } from './lib/context.ts';
import { formatInteger, formatPercent, html, isoDate } from './lib/format.ts';
import { notYetComputed, page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Column, table } from './lib/table.ts';

const TOP_MEMBERS = 50;
const BANDS = ['high', 'medium', 'low'];

interface Band {
  band: string;
  members: number;
  share: number;
  meanProbability: number;
}

interface TopMember {
  customerId: string;
  name: string;
  probability: number;
  band: string;
  reasons: string;
}

interface Fit {
  trainedOn: string;
  firstAsOf: string;
  lastAsOf: string;
  memberMonths: number;
  churnRate: number;
  trainingAuc: number;
}

interface Decile {
  decile: number;
  members: number;
  predicted: number;
  observed: number;
}

async function render(ctx: ReportContext): Promise<string> {
  const definitions = [
    'Probability: the model’s chance that the member’s membership ends (cancelled, or lapsed without renewal; not a switch of plan) within 90 days of the scoring day. Band high: at least twice the churn rate of the fit’s training member-months; medium: at least that rate; low: below it.',
    'Reasons: the three groups of features that raise the member’s log-odds most, in their own figures.',
    'Backtest: fitted on month-ends whose 90 days ended by the cut-off, tested on the month-ends after it; the model flags as many members on each test date as the visit-decline rule did, its top scores.',
  ];
  if (!(await hasTable(ctx.db, 'churn_scores')))
    return page({
      title: 'Churn',
      subtitle: subtitle(ctx),
      definitions,
      body: notYetComputed('core/churn_scores', 'each member’s churn probability'),
    });
  const [scored] = await ctx.db.query(
    'select max(as_of)::varchar as as_of, count(*)::integer as members from churn_scores',
  );
  const bands: Band[] = (
    await ctx.db.query(
      `select risk_band, count(*)::integer as members, count(*) / sum(count(*)) over () as share,
              avg(probability) as mean_probability
       from churn_scores group by risk_band`,
    )
  )
    .map((r) => ({
      band: String(r.risk_band),
      members: Number(r.members),
      share: Number(r.share),
      meanProbability: Number(r.mean_probability),
    }))
    .sort((a, b) => BANDS.indexOf(a.band) - BANDS.indexOf(b.band));
  const top: TopMember[] = (
    await ctx.db.query(
      `select s.customer_id, coalesce(m.first_name || ' ' || m.last_name, s.customer_id) as name,
              s.probability, s.risk_band, array_to_string(s.reasons, '; ') as reasons
       from churn_scores as s left join customer_master as m using (customer_id)
       order by s.probability desc, s.customer_id limit $limit`,
      { limit: TOP_MEMBERS },
    )
  ).map((r) => ({
    customerId: String(r.customer_id),
    name: String(r.name),
    probability: Number(r.probability),
    band: String(r.risk_band),
    reasons: String(r.reasons),
  }));
  const fits: Fit[] = (await hasTable(ctx.db, 'churn_models'))
    ? (
        await ctx.db.query(
          `select trained_on::varchar as trained_on, first_as_of::varchar as first_as_of,
                  last_as_of::varchar as last_as_of, member_months, churn_rate, training_auc
           from churn_models order by trained_on desc, trained_at desc limit 12`,
        )
      ).map((r) => ({
        trainedOn: isoDate(r.trained_on),
        firstAsOf: isoDate(r.first_as_of),
        lastAsOf: isoDate(r.last_as_of),
        memberMonths: Number(r.member_months),
        churnRate: Number(r.churn_rate),
        trainingAuc: Number(r.training_auc),
      }))
    : [];
  const backtest = (await hasTable(ctx.db, 'churn_backtest'))
    ? (JSON.parse(
        String((await ctx.db.query('select figures::varchar as figures from churn_backtest'))[0]?.figures),
      ) as ChurnBacktest)
    : null;

  const bandColumns: Column<Band>[] = [
    { header: 'Risk band', cell: (r) => r.band },
    { header: 'Members', numeric: true, cell: (r) => formatInteger(r.members), value: (r) => r.members },
    { header: 'Share', numeric: true, cell: (r) => formatPercent(r.share), value: (r) => r.share },
    {
      header: 'Mean probability',
      numeric: true,
      cell: (r) => formatPercent(r.meanProbability),
      value: (r) => r.meanProbability,
    },
  ];
  const topColumns: Column<TopMember>[] = [
    { header: 'Member', cell: (r) => r.name, value: (r) => r.customerId },
    {
      header: 'Probability',
      numeric: true,
      cell: (r) => formatPercent(r.probability),
      value: (r) => r.probability,
    },
    { header: 'Band', cell: (r) => r.band, filter: true },
    { header: 'Reasons', wide: true, cell: (r) => r.reasons },
  ];
  const fitColumns: Column<Fit>[] = [
    { header: 'Fitted for', cell: (r) => r.trainedOn },
    { header: 'Month-ends', cell: (r) => `${r.firstAsOf} … ${r.lastAsOf}` },
    {
      header: 'Member-months',
      numeric: true,
      cell: (r) => formatInteger(r.memberMonths),
      value: (r) => r.memberMonths,
    },
    {
      header: 'Churn rate',
      numeric: true,
      cell: (r) => formatPercent(r.churnRate),
      value: (r) => r.churnRate,
    },
    {
      header: 'In-sample ROC AUC',
      numeric: true,
      cell: (r) => r.trainingAuc.toFixed(3),
      value: (r) => r.trainingAuc,
    },
  ];
  const decileColumns: Column<Decile>[] = [
    { header: 'Decile', numeric: true, cell: (r) => String(r.decile), value: (r) => r.decile },
    { header: 'Members', numeric: true, cell: (r) => formatInteger(r.members), value: (r) => r.members },
    {
      header: 'Predicted',
      numeric: true,
      cell: (r) => formatPercent(r.predicted),
      value: (r) => r.predicted,
    },
    { header: 'Observed', numeric: true, cell: (r) => formatPercent(r.observed), value: (r) => r.observed },
  ];

  const backtestSection = backtest
    ? html`<p>As of ${backtest.asOf}: trained on ${formatInteger(backtest.train.memberMonths)} member-months
(${backtest.train.asOfDates[0]} … ${backtest.train.asOfDates.at(-1)}), tested on ${formatInteger(backtest.test.memberMonths)}
(${backtest.test.asOfDates[0]} … ${backtest.test.asOfDates.at(-1)}), ${formatPercent(backtest.test.churnRate)} churned.</p>
<ul>
<li>ROC AUC <strong>${backtest.model.rocAuc.toFixed(3)}</strong> (target 0.80); PR AUC ${backtest.model.prAuc.toFixed(3)}; top-decile lift <strong>${backtest.model.topDecileLift.toFixed(2)}×</strong> (target 3×).</li>
<li>At the visit-decline rule’s ${formatInteger(backtest.rule.flags)} flags: model precision ${formatPercent(backtest.modelAtRuleFlags.precision)}, recall ${formatPercent(backtest.modelAtRuleFlags.recall)}; rule precision ${formatPercent(backtest.rule.precision)}, recall ${formatPercent(backtest.rule.recall)}. The model flags as many from probability ${backtest.threshold.toFixed(3)}.</li>
</ul>
<h3>Calibration by decile of predicted probability</h3>
${chart('churn-calibration', {
  width: 480,
  height: 360,
  marginLeft: 60,
  x: { label: 'Predicted churn within 90 days', domain: [0, 0.5], tickFormat: '.0%' },
  y: { label: 'Observed', domain: [0, 0.5], tickFormat: '.0%', grid: true },
  marks: [
    Plot.line(
      [
        [0, 0],
        [0.5, 0.5],
      ],
      { stroke: '#999', strokeDasharray: '4 4' },
    ),
    Plot.line(backtest.model.calibration, { x: 'predicted', y: 'observed' }),
    Plot.dot(backtest.model.calibration, {
      x: 'predicted',
      y: 'observed',
      r: 4,
      fill: 'currentColor',
      title: (d: Decile) =>
        `decile ${d.decile}: predicted ${formatPercent(d.predicted)}, observed ${formatPercent(d.observed)}`,
    }),
  ],
})}
${table('churn-calibration-table', decileColumns, backtest.model.calibration)}`
    : html`<p>No backtest in the lake yet: run <code>npx tsx src/cli.ts churn backtest</code>.</p>`;

  return page({
    title: 'Churn',
    subtitle: subtitle(ctx),
    definitions,
    body: html`<h2>Risk bands (${formatInteger(Number(scored?.members ?? 0))} members scored at ${isoDate(scored?.as_of)})</h2>
${chart('churn-bands', {
  width: 480,
  height: 200,
  marginLeft: 70,
  x: { label: 'Members', grid: true },
  y: { label: null, domain: BANDS },
  marks: [
    Plot.barX(bands, {
      x: 'members',
      y: 'band',
      title: (r: Band) => `${r.band}: ${formatInteger(r.members)}`,
    }),
  ],
})}
${table('churn-bands-table', bandColumns, bands)}
<h2>Backtest</h2>
${backtestSection}
<h2>Top ${TOP_MEMBERS} members by risk</h2>
${table('churn-top', topColumns, top)}
<h2>Model fits</h2>
${table('churn-fits', fitColumns, fits)}`,
  });
}

export const churn: ReportDefinition = {
  file: 'churn.html',
  title: 'Churn',
  summary: 'members by churn risk band, the top-risk members with reasons, the backtest and its calibration',
  render,
};

if (isMain(import.meta.url)) await runNotebook(churn);
