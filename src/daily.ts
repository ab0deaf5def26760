import { Command } from 'commander';
import { z } from 'zod';
import { sourceNames } from './config.ts';
import { dateOption } from './date-options.ts';
import { optionError } from './errors.ts';
import { runMain } from './main.ts';
import { runDaily } from './pipeline/daily-run.ts';

const startOfDay = dateOption.transform((value) => new Date(`${value}T00:00:00Z`));
const endOfDay = dateOption.transform((value) => new Date(`${value}T23:59:59Z`));
const optionsSchema = z.object({
  sandbox: z.boolean().default(false),
  only: z
    .string()
    .transform((value) => value.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(sourceNames, { error: `sources are ${sourceNames.join(', ')}` })))
    .optional(),
  since: startOfDay.optional(),
  asOf: endOfDay.optional(),
  fetch: z.boolean().default(true),
  retrain: z.boolean().default(false),
  full: z.boolean().default(false),
  sandboxSize: z
    .union([z.enum(['tiny', 'demo']), z.coerce.number().positive()], {
      error: 'a size is tiny, demo or a positive scale factor',
    })
    .optional(),
  sandboxPort: z.coerce.number().int().min(1024).max(65_000).optional(),
  sandboxLake: z.string().min(1).optional(),
});

function buildProgram(): Command {
  return new Command('daily')
    .description(
      'the daily refresh: fetch, stage, resolve, analyse, events, offers, rules, checks, publish, reports',
    )
    .option('--sandbox', 'run against the built-in sandbox gym and a local lake for it (data/sandbox)')
    .option('--only <sources>', `comma-separated sources to fetch (${sourceNames.join(',')})`)
    .option('--since <YYYY-MM-DD>', 'backfill from this date instead of the daily windows')
    .option('--as-of <YYYY-MM-DD>', "evaluate as of this date (in the sandbox: the emulators' clock)")
    .option('--no-fetch', 'rebuild from what is stored, without calling any API')
    .option('--retrain', "refit the churn model although this month's fit exists (state/churn_models)")
    .option('--full', 're-fit the identity model although the stored one still serves (state/identity_fit)')
    .option('--sandbox-size <tiny|demo|N>', 'with --sandbox: the gym size (default demo)')
    .option('--sandbox-port <port>', 'with --sandbox: the first of six emulator ports (default 47800)')
    .option(
      '--sandbox-lake <dir|s3://bucket/prefix>',
      'with --sandbox: where its lake lives (default data/sandbox)',
    )
    .option('--debug', 'print stacks of unexpected errors')
    .exitOverride();
}

await runMain(async () => {
  const program = buildProgram();
  await program.parseAsync(process.argv);
  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) {
    throw optionError(parsed.error.issues[0]!);
  }
  const { since, asOf, only, sandbox, sandboxSize, sandboxPort, sandboxLake, fetch, retrain, full } =
    parsed.data;
  const options = {
    fetch,
    retrain,
    full,
    commandLine: describeOptions(parsed.data),
    ...(since ? { since } : {}),
    ...(asOf ? { asOf } : {}),
    ...(only ? { only } : {}),
  };
  if (!sandbox) return runDaily(options);
  // The sandbox's emulators run around the product's run, which is given only settings and a clock.
  const { startSandboxRun } = await import('./commands/sandbox-run.ts');
  const run = await startSandboxRun({
    ...(sandboxSize !== undefined ? { size: sandboxSize } : {}),
    ...(sandboxPort !== undefined ? { port: sandboxPort } : {}),
    ...(sandboxLake ? { lake: sandboxLake } : {}),
    ...(asOf ? { asOf } : {}),
  });
  try {
    return await runDaily({ ...options, config: run.config, clock: run.clock });
  } finally {
    await run.close();
  }
});

/** The options as the run log keeps them, so a reader knows what kind of run it was. */
function describeOptions(options: z.infer<typeof optionsSchema>): string {
  const parts: string[] = [];
  if (options.sandbox) parts.push('--sandbox');
  if (options.only) parts.push(`--only ${options.only.join(',')}`);
  if (options.since) parts.push(`--since ${options.since.toISOString().slice(0, 10)}`);
  if (options.asOf) parts.push(`--as-of ${options.asOf.toISOString().slice(0, 10)}`);
  if (!options.fetch) parts.push('--no-fetch');
  if (options.retrain) parts.push('--retrain');
  if (options.full) parts.push('--full');
  return parts.join(' ');
}
