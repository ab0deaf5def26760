import { Command } from 'commander';
import { registerAudiencesCommands } from './commands/audiences-command.ts';
import { registerCheckCommand } from './commands/check-command.ts';
import { registerChurnCommands } from './commands/churn-command.ts';
import { registerConfigCommand } from './commands/config-command.ts';
import { registerCustomerCommand } from './commands/customer-command.ts';
import { registerIdentityCommands } from './commands/identity-commands.ts';
import { registerLakeCommands } from './commands/lake-commands.ts';
import { registerModelCommands } from './commands/model-commands.ts';
import { registerOffersCommands } from './commands/offers-command.ts';
import { registerReportsCommands } from './commands/reports-command.ts';
import { registerRulesCommands } from './commands/rules-command.ts';
import { registerSandboxCommands } from './commands/sandbox-commands.ts';
import { runMain } from './main.ts';

export function buildProgram(): Command {
  const program = new Command('basin')
    .description('basin-cdp: a local-first customer data platform for climbing gyms')
    .option('--debug', 'print stacks of unexpected errors')
    .exitOverride()
    .showHelpAfterError();
  registerConfigCommand(program);
  registerLakeCommands(program);
  registerModelCommands(program);
  registerSandboxCommands(program);
  registerCustomerCommand(program);
  registerRulesCommands(program);
  registerChurnCommands(program);
  registerIdentityCommands(program);
  registerOffersCommands(program);
  registerAudiencesCommands(program);
  registerCheckCommand(program);
  registerReportsCommands(program);
  program.addHelpText('after', '\nThe daily refresh is a separate entry point: npx tsx src/daily.ts --help');
  return program;
}

await runMain(async () => {
  await buildProgram().parseAsync(process.argv);
  return undefined;
});
