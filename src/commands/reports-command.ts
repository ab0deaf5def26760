import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { startPreview } from '../../notebooks/lib/preview.ts';
import { dateOption } from '../date-options.ts';
import { CliError, ExitCode, optionError } from '../errors.ts';

const portMessage = 'a port is a whole number from 1 to 65535';

const optionsSchema = z.object({
  port: z.coerce
    .number({ error: portMessage })
    .int({ error: portMessage })
    .min(1, { error: portMessage })
    .max(65_535, { error: portMessage }),
  sandbox: z.boolean().default(false),
  asOf: dateOption.optional(),
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
        throw optionError(parsed.error.issues[0]!);
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
