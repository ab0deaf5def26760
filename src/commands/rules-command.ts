import type { Command } from 'commander';
import { z } from 'zod';
import { parseDateOption } from '../date-options.ts';
import { CliError, ExitCode } from '../errors.ts';
import { evaluateOnSandbox, localDate, type SandboxEvaluation } from '../evaluate/rules.ts';
import { loadRulesConfig, type RulesConfig } from '../rules/config.ts';
import { discoverRules } from '../rules/discover.ts';
import { evaluateRules, HITS_TABLE } from '../rules/evaluate.ts';
import { runRules } from '../rules/run-rules.ts';
import { buildTimeline } from '../timeline/build-timeline.ts';
import { openContext } from './context.ts';
import { formatTable } from './format.ts';

const countSchema = z.coerce.number().int().min(0);
const sizeSchema = z.union([z.enum(['tiny', 'demo']), z.coerce.number().positive()]);

interface ConfigOption {
  config?: string;
}

async function rulesConfig(options: ConfigOption): Promise<RulesConfig> {
  const rules = await discoverRules();
  return options.config ? loadRulesConfig(rules, options.config) : loadRulesConfig(rules);
}

function asOfDate(value: string | undefined, timeZone: string): string {
  if (value === undefined) return localDate(new Date(), timeZone);
  return parseDateOption('--as-of', value);
}

export function registerRulesCommands(program: Command): void {
  program
    .command('timeline')
    .description('build the core layer: the customer timeline (core/customer_events) and what rules read')
    .action(async () => {
      const ctx = await openContext();
      try {
        const result = await buildTimeline(ctx.db, { timeZone: ctx.config.timeZone });
        console.log(
          formatTable(result.models.map((m) => ({ table: m.key, rows: m.rows, seconds: m.seconds }))),
        );
        console.log(`\n${describeAttachment(result.events, result.attached, result.byConfidence)}`);
        if (result.rejected > 0)
          console.log(`${result.rejected} source rows rejected for want of a date: core/rejected_events`);
      } finally {
        ctx.close();
      }
    });

  const rules = program
    .command('rules')
    .description('business rules: customer flags, their history, experiments');
  const configOption = (command: Command) =>
    command.option('--config <file>', 'rules thresholds and experiments (default config/rules.json)');

  configOption(rules.command('list'))
    .description('the rules, their priority, cooldown and thresholds')
    .action(async (options: ConfigOption) => {
      const config = await rulesConfig(options);
      console.log(
        formatTable(
          config.rules.map((s) => ({
            rule: s.rule.name,
            priority: s.rule.priority,
            enabled: s.enabled ? 'yes' : 'no',
            cooldown_days: s.cooldownDays,
            parameters: Object.entries(s.parameters)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
            experiment: s.experimentId ?? '',
            description: s.rule.description,
          })),
        ),
      );
    });

  configOption(rules.command('run'))
    .description('the daily rules step: evaluate, update flag history and cooldowns, log system events')
    .option('--as-of <YYYY-MM-DD>', 'the gym-local day to evaluate at (default today)')
    .action(async (options: ConfigOption & { asOf?: string }) => {
      const config = await rulesConfig(options);
      const ctx = await openContext();
      try {
        const result = await runRules(ctx.db, {
          asOf: asOfDate(options.asOf, ctx.config.timeZone),
          now: new Date(),
          config,
        });
        console.log(
          formatTable(result.rules.map(({ seconds, ...r }) => ({ ...r, seconds: seconds.toFixed(2) }))),
        );
        console.log(
          `\n${result.openFlags} open flags; ${result.systemEvents} system events; ${result.experimentEntries} experiment entries`,
        );
      } finally {
        ctx.close();
      }
    });

  configOption(rules.command('evaluate'))
    .description(
      'evaluate the rules at any date without writing anything (a backtest), or score them on the sandbox',
    )
    .option(
      '--as-of <YYYY-MM-DD>',
      'the gym-local day to evaluate at (default today); later events are invisible',
    )
    .option('--show <n>', 'also list up to n flags per rule', '0')
    .option(
      '--sandbox',
      'build the sandbox gym in a temporary lake and score the timeline and rules against its truth',
    )
    .option('--size <size>', 'with --sandbox: tiny, demo or a scale factor of demo', 'demo')
    .option('--keep <dir>', 'with --sandbox: build the lake in this folder and keep it')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        options: ConfigOption & {
          asOf?: string;
          show: string;
          sandbox?: boolean;
          size: string;
          keep?: string;
          json?: boolean;
        },
      ) => {
        const config = await rulesConfig(options);
        if (options.sandbox) {
          const size = sizeSchema.safeParse(options.size);
          if (!size.success) throw new CliError('--size: tiny, demo or a scale factor', ExitCode.usage);
          const result = await evaluateOnSandbox({
            size: size.data,
            config,
            ...(options.keep ? { keepDir: options.keep } : {}),
            log: (line) => console.error(line),
          });
          console.log(options.json ? JSON.stringify(result, null, 2) : describeSandbox(result));
          return;
        }
        const show = countSchema.safeParse(options.show);
        if (!show.success) throw new CliError('--show: a whole number', ExitCode.usage);
        const ctx = await openContext();
        try {
          const asOf = asOfDate(options.asOf, ctx.config.timeZone);
          const counts = await evaluateRules(ctx.db, { asOf, config });
          const flags =
            show.data > 0
              ? await ctx.db.query(
                  `select flag_type, customer_id, flag_date::varchar as flag_date, flag_details->>'description' as description,
                          ab_group
                   from ${HITS_TABLE}
                   qualify row_number() over (partition by flag_type order by flag_date desc, customer_id) <= $n
                   order by flag_type, flag_date desc, customer_id`,
                  { n: show.data },
                )
              : [];
          if (options.json) {
            console.log(JSON.stringify({ asOf, rules: counts, flags }, null, 2));
            return;
          }
          console.log(`rules at ${asOf} (nothing written)`);
          console.log(formatTable(counts.map((c) => ({ ...c, seconds: c.seconds.toFixed(2) }))));
          if (flags.length > 0) console.log(`\n${formatTable(flags)}`);
        } finally {
          ctx.close();
        }
      },
    );
}

function describeAttachment(events: number, attached: number, byConfidence: Record<string, number>): string {
  const pct = (n: number, of: number) => `${((100 * n) / Math.max(of, 1)).toFixed(2)}%`;
  const split = Object.entries(byConfidence)
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')} (${pct(n, events)})`)
    .join(', ');
  return `${events.toLocaleString('en-US')} events, ${attached.toLocaleString('en-US')} attached (${pct(attached, events)}): ${split}`;
}

function describeSandbox(r: SandboxEvaluation): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const t = r.timeline;
  return [
    `Sandbox gym: ${r.households.toLocaleString('en-US')} households, evaluated at ${r.asOf}`,
    '',
    'Timeline',
    `  ${describeAttachment(t.events, t.attached, t.byConfidence)}`,
    `  events carrying any key (id, email or name): ${t.identifiable.toLocaleString('en-US')}, attached ${pct(t.attachedOfIdentifiable / Math.max(t.identifiable, 1))}`,
    `  the rest carry no identity at all (front-desk sales without a customer, email or name)`,
    `  rejected for want of a date: ${t.rejected}`,
    "  agreement with the generator's truth (attached events whose source record is the customer's person):",
    ...t.agreement.map(
      (a) => `    ${a.confidence.padEnd(7)} ${a.agree}/${a.events} = ${pct(a.agree / Math.max(a.events, 1))}`,
    ),
    '',
    `Rules at ${r.asOf}`,
    formatTable(r.rulesAtAsOf.map((c) => ({ rule: c.rule, priority: c.priority, flags: c.hits }))),
    '',
    `LapsedMemberRule vs truth.lapsed_on at ${r.asOf}`,
    `  flagged ${r.lapsed.flagged}, truth ${r.lapsed.truth}, both ${r.lapsed.truePositives} (same lapse date: ${r.lapsed.sameDate})`,
    `  precision ${pct(r.lapsed.precision)}, recall ${pct(r.lapsed.recall)}`,
    '',
    `ChurnRiskRule backtest: ${r.churn.evaluations} weekly evaluations, churn (truth.churned_on) within ${r.churn.horizonDays} days`,
    `  ${r.churn.flagged} flags on ${r.churn.flaggedPeople} people; ${r.churn.truePositives} followed by churn: precision ${pct(r.churn.precision)} (base rate among eligible members ${pct(r.churn.baseRate)}, lift ${(r.churn.precision / Math.max(r.churn.baseRate, 1e-9)).toFixed(1)}x)`,
    `  ${r.churn.truth} churners in the window; recall (flagged in the ${r.churn.horizonDays} days before) ${pct(r.churn.recall)}`,
    '',
    `Seconds: ${Object.entries(r.seconds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ].join('\n');
}
