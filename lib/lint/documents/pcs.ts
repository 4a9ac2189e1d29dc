import { readStatements, type Statement } from '../text';
import type { LintDocument } from '../types';

/** A shell script of `pcs` commands: each command's words, wherever it sits on a line (`p() { pcs -f ...; }` included). */
export interface PcsDocument extends LintDocument {
  readonly kind: 'pcs';
  /** The words after `pcs` (and its `-f FILE`) of each command. */
  readonly commands: ReadonlyArray<{ readonly line: number; readonly words: readonly string[] }>;
}

export function parsePcs(file: string, text: string): PcsDocument {
  const { statements, suppressions } = readStatements(text, true);
  const commands: Array<{ line: number; words: string[] }> = [];
  // A helper that wraps pcs (`p() { pcs -f "$cib" "$@"; }`) makes its calls pcs commands too.
  const wrappers = new Set<string>();
  for (const s of statements) {
    const m = /^([A-Za-z_][\w-]*)\s*\(\)\s*\{?\s*pcs\b/.exec(s.text);
    if (m) wrappers.add(m[1]);
  }
  for (const s of statements) for (const c of split(s)) if (c.length) pushCommand(commands, c, s.line, wrappers);
  return { kind: 'pcs', file, commands, suppressions };
}

/** Splits a statement into simple commands at `;`, `&&`, `||`, `|`, `then`, `else`, `do`. */
function split(s: Statement): string[][] {
  const out: string[][] = [[]];
  for (const w of s.words) {
    const parts = w.split(/(;|&&|\|\|)/).filter((x) => x !== '');
    for (const p of parts) {
      if ([';', '&&', '||', '|', 'then', 'else', 'do', '{', '}', 'if', 'elif', '!'].includes(p)) out.push([]);
      else out[out.length - 1].push(p);
    }
  }
  return out;
}

function pushCommand(into: Array<{ line: number; words: string[] }>, words: string[], line: number, wrappers: ReadonlySet<string>): void {
  let i = words.findIndex((w) => w === 'pcs' || wrappers.has(w));
  if (i < 0) return;
  const isPcs = words[i] === 'pcs';
  i++;
  // pcs's own options before the command: -f FILE, --force, ...
  while (isPcs && i < words.length && words[i].startsWith('-')) i += words[i] === '-f' ? 2 : 1;
  if (i < words.length) into.push({ line, words: words.slice(i) });
}
