/**
 * Rendering without writing the output folder: `idha validate` (is the topology valid, and what does
 * it warn about) and `idha synth --check` (is the output folder what a synth would write). The render
 * goes to a private temporary folder, removed afterwards whatever happens.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatProblem, IdhaValidationError, type Problem } from '../core/errors';
import type { TopologyDocument } from '../topology/topology';
import { listFiles, OWNER_MARKER } from './output-folder';
import { renderTopology, type RenderResult } from './synthesize';

/** Renders into a temporary folder, hands it to `use`, and removes it. */
function withRendered<T>(
  topology: TopologyDocument,
  outDir: string,
  platforms: readonly string[] | undefined,
  use: (dir: string, r: RenderResult) => T,
): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-preview-'));
  try {
    return use(dir, renderTopology(topology, { platforms, stagingDir: dir, outDir: path.resolve(outDir) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One diagnostic, shaped as `terraform validate -json` shapes them, with the topology path. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  /** The topology field (`services[0].targets.aws.subnetIds`), or the service a warning is about. */
  readonly path: string;
}

/** `idha validate --format json`: the shape of `terraform validate -json`. */
export interface ValidateReport {
  readonly format_version: '1.0';
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** The diagnostic for a problem: summary without the fix, which goes in detail. */
export function problemDiagnostic(p: Problem): Diagnostic {
  return { severity: 'error', summary: formatProblem({ ...p, fix: undefined }), detail: p.fix ?? '', path: p.field };
}

/** The diagnostic for a synth warning (`<service>: text`). */
export function warningDiagnostic(w: string): Diagnostic {
  const m = /^([\w.-]+(?: \([\w.-]+\))?): /.exec(w);
  return { severity: 'warning', summary: m ? w.slice(m[0].length) : w, detail: '', path: m ? m[1] : '' };
}

/**
 * Validates a loaded topology: every check a synth makes, with nothing written. `strict` counts
 * warnings as errors for `valid`.
 */
export function validateTopology(topology: TopologyDocument, options: { platforms?: readonly string[]; strict?: boolean } = {}): ValidateReport {
  let diagnostics: Diagnostic[];
  try {
    diagnostics = withRendered(topology, 'cdktf.out', options.platforms, (_dir, r) => r.warnings.map(warningDiagnostic));
  } catch (e) {
    if (!(e instanceof IdhaValidationError)) throw e;
    diagnostics = e.problems.map(problemDiagnostic);
  }
  return report(diagnostics, options.strict);
}

/** A report from diagnostics found before any render (a topology file that does not load). */
export function report(diagnostics: readonly Diagnostic[], strict = false): ValidateReport {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return { format_version: '1.0', valid: errors === 0 && (!strict || warnings === 0), error_count: errors, warning_count: warnings, diagnostics };
}

/** What `idha synth --check` found. */
export interface CheckReport {
  readonly inSync: boolean;
  /** Files a synth would write that differ from the folder's. */
  readonly changed: readonly string[];
  /** Files a synth would add. */
  readonly added: readonly string[];
  /** Files idha wrote earlier that a synth would remove. */
  readonly removed: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Compares what a synth would write with `outDir`, changing nothing there. Only files idha wrote
 * (listed in its manifest) count; Terraform state and other files of the user's are not compared.
 * The manifest itself is compared by its file list, not its version line.
 */
export function checkSynth(topology: TopologyDocument, outDir: string, platforms?: readonly string[]): CheckReport {
  return withRendered(topology, outDir, platforms, (dir, r) => {
    const fresh = listFiles(dir).filter((f) => f !== OWNER_MARKER);
    const owned = ownedFiles(outDir);
    const changed: string[] = [];
    const added: string[] = [];
    for (const f of fresh) {
      const there = path.join(outDir, f);
      if (!owned.has(f) || !fs.existsSync(there)) added.push(f);
      else if (!fs.readFileSync(there).equals(fs.readFileSync(path.join(dir, f)))) changed.push(f);
    }
    const freshSet = new Set(fresh);
    const removed = [...owned].filter((f) => !freshSet.has(f)).sort();
    return { inSync: !changed.length && !added.length && !removed.length, changed, added, removed, warnings: r.warnings };
  });
}

/** The files idha's manifest in `outDir` lists (none when there is no manifest). */
function ownedFiles(outDir: string): Set<string> {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(outDir, OWNER_MARKER), 'utf8')) as { files?: unknown };
    return new Set(Array.isArray(m.files) ? m.files.filter((f): f is string => typeof f === 'string' && f !== OWNER_MARKER) : []);
  } catch {
    return new Set();
  }
}
