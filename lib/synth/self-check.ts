/**
 * `idha synth` lints what it has just rendered, before the output is swapped in: the rules are a
 * second check of every renderer, written from the platforms' pitfalls rather than from the
 * renderers' code (lib/lint imports nothing of lib/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { detectKind } from '../lint/detect';
import { lint } from '../lint/engine';
import type { Finding } from '../lint/types';

export interface SelfCheck {
  /** Error findings: a renderer wrote something a rule calls wrong. The synth fails. */
  readonly errors: readonly Finding[];
  /** Warnings and notes: they come from choices in the topology, and are printed as synth warnings. */
  readonly warnings: readonly Finding[];
}

/** Lints every file of a known kind among `files` (relative to `dir`). */
export function selfCheck(dir: string, files: readonly string[], iqPorts: readonly number[]): SelfCheck {
  const inputs = files
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }))
    .filter((x) => detectKind(x.file, x.text) !== undefined);
  const { findings } = lint(inputs, { iqPorts });
  const open = findings.filter((f) => !f.suppressed);
  return { errors: open.filter((f) => f.severity === 'error'), warnings: open.filter((f) => f.severity !== 'error') };
}

/** One line per finding: `file:line RULE-ID message`. */
export function describeFinding(f: Finding): string {
  return `${f.file}:${f.line} ${f.ruleId} ${f.message}`;
}
