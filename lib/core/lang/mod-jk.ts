/**
 * mod_jk's workers.properties and uriworkermap.properties. Each line is `key=value`; `#` starts a
 * comment, a line ending in `\` continues, `$(name)` is replaced by another property, `,` separates
 * the members of a list (balance_workers), and in uriworkermap a leading `!` or `-` and `;`, `|`
 * and `*` change a mount's meaning. A worker name or host is a word of letters, digits and `_ . -`
 * (and `:` `[` `]` for an IPv6 host); a mounted path holds only the characters url.ts allows.
 */
import { commentText, refuse } from './internal';

/** A worker name (mod_jk: letters, digits, `_`, `-`, `.`). */
export function jkName(s: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(s)) refuse('workers.properties', 'a worker name', s, 'a worker name is 1-64 letters, digits, _ . -');
  return s;
}

/** A property value: a host, a number, a route. */
export function jkValue(s: string): string {
  if (!/^[A-Za-z0-9_.:[\]-]{1,255}$/.test(s)) refuse('workers.properties', 'a value', s, 'it holds a character a properties file reads specially');
  return s;
}

/** A path mounted in uriworkermap.properties (it may end in the wildcard `/*` that identity-ha adds itself). */
export function jkMountPath(s: string): string {
  if (!/^\/[A-Za-z0-9._~+,=:@/%&()-]*(\/\*)?$/.test(s))
    refuse('uriworkermap.properties', 'a path', s, 'it holds # $ ; | ! * \\, a space or a control character');
  return s;
}

/** `# text` on one line. */
export function jkComment(s: string): string {
  return `# ${commentText('workers.properties', s)}`;
}
