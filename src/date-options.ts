import { z } from 'zod';
import { CliError, ExitCode } from './errors.ts';

/**
 * A date option, `YYYY-MM-DD`, that names a day which exists: 2026-02-31 and 0000-00-00 are refused
 * rather than rolled over or turned into an invalid Date. Every command's date options use it.
 */
export const dateOption = z.iso.date('must be a real date written YYYY-MM-DD');

/** A snapshot month: a real date on the first of its month. */
export const monthOption = dateOption.refine((value) => value.endsWith('-01'), {
  error: 'a snapshot month is written YYYY-MM-01',
});

/** Parses one date option's value, exiting 2 with the option named as typed (`--as-of`). */
export function parseDateOption(
  option: string,
  value: string,
  schema: z.ZodType<string> = dateOption,
): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`${option}: ${parsed.error.issues[0]?.message}`, ExitCode.usage);
  return parsed.data;
}
