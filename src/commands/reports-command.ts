import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { startPreview } from '../../notebooks/lib/preview.ts';
import { CliError, ExitCode } from '../errors.ts';

const optionsSchema = z.object({
  port: z.coerce.number().int().min(1).max(65_535),
  sandbox: z.boolean().default(false),
  asOf: z.iso.date('dates are written YYYY-MM-DD').optional(),
  notebooks: z.string().min(1),
});

export function registerReportsCommands(program: Command): void {
  const reports = program.command('reports').description('the HTML reports (notebooks/)');
  reports
    .command('serve')
    .description(
      'live preview on 127.0.0.1: renders the notebooks, re-renders one when its file or the SQL under queries/ changes, and reloads the browser',
    )
    .option('--port <port>', 'port on 127.0.0.1', '3030')
    .option('--sandbox', "read the sandbox gym's lake (data/sandbox) that `npm run demo` writes")
    .option(
      '--as-of <YYYY-MM-DD>',
      'the refresh day, not yet complete (default: the newest day with activity)',
    )
    .option('--notebooks <dir>', 'the folder of notebooks to serve', 'notebooks')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const option = String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        throw new CliError(`--${option}: ${issue.message}`, ExitCode.usage);
      }
      const { port, sandbox, asOf, notebooks } = parsed.data;
      const preview = await startPreview({
        port,
        notebooksDir: notebooks,
        queriesDir: 'queries',
        notebookArgs: [...(sandbox ? ['--sandbox'] : []), ...(asOf ? ['--as-of', asOf] : [])],
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          throw new CliError(
            `--port: ${port} is in use on 127.0.0.1; pick another with --port`,
            ExitCode.usage,
          );
        throw error;
      });
      console.log(`previewing ${path.resolve(notebooks)} at ${preview.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await preview.close();
    });
}
