import { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from './config.ts';
import { CliError, ExitCode } from './errors.ts';
import { Lake } from './lake/lake.ts';
import { runMain } from './main.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD');
const optionsSchema = z.object({
  sandbox: z.boolean().default(false),
  only: z.string().optional(),
  since: isoDate.optional(),
  asOf: isoDate.optional(),
  fetch: z.boolean().default(true),
});

function buildProgram(): Command {
  return new Command('daily')
    .description('the daily refresh: fetch, stage, resolve, events, offers, rules, checks, reports, publish')
    .option('--sandbox', 'run against the built-in sandbox gym and a local lake for it')
    .option(
      '--only <sources>',
      'comma-separated sources to fetch (stripe,square,capitan,mailchimp,instagram)',
    )
    .option('--since <YYYY-MM-DD>', 'backfill from this date instead of the daily windows')
    .option('--as-of <YYYY-MM-DD>', 'evaluate as of this date')
    .option('--no-fetch', 'rebuild from what is stored, without calling any API')
    .option('--debug', 'print stacks of unexpected errors')
    .exitOverride();
}

await runMain(async () => {
  const program = buildProgram();
  await program.parseAsync(process.argv);
  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`--${String(issue.path[0])}: ${issue.message}`, ExitCode.usage);
  }
  const config = loadConfig();
  for (const notice of config.notices) console.log(notice);
  const lake = new Lake(config.lake);
  try {
    const synced = await lake.sync();
    if (lake.remote) console.log(`lake synced: ${synced.downloaded} downloaded, ${synced.skipped} unchanged`);
    const tables = await lake.listTables();
    console.log(`lake ${lake.describe()}: ${tables.length} tables`);
    console.log('Steps so far: configuration and lake sync. Fetch, stage, resolve, events, offers, rules,');
    console.log('quality checks, reports and publish arrive with their issues; nothing else ran.');
  } finally {
    lake.close();
  }
  return ExitCode.ok;
});
