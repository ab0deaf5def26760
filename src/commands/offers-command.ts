import type { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../errors.ts';
import { heuristicAccuracy } from '../evaluate/offer-heuristic.ts';
import { buildOfferMetrics } from '../offers/conversion.ts';
import { describeOfferMetrics, describeTemplateRun, runTemplateAnalysis } from '../offers/run-offers.ts';
import { openContext } from './context.ts';
import { formatTable } from './format.ts';

const windowSchema = z.coerce.number().int().min(1).max(999);
const sizeSchema = z.union([z.enum(['tiny', 'demo']), z.coerce.number().positive()]);

export function registerOffersCommands(program: Command): void {
  const offers = program
    .command('offers')
    .description('email offers: template analysis, conversion and promo-code attribution');

  offers
    .command('templates')
    .description(
      'read new email templates (Claude with ANTHROPIC_API_KEY, else the heuristic); prints the LLM cost',
    )
    .action(async () => {
      const ctx = await openContext();
      try {
        const result = await runTemplateAnalysis(ctx.db, ctx.config);
        console.log(describeTemplateRun(result));
        for (const e of result.errors) console.log(`unknown: campaign ${e.campaignId}: ${e.error}`);
        console.log(`cache: state/email_templates; copy: ${result.exportPath}`);
      } finally {
        ctx.close();
      }
    });

  offers
    .command('conversion')
    .description('build metrics/offer_conversion from the timeline and print the offers')
    .option(
      '--window-days <n>',
      'days after a send that count as converting (default BASIN_OFFER_WINDOW_DAYS)',
    )
    .action(async (options: { windowDays?: string }) => {
      const parsed = windowSchema.safeParse(options.windowDays ?? undefined);
      if (options.windowDays !== undefined && !parsed.success)
        throw new CliError('--window-days: a whole number of days, 1 to 999', ExitCode.usage);
      const ctx = await openContext();
      try {
        const windowDays = parsed.success ? parsed.data : ctx.config.offerWindowDays;
        console.log(describeOfferMetrics(await buildOfferMetrics(ctx.db, { windowDays })));
        const rows = await ctx.db.query(
          `select strftime(sent_at, '%Y-%m-%d') as sent, campaign_title as campaign, offer_type, offer_code as code,
                  recipients, converters, round(100 * conversion_rate, 2) as "conv %",
                  round(100 * comparison_rate, 2) as "comparison %", lift_points, promo_redemptions as redemptions,
                  promo_revenue as revenue
           from offer_conversion where has_offer order by sent_at`,
        );
        console.log(`\n${formatTable(rows)}`);
      } finally {
        ctx.close();
      }
    });

  offers
    .command('accuracy')
    .description("the offline extractor's accuracy against the sandbox gym's true offers")
    .option('--size <size>', 'tiny, demo or a scale factor', 'tiny')
    .action(async (options: { size: string }) => {
      const size = sizeSchema.safeParse(options.size);
      if (!size.success) throw new CliError('--size: tiny, demo or a positive number', ExitCode.usage);
      const { generateGym } = await import('../sandbox/generate.ts');
      const { misses, ...accuracy } = heuristicAccuracy(generateGym({ size: size.data }));
      const fields = [
        'has_offer',
        'offer_code',
        'offer_type',
        'offer_amount',
        'offer_expires',
        'email_category',
      ] as const;
      console.log(`${accuracy.templates} templates, ${accuracy.offers} with an offer (exact matches)\n`);
      console.log(
        formatTable(
          fields.map((field) => ({
            field,
            correct: accuracy[field].correct,
            total: accuracy[field].total,
            '%': (100 * accuracy[field].rate).toFixed(1),
          })),
        ),
      );
      if (misses.length > 0) console.log(`\n${misses.length} misses; bench/offers.ts --misses lists them`);
    });
}
