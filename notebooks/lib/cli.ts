import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { ExitCode, optionError } from '../../src/errors.ts';
import { Lake } from '../../src/lake/lake.ts';
import { runMain } from '../../src/main.ts';
import { Database } from '../../src/sql/database.ts';
import { createContext } from './context.ts';
import { type RenderedReport, renderOne } from './render-one.ts';
import type { ReportDefinition } from './report.ts';

const optionsSchema = z.object({
  sandbox: z.boolean().default(false),
  out: z.string().min(1).default(path.join('data', 'reports')),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD')
    .optional(),
});

export interface ReportsCliOptions {
  outDir: string;
  asOf?: string;
  timeZone: string;
  log: (line: string) => void;
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === path.resolve(process.argv[1]);
}

/**
 * The command line shared by `notebooks/all.ts` and every notebook run alone: opens the lake from
 * the settings (or the sandbox's, `data/sandbox`), renders, and exits 1 when a report failed.
 */
export function runReportsCli(
  name: string,
  description: string,
  render: (db: Database, options: ReportsCliOptions) => Promise<RenderedReport[]>,
): Promise<void> {
  return runMain(async () => {
    const program = new Command(name)
      .description(description)
      .option('--sandbox', "read the sandbox gym's lake (data/sandbox) that `npm run demo` writes")
      .option('--out <dir>', 'folder for the HTML files', path.join('data', 'reports'))
      .option(
        '--as-of <YYYY-MM-DD>',
        'the refresh day, not yet complete (default: the newest day with activity)',
      )
      .option('--debug', 'print stacks of unexpected errors')
      .exitOverride();
    await program.parseAsync(process.argv);
    const parsed = optionsSchema.safeParse(program.opts());
    if (!parsed.success) {
      throw optionError(parsed.error.issues[0]!);
    }
    const env = parsed.data.sandbox
      ? { ...process.env, BASIN_LAKE_URL: path.join('data', 'sandbox') }
      : process.env;
    const config = loadConfig({ env });
    const lake = new Lake(config.lake);
    await lake.sync();
    const db = await Database.open(lake, { timeZone: config.timeZone });
    try {
      const started = performance.now();
      const rendered = await render(db, {
        outDir: parsed.data.out,
        timeZone: config.timeZone,
        ...(parsed.data.asOf ? { asOf: parsed.data.asOf } : {}),
        log: (line) => console.log(line),
      });
      const failed = rendered.filter((r) => r.error);
      console.log(
        `${rendered.length - failed.length} of ${rendered.length} reports written to ${parsed.data.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
    } finally {
      db.close();
      lake.close();
    }
  });
}

/** `npx tsx notebooks/<name>.ts`: renders that one report. */
export function runNotebook(report: ReportDefinition): Promise<void> {
  return runReportsCli(
    report.file.replace(/\.html$/, ''),
    `render ${report.title} into data/reports/`,
    async (db, options) => {
      const ctx = await createContext(db, options);
      await mkdir(options.outDir, { recursive: true });
      return [await renderOne(ctx, report, options)];
    },
  );
}
