import { CommanderError } from 'commander';
import { ExitCode, isCliError } from './errors.ts';

/**
 * Runs a command-line entry point: user errors print their message and exit with their code,
 * usage errors exit 2, anything else prints its message (the stack with --debug) and exits 1.
 */
export async function runMain(main: () => Promise<number | undefined>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else if (isCliError(error)) {
      console.error(`error: ${error.message}`);
      process.exitCode = error.exitCode;
    } else {
      const debug = process.argv.includes('--debug');
      console.error(`error: ${(error as Error)?.message ?? String(error)}`);
      if (debug) console.error((error as Error)?.stack);
      else console.error('(run again with --debug for the stack)');
      process.exitCode = ExitCode.failure;
    }
  }
}
