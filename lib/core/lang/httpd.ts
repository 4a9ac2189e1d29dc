/**
 * Apache httpd directives. httpd splits a directive's arguments on whitespace, reads `"` as a quote
 * and `\` as its escape, expands `${NAME}` (Define) anywhere on a line, continues a line that ends
 * in `\`, and reads `<` and `>` as a section. Every user value is written as a double-quoted
 * argument that holds none of `"`, `\`, `$`, `<`, `>` or a control character, so httpd passes the
 * literal text to the module.
 */
import { commentText, CONTROL, refuse } from './internal';

/** A double-quoted directive argument. */
export function httpdQuoted(s: string): string {
  if (CONTROL.test(s) || /["\\$<>]/.test(s) || /[^\x20-\x7e]/.test(s))
    refuse('httpd', 'a quoted argument', s, 'it holds ", \\, $, < or >, or a control or non-ASCII character');
  return `"${s}"`;
}

/** A bare argument (a key=value of BalancerMember, a path): as above, and no space. */
export function httpdWord(s: string): string {
  if (s === '' || /\s/.test(s)) refuse('httpd', 'a word', s, 'it is empty or holds a space');
  httpdQuoted(s);
  return s;
}

/** `# text` on one line. */
export function httpdComment(s: string): string {
  return `# ${commentText('httpd', s)}`;
}
