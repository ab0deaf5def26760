import type { Command } from 'commander';
import { z } from 'zod';
import { parseDateOption } from '../date-options.ts';
import { CliError, ExitCode } from '../errors.ts';
import {
  consecutivePorts,
  defaultSandboxPort,
  formatEmulatorBanner,
  startEmulators,
} from '../sandbox/emulators/index.ts';

const sizeSchema = z.union([
  z.enum(['tiny', 'demo']),
  z.coerce.number().positive('a scale factor is a positive number'),
]);
const seedSchema = z.coerce.number().int('the seed is a whole number');

interface GymOptions {
  size: string;
  seed: string;
  asOf?: string;
}

function gymOptions(options: GymOptions) {
  const size = sizeSchema.safeParse(options.size);
  if (!size.success)
    throw new CliError(`--size: tiny, demo or a scale factor (got ${options.size})`, ExitCode.usage);
  const seed = seedSchema.safeParse(options.seed);
  if (!seed.success) throw new CliError(`--seed: ${seed.error.issues[0]?.message}`, ExitCode.usage);
  if (options.asOf !== undefined) parseDateOption('--as-of', options.asOf);
  return {
    size: size.data,
    seed: seed.data,
    ...(options.asOf ? { asOf: new Date(`${options.asOf}T12:00:00Z`) } : {}),
  };
}

export function registerSandboxCommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('the built-in sandbox gym: synthetic data and local API emulators');
  const withGymOptions = (command: Command) =>
    command
      .option('--size <size>', 'tiny, demo, or a scale factor relative to demo', 'demo')
      .option('--seed <n>', 'generator seed', '1')
      .option('--as-of <YYYY-MM-DD>', 'the day the generated history ends');

  withGymOptions(sandbox.command('serve'))
    .description('start every API emulator over the sandbox gym and print the settings that point at them')
    .option('--port <n>', 'first port; the six emulators take consecutive ports', String(defaultSandboxPort))
    .action(async (options: GymOptions & { port: string }) => {
      const { generateGym } = await import('../sandbox/generate.ts');
      const port = z.coerce.number().int().min(1).max(65530).safeParse(options.port);
      if (!port.success) throw new CliError('--port: a port number', ExitCode.usage);
      const gym = generateGym(gymOptions(options));
      const running = await startEmulators(gym, { ports: consecutivePorts(port.data) });
      process.stdout.write(formatEmulatorBanner(running));
      console.log('\nCtrl-C stops them.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });

  withGymOptions(sandbox.command('stats'))
    .description("print the generated gym's statistics: people, records per source, contacts, date formats")
    .action(async (options: GymOptions) => {
      const { generateGym } = await import('../sandbox/generate.ts');
      const { formatGymStats, gymStats } = await import('../sandbox/stats.ts');
      console.log(formatGymStats(gymStats(generateGym(gymOptions(options)))));
    });
}
