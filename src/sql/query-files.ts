import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode, isEnoent } from '../errors.ts';

/** `queries/` at the project root. */
export const queriesDir = fileURLToPath(new URL('../../queries/', import.meta.url));

export interface QueryFile {
  /** Path under `queries/` without `.sql`, e.g. `core/transactions`. */
  name: string;
  file: string;
  sql: string;
  /** The `$name` parameters the SQL uses, in order of first use. */
  parameters: string[];
}

export async function readQueryFile(name: string, dir = queriesDir): Promise<QueryFile> {
  if (!/^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(name)) {
    throw new CliError(`query name "${name}" must be a path under queries/ without .sql`, ExitCode.usage);
  }
  const file = path.join(dir, `${name}.sql`);
  let sql: string;
  try {
    sql = await readFile(file, 'utf8');
  } catch (error) {
    if (isEnoent(error)) throw new CliError(`no query named ${name} (looked for ${file})`, ExitCode.usage);
    throw error;
  }
  return { name, file, sql, parameters: parametersOf(sql) };
}

/** Named parameters (`$name`) used outside comments and string literals. */
export function parametersOf(sql: string): string[] {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
  const found: string[] = [];
  for (const match of code.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!found.includes(match[1]!)) found.push(match[1]!);
  }
  return found;
}
