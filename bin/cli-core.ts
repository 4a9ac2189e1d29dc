import yargs, { type CommandModule } from 'yargs';
import { formatProblem, IdhaValidationError } from '../lib/core/errors';

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
    .completion('completion', 'Print a shell completion script (bash or zsh): idha completion >> ~/.bashrc')
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
  // A number flag given text (yargs makes it NaN): refused with the text the user typed.
  cli.middleware((args) => {
    for (const [k, v] of Object.entries(args)) {
      if (k.length === 1 || k.includes('-') || typeof v !== 'number' || !Number.isNaN(v)) continue;
      const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new IdhaValidationError([{ field: flag, value: rawFlagValue(argv, flag), allowed: 'a number', fix: `e.g. ${flag} 2` }]);
    }
  }, true);
  for (const c of commands) cli.command(c);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${options.scriptName}: ${e.message.replace(/\s*\n\s*/g, '; ')} (${options.scriptName} --help shows the usage)\n`);
      return 2;
    }
    if (e instanceof IdhaValidationError) {
      // One bad flag: one line that names it (a topology file's problems keep their list).
      const flag = e.problems.length === 1 && e.uncounted === 0 && e.problems[0].field.startsWith('--');
      process.stderr.write(`${options.scriptName}: ${flag ? formatProblem(e.problems[0]) : e.message}\n`);
      return 2;
    }
    if ((e as Error).name === 'WarningsAsErrorsError') {
      process.stderr.write(`${options.scriptName}: ${(e as Error).message}\n`);
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

/** The text given for `flag` (`--flag text` or `--flag=text`), as typed. */
function rawFlagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}
