/**
 * systemd unit files. systemd splits ExecStart= into words itself (no shell), reading quotes, C
 * escapes after `\`, `%` specifiers and `$NAME`/`${NAME}` environment expansion. A word made only of
 * safe characters is written as is; any other is double-quoted with `\` and `"` escaped, `%` written
 * `%%` and `$` written `$$`, so the program receives the literal word.
 */
import { commentText, CONTROL, refuse } from './internal';

export function systemdWord(s: string): string {
  if (s === '' || CONTROL.test(s)) refuse('a systemd unit', 'a word', s, 'it is empty or holds a control character');
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(s)) return s;
  return `"${s
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$')}"`;
}

/** An ExecStart= command line from an argument vector. */
export function systemdExec(argv: readonly string[]): string {
  return argv.map(systemdWord).join(' ');
}

/** A value of a free-text setting (Description=): one line, `%` written `%%`. */
export function systemdText(s: string): string {
  if (CONTROL.test(s)) refuse('a systemd unit', 'a setting', s, 'it holds a line break or control character');
  return s.replace(/%/g, '%%');
}

/** `# text` on one line. */
export function systemdComment(s: string): string {
  return `# ${commentText('a systemd unit', s)}`;
}
