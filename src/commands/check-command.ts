import type { Command } from 'commander';
import { z } from 'zod';
import { dateOption } from '../date-options.ts';
import { CliError, optionError } from '../errors.ts';
import {
  errorFailures,
  formatHeadline,
  formatResults,
  headlineMetrics,
  loadChecks,
  runChecks,
  storeResults,
} from '../quality/checks.ts';
import { openContext } from './context.ts';

const optionsSchema = z.object({
  asOf: dateOption.optional(),
  store: z.boolean(),
});

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'run the data-quality checks (queries/quality/*.sql) on the lake, print them and the headline figures; exits 1 when an error-severity check fails',
    )
    .option('--as-of <YYYY-MM-DD>', 'the gym-local day that counts as today (default today)')
    .option('--no-store', 'do not append the results to state/quality_results')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw optionError(parsed.error.issues[0]!);
      const ctx = await openContext();
      try {
        const now = new Date();
        const asOf = parsed.data.asOf ?? now.toLocaleDateString('en-CA', { timeZone: ctx.config.timeZone });
        const results = await runChecks(ctx.db, await loadChecks(), {
          asOf,
          now,
          timeZone: ctx.config.timeZone,
        });
        if (parsed.data.store) {
          await storeResults(
            ctx.db,
            `check-${now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z')}`,
            now,
            results,
          );
        }
        console.log(formatResults(results));
        const headline = await headlineMetrics(ctx.db);
        if (headline) console.log(`\n${formatHeadline(headline).join('\n')}`);
        const failed = errorFailures(results);
        if (failed.length > 0)
          throw new CliError(
            `${failed.length} error-severity check(s) failed: ${failed.map((c) => c.check_name).join(', ')}`,
          );
      } finally {
        ctx.close();
      }
    });
}
