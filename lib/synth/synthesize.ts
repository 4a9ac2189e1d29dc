import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { IdhaValidationError, Problem } from '../core/errors';
import { FailoverEstimate } from '../model/failover-estimate';
import { PLATFORMS } from '../platforms/registry';
import { Topology } from '../topology/topology';
import {
  checkOutputFolder, commitOutput, CommitOptions, createStaging, discardStaging, listFiles, OutputTarget, OWNER_MARKER, Staging, writeOwnerMarker,
} from './output-folder';
import { describeState } from './state-backend';
import { buildTopologyApp } from './topology-app';

export interface SynthesizeOptions {
  readonly topology: Topology;
  /**
   * Output folder. idha replaces only a folder it wrote itself; every file in it that idha did not
   * write (Terraform state, `.terraform/`, ...) is kept, and on failure the folder is left as it was.
   */
  readonly outDir: string;
  readonly platforms?: readonly string[];
  /** Write into a non-empty folder idha did not write; its files are kept. @default false */
  readonly force?: boolean;
}

export interface SynthesizeResult {
  /** Files written, relative to outDir, sorted. */
  readonly files: string[];
  readonly estimates: FailoverEstimate[];
  readonly warnings: string[];
  /** Stacks written, with where each keeps its Terraform state. */
  readonly stacks: Array<{ readonly name: string; readonly state: string }>;
  /** Entries idha did not write that were carried over from the old folder. */
  readonly kept: string[];
}

/** What rendering into a staging folder produced (plain data: it crosses a worker boundary). */
export interface RenderResult {
  readonly files: string[];
  readonly estimates: FailoverEstimate[];
  readonly warnings: string[];
  readonly stacks: string[];
}

/** Options of {@link renderTopology}. */
export interface RenderOptions {
  readonly platforms?: readonly string[];
  /** The staging folder to write into. */
  readonly stagingDir: string;
  /** The output folder the staging folder will replace (for checks that depend on it). */
  readonly outDir: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../../package.json').version;

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
 * Renders a topology into a staging folder: cdktf's layout (`manifest.json`,
 * `stacks/<stack>/cdk.tf.json`), `snippets/<service>/...`, and the ownership marker listing every
 * file written. Output is byte-reproducible. Validation happens before anything is written.
 */
export function renderTopology(topology: Topology, options: RenderOptions): RenderResult {
  const tmp = options.stagingDir;
  const built = withoutTokenStackTraces(() => {
    const b = buildTopologyApp(topology, { outdir: tmp, platforms: options.platforms, outputFolder: options.outDir });
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
  writeOwnerMarker(tmp, VERSION, files);
  const order = PLATFORMS.map((p) => p.platform);
  estimates.sort((a, b) => a.service.localeCompare(b.service) || order.indexOf(a.platform) - order.indexOf(b.platform));
  return { files: [...files, OWNER_MARKER].sort(), estimates, warnings: [...warnings], stacks: built.stacks.map((s) => s.node.id) };
}

function finish(topology: Topology, target: OutputTarget, staging: Staging, rendered: RenderResult, hooks?: Pick<CommitOptions, 'beforeStep'>): SynthesizeResult {
  const stateOf = (stack: string) => describeState(stack, topology.backend, target.outDir);
  const committed = commitOutput(target, staging, rendered.files.filter((f) => f !== OWNER_MARKER), { stateOf, beforeStep: hooks?.beforeStep });
  return {
    files: rendered.files,
    estimates: rendered.estimates,
    warnings: [...target.warnings, ...rendered.warnings, ...committed.warnings],
    stacks: rendered.stacks.map((name) => ({ name, state: stateOf(name) })),
    kept: committed.kept,
  };
}

/**
 * Synthesizes a topology into `outDir` (see {@link SynthesizeOptions} for what is kept and
 * replaced). Everything is rendered into a staging folder beside it first; a failed synth leaves
 * `outDir` exactly as it was and no staging folder behind.
 */
export function synthesizeTopology(options: SynthesizeOptions, hooks?: Pick<CommitOptions, 'beforeStep'>): SynthesizeResult {
  const target = checkOutputFolder(options.outDir, { force: options.force });
  const staging = createStaging(target);
  let rendered: RenderResult;
  try {
    rendered = renderTopology(options.topology, { platforms: options.platforms, stagingDir: staging.dir, outDir: target.outDir });
  } catch (e) {
    discardStaging(staging);
    throw e;
  }
  return finish(options.topology, target, staging, rendered, hooks);
}

/** Thrown when a synth was stopped by a signal; nothing was changed. */
export class SynthInterruptedError extends Error {
  constructor(public readonly signal: string) {
    super(`interrupted by ${signal}: nothing was changed`);
    this.name = 'SynthInterruptedError';
  }
}

/** The message a render worker sends back. */
export type WorkerReply =
  | { readonly ok: RenderResult }
  | { readonly problems: Problem[]; readonly context?: string }
  | { readonly error: string };

/**
 * {@link synthesizeTopology} for the CLI: rendering (the slow part) runs in a worker thread, so
 * that SIGINT/SIGTERM stop it at once; the staging folder is then removed and nothing is changed.
 * A signal that arrives while the finished output is being swapped in waits for the swap (a few
 * renames), so the folder is always either the old one or the new one.
 */
export async function synthesizeTopologyInterruptibly(options: SynthesizeOptions, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<SynthesizeResult> {
  const target = checkOutputFolder(options.outDir, { force: options.force });
  let caught: NodeJS.Signals | undefined;
  let worker: Worker | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    caught = sig;
    void worker?.terminate();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const staging = createStaging(target);
    let reply: WorkerReply;
    try {
      reply = await new Promise<WorkerReply>((resolve, reject) => {
        worker = new Worker(path.join(__dirname, 'synth-worker.js'), {
          workerData: { topology: options.topology, platforms: options.platforms, stagingDir: staging.dir, outDir: target.outDir },
        });
        worker.once('message', (m: WorkerReply) => resolve(m));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(caught ? new SynthInterruptedError(caught) : new Error(`synth worker exited with code ${code}`)));
      });
      if (caught) throw new SynthInterruptedError(caught);
      if ('problems' in reply) throw new IdhaValidationError(reply.problems, reply.context);
      if ('error' in reply) throw new Error(reply.error);
    } catch (e) {
      await worker?.terminate();
      discardStaging(staging);
      throw e;
    }
    await worker?.terminate();
    return finish(options.topology, target, staging, reply.ok);
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/** A plain-text table of worst-case failover times. */
export function formatEstimateTable(estimates: readonly FailoverEstimate[]): string {
  const rows = [['service', 'platform', 'worst case', 'how'], ...estimates.map((e) => [e.service, e.platform, `${e.worstCaseSeconds} s`, e.formula])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}
