import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { type ChurnBacktest, runBacktest } from '../churn/backtest.ts';
import { CliError, ExitCode } from '../errors.ts';
import { openRunner } from '../pipeline/model-graph.ts';
import { openContext, requireTables } from './context.ts';
import { formatTable } from './format.ts';

const dateSchema = z.iso.date('dates are written YYYY-MM-DD');
const monthsSchema = z.coerce.number().int().min(1).max(24);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function describeBacktest(r: ChurnBacktest): string {
  return [
    `as of ${r.asOf}; horizon ${r.horizonDays} days; trained on ${r.train.asOfDates.length} month-ends up to ${r.train.asOfDates.at(-1)} (${r.train.memberMonths} member-months, churn ${pct(r.train.churnRate)}), cut-off ${r.cutoff}`,
    `tested on ${r.test.asOfDates.length} month-ends ${r.test.asOfDates[0]}…${r.test.asOfDates.at(-1)}: ${r.test.memberMonths} member-months, ${r.test.churners} churned (${pct(r.test.churnRate)})`,
    `model: ROC AUC ${r.model.rocAuc.toFixed(3)}, PR AUC ${r.model.prAuc.toFixed(3)}, top-decile lift ${r.model.topDecileLift.toFixed(2)}x`,
    `at the rule's ${r.rule.flags} flags: rule precision ${pct(r.rule.precision)} recall ${pct(r.rule.recall)}; model precision ${pct(r.modelAtRuleFlags.precision)} recall ${pct(r.modelAtRuleFlags.recall)}`,
    `threshold for as many flags: probability ≥ ${r.threshold.toFixed(4)}`,
    '',
    formatTable(
      r.model.calibration.map((b) => ({
        decile: b.decile,
        members: b.members,
        predicted: pct(b.predicted),
        observed: pct(b.observed),
      })),
    ),
  ].join('\n');
}

export function registerChurnCommands(program: Command): void {
  const churn = program
    .command('churn')
    .description('the learned membership-churn score: backtest, training, scoring');
  churn
    .command('backtest')
    .description(
      'time-split backtest on the lake: fit on month-ends before a cut-off, score those after it, beside the visit-decline rule; writes bench/results/churn.json',
    )
    .option('--as-of <date>', "the lake's last day (default: the newest check-in)")
    .option('--test-months <n>', 'month-ends in the test period', '6')
    .option('--out <file>', 'where the figures go', 'bench/results/churn.json')
    .action(async (options: { asOf?: string; testMonths: string; out: string }) => {
      if (options.asOf !== undefined && !dateSchema.safeParse(options.asOf).success)
        throw new CliError('--as-of: dates are written YYYY-MM-DD', ExitCode.usage);
      const testMonths = monthsSchema.safeParse(options.testMonths);
      if (!testMonths.success)
        throw new CliError('--test-months: a whole number from 1 to 24', ExitCode.usage);
      const ctx = await openContext();
      try {
        await requireTables(ctx, ['core/customer_events', 'core/customer_memberships'], 'the daily refresh');
        const runner = await openRunner(ctx.db);
        const result = await runBacktest(runner, {
          ...(options.asOf ? { asOf: options.asOf } : {}),
          testMonths: testMonths.data,
        });
        console.log(describeBacktest(result));
        await mkdir(path.dirname(options.out), { recursive: true });
        await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
        // Also into the lake, for the churn report: the newest backtest replaces the last.
        await ctx.db.writeSelect(
          'metrics/churn_backtest',
          'select $as_of::date as as_of, $cutoff::date as cutoff, $figures::json as figures, now() as measured_at',
          { as_of: result.asOf, cutoff: result.cutoff, figures: JSON.stringify(result) },
        );
        console.log(`\nwrote ${options.out} and metrics/churn_backtest`);
      } finally {
        ctx.close();
      }
    });
}
