import type { Command } from 'commander';
import { loadConfig } from '../config.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('validate the settings and show where the lake is and which sources are configured')
    .action(() => {
      const config = loadConfig();
      console.log(`time zone: ${config.timeZone}`);
      console.log(
        config.lake.kind === 'local'
          ? `lake: ${config.lake.dir}`
          : `lake: s3://${config.lake.bucket}/${config.lake.prefix} (cache ${config.lake.cacheDir})`,
      );
      for (const name of Object.keys(config.sources)) console.log(`${name}: configured`);
      for (const notice of config.notices) console.log(notice);
      console.log(
        config.anthropic
          ? `llm: ${config.llmModel}`
          : 'llm: no ANTHROPIC_API_KEY; templates are read by the heuristic',
      );
    });
}
