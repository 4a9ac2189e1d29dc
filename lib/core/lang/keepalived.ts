import { refuse } from './internal';

/**
 * keepalived.conf. keepalived runs a `script "..."` by splitting the quoted text on spaces and
 * executing the words directly (no shell): each word reaches the program as written, so long as it
 * holds no space, no quote, no backslash, and no `$` (keepalived expands `$NAME` and `${NAME}` in
 * any line). The grammars (argv.ts, url.ts) keep such words out; this refuses them again, as an
 * internal error, so no renderer can write one.
 */
export function keepalivedScript(argv: readonly string[]): string {
  for (const w of argv) {
    if (w === '' || /[\s"'\\$\u0000-\u001f\u007f]/.test(w))
      refuse('keepalived.conf', 'a word of a script line', w, 'it is empty or holds a space, a quote, \\ or $');
  }
  return `"${argv.join(' ')}"`;
}
