import type { Command } from 'commander';
import { z } from 'zod';
import { monthOption, parseDateOption } from '../date-options.ts';
import { CliError, ExitCode } from '../errors.ts';
import { Lake } from '../lake/lake.ts';
import { loadModelGraph, openRunner } from '../pipeline/model-graph.ts';
import { openContext } from './context.ts';
import { formatBytes, formatTable } from './format.ts';

const paramSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'parameters are written name=value');

export function registerLakeCommands(program: Command): void {
  program
    .command('tables')
    .description('list the tables in the lake, with their layout and size')
    .action(async () => {
      const ctx = await openContext();
      try {
        const tables = await ctx.lake.listTables();
        const sizes = await Promise.all(tables.map((t) => ctx.lake.tableBytes(t)));
        console.log(`lake: ${ctx.lake.describe()}`);
        console.log(
          formatTable(
            tables.map((t, i) => ({
              table: t.key,
              layout: t.layout,
              parts: t.parts,
              size: formatBytes(sizes[i]!),
            })),
          ),
        );
      } finally {
        ctx.close();
      }
    });

  program
    .command('query')
    .description(
      'run a model of queries/ by name with named parameters, e.g. query metrics/reports/monthly_revenue -p as_of=2026-10-01',
    )
    .argument('[name]', 'the model path under queries/ without .sql; omit to list them')
    .option('-p, --param <name=value...>', 'a named parameter, used as $name in the SQL', [])
    .option('--json', 'print rows as JSON lines')
    .action(async (name: string | undefined, options: { param: string[]; json?: boolean }) => {
      if (!name) {
        const graph = await loadModelGraph();
        console.log(
          graph
            .select((m) => m.kind === 'sql')
            .map((m) => m.id)
            .sort()
            .join('\n') || '(no queries yet)',
        );
        return;
      }
      const params: Record<string, string> = {};
      for (const raw of options.param) {
        const parsed = paramSchema.safeParse(raw);
        if (!parsed.success)
          throw new CliError(`--param ${raw}: ${parsed.error.issues[0]?.message}`, ExitCode.usage);
        const at = raw.indexOf('=');
        params[raw.slice(0, at)] = raw.slice(at + 1);
      }
      const ctx = await openContext();
      try {
        const rows = await (await openRunner(ctx.db)).rows(name, params, { exact: true });
        if (options.json) for (const row of rows) console.log(JSON.stringify(row, bigintReplacer));
        else console.log(formatTable(rows));
      } finally {
        ctx.close();
      }
    });

  program
    .command('sync')
    .description('bring the local cache of an S3 lake up to date (downloads only changed objects)')
    .action(async () => {
      const ctx = await openContext({ sync: false });
      try {
        if (!ctx.lake.remote) {
          console.log(`lake is local (${ctx.lake.root}); nothing to sync`);
          return;
        }
        const result = await ctx.lake.sync();
        console.log(
          `synced ${ctx.lake.describe()}: ${result.downloaded} downloaded, ${result.skipped} unchanged, ${result.deleted} removed`,
        );
      } finally {
        ctx.close();
      }
    });

  program
    .command('snapshot')
    .description('copy tables under snapshots/YYYY-MM-01/<key>.parquet, one file each')
    .requiredOption(
      '-t, --tables <keys>',
      'comma-separated table keys, e.g. core/customer_master,core/transactions',
    )
    .option('-m, --month <YYYY-MM-01>', 'snapshot name (default: this month)')
    .action(async (options: { tables: string; month?: string }) => {
      const month =
        options.month === undefined
          ? Lake.snapshotName(new Date())
          : parseDateOption('-m/--month', options.month, monthOption);
      const ctx = await openContext();
      try {
        const copied = await ctx.lake.snapshot(
          month,
          options.tables.split(',').map((t) => t.trim()),
          (table) => ctx.db.wholeTableWriter(table),
        );
        console.log(`snapshot ${month}: ${copied.length ? copied.join(', ') : 'no matching tables'}`);
      } finally {
        ctx.close();
      }
    });
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
