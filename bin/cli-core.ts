import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { IdhaValidationError } from '../lib/core/errors';

class UsageError extends Error {}

export interface CliOptions {
  readonly scriptName: string;
  readonly usage: string;
}

/**
 * Runs a CLI made of `commands`; resolves to the process exit code: 2 for usage and validation
 * errors, 130 for an interrupted synth, 1 for anything unexpected, or the code a command set.
 */
export async function runCli(argv: string[], commands: ReadonlyArray<CommandModule<any, any>>, options: CliOptions): Promise<number> {
  const names = commands.map((c) => String(c.command).split(' ')[0]);
  const cli = yargs(argv)
    .scriptName(options.scriptName)
    .usage(options.usage)
    .strict()
    .demandCommand(1, `Name a command: ${names.join(', ')}`)
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => {
      // yargs' own argument errors (YError, e.g. a flag given no value) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      // Throwing stops yargs from running the command's handler with the missing argument.
      throw new UsageError(msg ?? err?.message);
    });
  // A flag that takes one value, given twice, is refused (yargs would make it a list, which the
  // commands never expect): the user meant one of them, and we cannot know which.
  cli.middleware((args) => {
    const lists = new Set((cli as unknown as { getOptions(): { array?: string[] } }).getOptions().array ?? []);
    for (const [k, v] of Object.entries(args)) {
      if (k === '_' || k === '$0' || k.length === 1 || lists.has(k) || !Array.isArray(v)) continue;
      throw new UsageError(`--${k} was given ${v.length} times (${v.map((x) => JSON.stringify(x)).join(', ')}); it takes one value: give it once`);
    }
  }, true);
  for (const c of commands) cli.command(c);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${options.scriptName}: ${e.message}\nRun ${options.scriptName} --help for usage.\n`);
      return 2;
    }
    if (e instanceof IdhaValidationError) {
      process.stderr.write(`${options.scriptName}: ${e.message}\n`);
      return 2;
    }
    if ((e as Error).name === 'SynthInterruptedError') {
      process.stderr.write(`${options.scriptName}: ${(e as Error).message}\n`);
      return 130;
    }
    process.stderr.write(`${options.scriptName}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
  // A command may set its own code (idha check: 1 when unhealthy).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
