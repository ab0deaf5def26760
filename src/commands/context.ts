import { type Config, loadConfig } from '../config.ts';
import { CliError, ExitCode } from '../errors.ts';
import { Lake } from '../lake/lake.ts';
import { viewName } from '../lake/table-names.ts';
import { Database } from '../sql/database.ts';

export interface CommandContext {
  config: Config;
  lake: Lake;
  db: Database;
  close(): void;
}

/** Loads the configuration, brings an S3 cache up to date, and opens DuckDB over the lake. */
export async function openContext(options: { sync?: boolean } = {}): Promise<CommandContext> {
  const config = loadConfig();
  const lake = new Lake(config.lake);
  if (options.sync !== false) await lake.sync();
  const db = await Database.open(lake, { timeZone: config.timeZone });
  return {
    config,
    lake,
    db,
    close() {
      db.close();
      lake.close();
    },
  };
}

/**
 * Fails with what to do when the lake (BASIN_LAKE_URL) lacks a table the command reads, rather than
 * with DuckDB's catalog error deep inside a query.
 */
export async function requireTables(
  ctx: CommandContext,
  keys: readonly string[],
  producer: string,
): Promise<void> {
  const views = await ctx.db.viewNames();
  const missing = keys.filter((key) => !views.has(viewName(key)));
  if (missing.length > 0)
    throw new CliError(
      `no ${missing.join(', ')} in the lake (BASIN_LAKE_URL): run ${producer} first`,
      ExitCode.failure,
    );
}
