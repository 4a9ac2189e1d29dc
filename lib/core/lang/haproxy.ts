/**
 * haproxy.cfg. HAProxy splits a line into words on spaces and tabs, reads `#` as the start of a
 * comment, `\` as an escape, `'` and `"` as quotes (and expands `$NAME` in double quotes), and `{ }`
 * as an anonymous ACL. Every user value is written as a bare word (a name, address, path or
 * target) holding none of these; a quoted argument (a regex) is single-quoted, where HAProxy
 * expands nothing.
 */
import { commentText, CONTROL, refuse } from './internal';

const SPECIAL = /[\s#\\'"${}]/;

/** One bare word of a haproxy.cfg line. */
export function haproxyWord(s: string): string {
  if (s === '') refuse('haproxy.cfg', 'a word', s, 'it is empty');
  if (CONTROL.test(s) || SPECIAL.test(s) || /[^\x21-\x7e]/.test(s))
    refuse('haproxy.cfg', 'a word', s, 'it holds a space, #, \\, a quote, $, a brace or a non-ASCII character');
  return s;
}

/** A single-quoted argument (a regex): HAProxy takes everything up to the next `'` literally. */
export function haproxySingleQuoted(s: string): string {
  if (s.includes("'") || CONTROL.test(s)) refuse('haproxy.cfg', 'a quoted argument', s, "it holds ' or a control character");
  return `'${s}'`;
}

/** `# text` on one line. */
export function haproxyComment(s: string): string {
  return `# ${commentText('haproxy.cfg', s)}`;
}
