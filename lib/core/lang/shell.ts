/**
 * POSIX sh, the output language of the Pacemaker script and OCF agent, the host plan's command
 * lines and systemd's ExecStart (whose quoting is a subset: see systemd.ts). A user value reaches a
 * shell only as a single-quoted word: the shell reads it as the literal text, whatever it holds.
 */

/** One word, single-quoted unless it is made only of characters no shell reads specially. */
export function shWord(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An argument vector as one command line: every word quoted on its own. */
export function shArgv(argv: readonly string[]): string {
  return argv.map(shWord).join(' ');
}

/** Characters a shell gives a meaning; a value that must be a plain word holds none of them. */
export const SHELL_SPECIAL = /[\s'"`$\\;&|<>(){}[\]*?!~#^]/;
