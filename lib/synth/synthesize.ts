import * as fs from 'fs';
import * as path from 'path';
import { FailoverEstimate } from '../model/failover-estimate';
import { PLATFORMS } from '../platforms/registry';
import { Topology } from '../topology/topology';
import { buildTopologyApp } from './topology-app';

export interface SynthesizeOptions {
  readonly topology: Topology;
  /** Output folder; replaced as a whole on success, untouched on failure. */
  readonly outDir: string;
  readonly platforms?: readonly string[];
}

export interface SynthesizeResult {
  /** Files written, relative to outDir, sorted. */
  readonly files: string[];
  readonly estimates: FailoverEstimate[];
  readonly warnings: string[];
}

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    return d.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  }).sort();
}

/**
 * Runs `fn` with V8 stack-trace formatting turned off. cdktf captures and formats a full stack trace
 * for every token it creates, only to show it if that token later fails to resolve; at 300 pairs
 * that formatting was 19% of the synth's CPU time. Set IDHA_TOKEN_STACK_TRACES=1 to keep them when
 * debugging a resolution error. The previous formatter is always restored.
 */
export function withoutTokenStackTraces<T>(fn: () => T): T {
  if (process.env.IDHA_TOKEN_STACK_TRACES === '1') return fn();
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = () => '';
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/**
 * Synthesizes a topology: cdktf's layout (`manifest.json`, `stacks/<stack>/cdk.tf.json`) plus
 * `snippets/<service>/...`. Everything is written to a temporary sibling folder first and renamed
 * into place, so a failed synth leaves `outDir` exactly as it was. Output is byte-reproducible.
 */
export function synthesizeTopology(options: SynthesizeOptions): SynthesizeResult {
  const outDir = path.resolve(options.outDir);
  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.tmp-`));
  try {
    const built = withoutTokenStackTraces(() => {
      const b = buildTopologyApp(options.topology, { outdir: tmp, platforms: options.platforms });
      b.app.synth();
      return b;
    });
    const warnings = new Set<string>();
    const estimates: FailoverEstimate[] = [];
    for (const { service, pair } of built.pairs) {
      for (const w of pair.warnings()) warnings.add(`${service}: ${w}`);
      estimates.push(...pair.failoverEstimates());
      for (const snip of pair.snippets()) {
        const dir = path.join(tmp, 'snippets', service);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, snip.fileName), snip.content);
      }
    }
    // A topology rendered only to file-configured platforms (HAProxy) has no stack: drop the empty folder.
    const stacksDir = path.join(tmp, 'stacks');
    if (fs.existsSync(stacksDir) && fs.readdirSync(stacksDir).length === 0) fs.rmdirSync(stacksDir);
    const files = listFiles(tmp);
    // Swap in: move the old folder aside, rename the new one into place, then delete the old one.
    let aside: string | undefined;
    if (fs.existsSync(outDir)) {
      aside = `${tmp}.old`;
      fs.renameSync(outDir, aside);
    }
    try {
      fs.renameSync(tmp, outDir);
    } catch (e) {
      if (aside) fs.renameSync(aside, outDir);
      throw e;
    }
    if (aside) fs.rmSync(aside, { recursive: true, force: true });
    const order = PLATFORMS.map((p) => p.platform);
    estimates.sort((a, b) => a.service.localeCompare(b.service) || order.indexOf(a.platform) - order.indexOf(b.platform));
    return { files, estimates, warnings: [...warnings] };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A plain-text table of worst-case failover times. */
export function formatEstimateTable(estimates: readonly FailoverEstimate[]): string {
  const rows = [['service', 'platform', 'worst case', 'how'], ...estimates.map((e) => [e.service, e.platform, `${e.worstCaseSeconds} s`, e.formula])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}
