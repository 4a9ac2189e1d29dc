import { ARGV_WORD } from './argv';

/**
 * POSIX sh, the output language of the Pacemaker script and OCF agent. A user value reaches a
 * shell only as a single-quoted word: the shell reads it as the literal text, whatever it holds.
 */

/** One word, single-quoted unless it is made only of characters no shell reads specially. */
export function shWord(s: string): string {
  if (ARGV_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
