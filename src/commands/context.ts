import { type Config, loadConfig } from '../config.ts';
import { Lake } from '../lake/lake.ts';
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
