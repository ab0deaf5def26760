import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { renderEnvExample } from '../env-example.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('validate the settings and show where the lake is and which sources are configured')
    .option(
      '--env-example',
      'print .env.example as the settings registry describes it (every source’s own config.ts), without validating anything',
    )
    .action((options: { envExample?: boolean }) => {
      if (options.envExample) {
        process.stdout.write(renderEnvExample());
        return;
      }
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
