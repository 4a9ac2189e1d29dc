/**
 * Argument vectors: the only way identity-ha starts a program with a user value in it. A vector is
 * written into a config language (keepalived's `script`, a shell line, a Windows command line) by
 * that language's own quoting; the words themselves hold only characters that no consumer reads
 * specially, so the program receives the literal words in every one of them.
 */
import { escapeHidden, Problems } from '../errors';
import { describeChar } from './url';

/** Characters a word of a user's own command may hold. */
export const ARGV_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The words of a command line given as one string, split on spaces and tabs. */
export function splitCommandLine(line: string): string[] {
  return line.split(/[ \t]+/).filter((w) => w !== '');
}

/** Why `word` cannot be a word of a command, or undefined. */
export function argvWordProblem(word: string): string | undefined {
  if (word.length > 1024) return 'a word is longer than 1024 characters';
  if (ARGV_WORD.test(word)) {
    // No file system has a name longer than 255 bytes: a word that names a path with one is a typo.
    return word.split('/').some((part) => part.length > 255) ? 'a part of it between slashes is longer than 255 characters' : undefined;
  }
  const shown = escapeHidden(word.length > 40 ? `${word.slice(0, 40)}...` : word);
  return `"${shown}" holds ${describeChar(word.match(/[^A-Za-z0-9_@%+=:,./-]/u)![0])}`;
}

/**
 * Records a problem unless `value` is a command line of safe words (split on spaces); returns its
 * words, or undefined when it is not one.
 */
export function checkCommandWords(problems: Problems, field: string, value: unknown, example: string, fix = `e.g. ${example}`): string[] | undefined {
  const why =
    typeof value !== 'string'
      ? 'it is not a string'
      : value.trim() === ''
        ? 'it is empty'
        : splitCommandLine(value)
            .map(argvWordProblem)
            .find((x) => x !== undefined);
  if (why === undefined) return splitCommandLine(value as string);
  problems.add({
    field,
    value,
    allowed:
      `a program and its arguments separated by spaces, each word of letters, digits and _ @ % + = : , . / - (${why}); ` + 'it runs without a shell',
    fix,
  });
  return undefined;
}

/**
 * Where `npm install -g identity-ha` puts idha on Debian and Ubuntu (npm's global prefix /usr/local).
 * An absolute path: keepalived's script security checks the file it runs, which `/usr/bin/env idha`
 * would hide behind env.
 */
export const DEFAULT_IDHA = '/usr/local/bin/idha';

/** The words that start identity-ha on a node: the given command line, or DEFAULT_IDHA. */
export function idhaWords(commandLine?: string): string[] {
  return commandLine === undefined ? [DEFAULT_IDHA] : splitCommandLine(commandLine);
}
