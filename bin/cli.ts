import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { IdhaValidationError } from '../lib/core/errors';
import { labCommand } from './commands/lab';
import { mimicCommand } from './commands/mimic';
import { peersCommand } from './commands/peers';
import { proxyCommand } from './commands/proxy';
import { shimCommand } from './commands/shim';
import { checkCommand } from './commands/check';
import { snippetCommand } from './commands/snippet';
import { synthCommand } from './commands/synth';

/** Every command, registered explicitly. */
export const COMMANDS: ReadonlyArray<CommandModule<any, any>> = [synthCommand, snippetCommand, peersCommand, shimCommand, checkCommand, mimicCommand, proxyCommand, labCommand];

class UsageError extends Error {}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {

  const cli = yargs(argv)
    .scriptName('idha')
    .usage('$0 <command> [options]\n\nHigh-availability infrastructure for identity services (IQService pairs on Azure LB, AWS NLB, F5 BIG-IP, HAProxy, Traffic Manager, Route 53).')
    .strict()
    .demandCommand(1, 'Name a command: synth, snippet, peers, shim, check, mimic, proxy, lab')
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => {
      // yargs' own argument errors (YError, e.g. a flag given no value) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      // Throwing stops yargs from running the command's handler with the missing argument.
      throw new UsageError(msg ?? err?.message);
    });
  for (const c of COMMANDS) cli.command(c);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`idha: ${e.message}\nRun idha --help for usage.\n`);
      return 2;
    }
    if (e instanceof IdhaValidationError) {
      process.stderr.write(`idha: ${e.message}\n`);
      return 2;
    }
    if ((e as Error).name === 'SynthInterruptedError') {
      process.stderr.write(`idha: ${(e as Error).message}\n`);
      return 130;
    }
    process.stderr.write(`idha: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
  // A command may set its own code (idha check: 1 when unhealthy).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
