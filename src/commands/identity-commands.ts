import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { dateOption } from '../date-options.ts';
import { CliError, ExitCode } from '../errors.ts';
import { evaluateClusters } from '../identity/evaluate.ts';
import { explainCustomers, renderExplanation } from '../identity/explain.ts';
import { createInputTable, loadInputFile } from '../identity/input.ts';
import { type ResolveSummary, resolveIdentities } from '../identity/resolve.ts';
import {
  folderStore,
  type IdentityStore,
  lakeStore,
  OUTPUT_TABLES,
  STATE_TABLES,
} from '../identity/store.ts';
import { Lake } from '../lake/lake.ts';
import { Database, sqlString } from '../sql/database.ts';
import { openContext, requireTables } from './context.ts';
import { formatTable } from './format.ts';

const resolveOptions = z
  .object({
    input: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    truth: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a column name')
      .optional(),
    asOf: dateOption.optional(),
    full: z.boolean().default(false),
    memoryLimit: z.string().regex(/^\d+(\.\d+)?\s*[KMGT]i?B$/i, 'a size such as 2500MB or 3GB'),
  })
  .refine((o) => Boolean(o.input) === Boolean(o.out), { message: '--input and --out go together' });

type ResolveOptions = z.infer<typeof resolveOptions>;

export function registerIdentityCommands(program: Command): void {
  program
    .command('resolve')
    .description(
      'resolve records into customers and households: a CSV/Parquet file into a folder (--input, --out), or the lake',
    )
    .option(
      '--input <file>',
      'CSV or Parquet with record_id and any of source, first_name, last_name, full_name, email, phone, birth_date, address, city, postal_code',
    )
    .option('--out <dir>', 'folder for resolved_records.parquet, the core tables and the id map')
    .option('--truth <column>', 'a column of true person labels: print pairwise and B-cubed quality')
    .option('--as-of <YYYY-MM-DD>', 'the day ages are computed at (default: today)')
    .option('--full', 're-fit the model although the stored one (identity_fit) still serves')
    .option('--memory-limit <size>', "DuckDB's memory cap; it spills to disk beyond it", '2500MB')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = resolveOptions.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CliError(
          `${issue?.path.length ? `--${issue.path.join('.')}: ` : ''}${issue?.message}`,
          ExitCode.usage,
        );
      }
      const options = parsed.data;
      if (options.input && options.out) await resolveFile(options, options.input, options.out);
      else await resolveLake(options);
    });

  program
    .command('explain')
    .description(
      "show a customer's records and the evidence behind every link (by customer id, email or phone)",
    )
    .argument('<term>', 'a customer id (cus_…), an email or a phone number')
    .option('--dir <dir>', 'read the tables a `resolve --out` wrote instead of the lake')
    .action(async (term: string, options: { dir?: string }) => {
      if (options.dir) {
        const work = await mkdtemp(path.join(os.tmpdir(), 'basin-explain-'));
        const db = await Database.open(new Lake({ kind: 'local', dir: work }), { timeZone: 'UTC' });
        try {
          const store = folderStore(db, options.dir);
          for (const table of OUTPUT_TABLES) {
            const source = await store.source(table);
            if (!source) throw new CliError(`${options.dir}: no ${table}.parquet (run resolve --out first)`);
            await db.run(`create or replace view ${table} as ${source}`);
          }
          for (const table of STATE_TABLES)
            await db.run(`create or replace view ${table} as ${await store.stateSource(table)}`);
          printExplanations(term, await explainCustomers(db, term));
        } finally {
          db.close();
          await rm(work, { recursive: true, force: true });
        }
        return;
      }
      const ctx = await openContext();
      try {
        const views = await ctx.db.viewNames();
        if (!views.has('customer_master'))
          throw new CliError('no core/customer_master in the lake: run `resolve` first', ExitCode.failure);
        if (!views.has('customer_id_aliases')) {
          await ctx.db.run(
            'create or replace view customer_id_aliases as select null::varchar as alias_id, null::varchar as customer_id where false',
          );
        }
        printExplanations(term, await explainCustomers(ctx.db, term));
      } finally {
        ctx.close();
      }
    });
}

async function resolveFile(options: ResolveOptions, input: string, out: string): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'basin-resolve-'));
  const db = await Database.open(new Lake({ kind: 'local', dir: path.join(work, 'lake') }), {
    timeZone: 'UTC',
    memoryLimit: options.memoryLimit,
  });
  try {
    await db.run(`set temp_directory = ${sqlString(path.join(work, 'spill'))}`);
    await loadInputFile(db, input, options.truth);
    if (options.truth)
      await db.run('create or replace table id_truth as select record_id, truth_label from id_input');
    const store = folderStore(db, out);
    await runAndReport(db, store, options);
    if (options.truth) {
      const quality = await evaluateClusters(
        db,
        `(select r.record_id, r.customer_id, t.truth_label
          from read_parquet(${sqlString(path.join(out, 'resolved_records.parquet'))}) as r
          join id_truth as t using (record_id))`,
      );
      console.log(
        `\nagainst ${options.truth} (${quality.records.toLocaleString('en-US')} labelled records, ` +
          `${quality.trueClusters.toLocaleString('en-US')} true people):`,
      );
      console.log(
        formatTable([
          { measure: 'pairwise precision', value: quality.precision },
          { measure: 'pairwise recall', value: quality.recall },
          { measure: 'pairwise F1', value: quality.f1 },
          { measure: 'B-cubed precision', value: quality.bcubedPrecision },
          { measure: 'B-cubed recall', value: quality.bcubedRecall },
          { measure: 'B-cubed F1', value: quality.bcubedF1 },
        ]),
      );
    }
  } finally {
    db.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function resolveLake(options: ResolveOptions): Promise<void> {
  if (options.truth)
    throw new CliError('--truth needs --input: the lake has no truth column', ExitCode.usage);
  const ctx = await openContext();
  try {
    await requireTables(ctx, ['staging/stg_identity_records'], 'the daily refresh (or its stage step)');
    await createInputTable(ctx.db, 'select * from stg_identity_records', undefined, 'stg_identity_records');
    await runAndReport(ctx.db, lakeStore(ctx.db), options);
  } finally {
    ctx.close();
  }
}

async function runAndReport(
  db: Database,
  store: IdentityStore,
  options: ResolveOptions,
): Promise<ResolveSummary> {
  const started = performance.now();
  const asOf = options.asOf ? new Date(`${options.asOf}T12:00:00Z`) : new Date();
  const summary = await resolveIdentities(db, store, { asOf, now: new Date(), full: options.full });
  const seconds = (performance.now() - started) / 1000;
  const n = (x: number) => x.toLocaleString('en-US');
  console.log(
    `resolved ${n(summary.records)} records into ${n(summary.customers)} customers in ${n(summary.households)} households (${seconds.toFixed(1)} s)`,
  );
  console.log(
    `  ${n(summary.profiles)} distinct profiles, ${n(summary.candidatePairs)} candidate pairs${summary.blockingRecall === null ? '' : ` (blocking recall ${summary.blockingRecall.toFixed(4)})`}; ids: ${n(summary.newCustomers)} new, ${n(summary.mergedIds)} merged into older ids, ${n(summary.splitIds)} split`,
  );
  console.log(
    `  rejected as invalid: ${n(summary.rejected.emails)} emails, ${n(summary.rejected.phones)} phones, ${n(summary.rejected.birthDates)} birth dates; ${n(summary.ambiguousBirthDates)} birth dates read both ways (day/month)`,
  );
  console.log(
    `  links: ${Object.entries(summary.links)
      .map(([tier, count]) => `${tier} ${n(count)}`)
      .join(', ')}; the guard refused ${n(summary.guard.refusedLinks)}`,
  );
  console.log(
    summary.modelFit.refitted
      ? `  model fitted now (${summary.modelFit.reason})`
      : `  stored model of ${summary.modelFit.fittedAt} (the data has not drifted from it; --full re-fits)`,
  );
  console.log(`  written to ${store.describe()}`);
  return summary;
}

function printExplanations(term: string, explanations: Awaited<ReturnType<typeof explainCustomers>>): void {
  if (explanations.length === 0) throw new CliError(`no customer found for ${term}`, ExitCode.failure);
  if (explanations.length > 1)
    console.log(`${term} belongs to ${explanations.length} customers (a shared contact):\n`);
  console.log(explanations.map(renderExplanation).join('\n\n'));
}
