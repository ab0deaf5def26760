/** Exit codes shared by every command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: printed without a stack, exiting with its code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = ExitCode.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A setting is missing or malformed. The message names the setting, never its value. */
export class ConfigError extends CliError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, ExitCode.usage);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A command-line option that failed its schema, named as typed: `sandboxSize` is `--sandbox-size`. */
export function optionError(issue: { path: PropertyKey[]; message: string }): CliError {
  const option = String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return new CliError(`--${option}: ${issue.message}`, ExitCode.usage);
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}

export function isEnoent(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
