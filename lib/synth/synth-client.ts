/**
 * The cdktf-free side of `idha synth`: committing a rendered staging folder, and running the render
 * in a worker thread so that a signal stops it at once. Nothing here loads cdktf or the providers,
 * so the CLI's main thread stays light while the worker loads them.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { IdhaValidationError, Problem, WarningsAsErrorsError } from '../core/errors';
import type { FailoverEstimate } from '../model/failover-estimate';
import type { TopologyDocument } from '../topology/topology';
import { checkOutputFolder, commitOutput, CommitOptions, createStaging, discardStaging, OutputTarget, OWNER_MARKER, Staging } from './output-folder';
import type { RenderResult } from './synthesize';

export interface SynthesizeOptions {
  readonly topology: TopologyDocument;
  /**
   * Output folder. idha replaces only a folder it wrote itself; every file in it that idha did not
   * write (Terraform state, `.terraform/`, ...) is kept, and on failure the folder is left as it was.
   */
  readonly outDir: string;
  readonly platforms?: readonly string[];
  /** Write into a non-empty folder idha did not write; its files are kept. @default false */
  readonly force?: boolean;
  /** Count warnings as errors: with any, nothing is written ({@link WarningsAsErrorsError}). @default false */
  readonly strict?: boolean;
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
  /** The sidecar to run on each host. */
  readonly hosts: RenderResult['hosts'];
}

/** Swaps a rendered staging folder in (see {@link commitOutput}) and assembles the result. */
export function commitRendered(
  target: OutputTarget,
  staging: Staging,
  rendered: RenderResult,
  hooks?: Pick<CommitOptions, 'beforeStep'>,
  strict = false,
): SynthesizeResult {
  if (strict && target.warnings.length + rendered.warnings.length > 0) {
    discardStaging(staging);
    throw new WarningsAsErrorsError([...target.warnings, ...rendered.warnings]);
  }
  const states = new Map(rendered.stacks.map((s) => [s.name, s.state]));
  const committed = commitOutput(
    target,
    staging,
    rendered.files.filter((f) => f !== OWNER_MARKER),
    { stateOf: (s) => states.get(s) ?? 'outside the output folder', beforeStep: hooks?.beforeStep },
  );
  return {
    files: rendered.files,
    estimates: rendered.estimates,
    warnings: [...target.warnings, ...rendered.warnings, ...committed.warnings],
    stacks: rendered.stacks,
    kept: committed.kept,
    hosts: rendered.hosts,
  };
}

/** Thrown when a synth was stopped by a signal; nothing was changed. */
export class SynthInterruptedError extends Error {
  constructor(public readonly signal: string) {
    super(`interrupted by ${signal}: nothing was changed`);
    this.name = 'SynthInterruptedError';
  }
}

/** A render job for the worker. */
export interface RenderJob {
  readonly topology: TopologyDocument;
  readonly platforms?: readonly string[];
  readonly stagingDir: string;
  readonly outDir: string;
}

/** The message a render worker sends back. */
export type WorkerReply = { readonly ok: RenderResult } | { readonly problems: Problem[]; readonly context?: string } | { readonly error: string };

/** A worker thread that renders one topology; it loads cdktf and the providers as it starts. */
export class RenderWorker {
  public static start(): RenderWorker {
    return new RenderWorker(new Worker(path.join(__dirname, 'synth-worker.js')));
  }

  private readonly reply: Promise<WorkerReply>;

  private constructor(private readonly worker: Worker) {
    this.reply = new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', (m: WorkerReply) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`synth worker exited with code ${code}`)));
    });
    // Nobody may be waiting yet (the topology can be refused first): never an unhandled rejection.
    this.reply.catch(() => undefined);
  }

  /** Renders the job; resolves with the result or rejects with the problems the worker found. */
  public async render(job: RenderJob): Promise<RenderResult> {
    this.worker.postMessage(job);
    const reply = await this.reply;
    if ('problems' in reply) throw new IdhaValidationError(reply.problems, reply.context);
    if ('error' in reply) throw new Error(reply.error);
    return reply.ok;
  }

  /** Stops the worker, at once, wherever it is. */
  public async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Topologies with at least this many services render in a worker thread; smaller ones in-process. */
export const WORKER_THRESHOLD_SERVICES = 200;

/** Options of {@link synthesizeTopologyInterruptibly}. */
export interface InterruptibleOptions {
  /**
   * Render in a worker thread (a signal stops it at once) or in this thread (a signal takes effect
   * when the render ends: about 3 s at most below the threshold). A worker costs about 65 ms and
   * 25 MiB, which is why small topologies do without.
   * @default - a worker from WORKER_THRESHOLD_SERVICES services up
   */
  readonly worker?: boolean;
  /** @default - SIGINT and SIGTERM */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called when rendering starts, in this thread. For tests. */
  readonly beforeRender?: () => void;
}

/**
 * `synthesizeTopology` for the CLI: a signal (SIGINT, SIGTERM) during the render removes the
 * staging folder and changes nothing ({@link SynthInterruptedError}, exit 130 in the CLI). Large
 * topologies render in a worker thread so the signal stops them at once. A signal that arrives while
 * the finished output is being swapped in waits for the swap (a few renames), so the folder is
 * always either the old one or the new one.
 */
export async function synthesizeTopologyInterruptibly(options: SynthesizeOptions, run: InterruptibleOptions = {}): Promise<SynthesizeResult> {
  const signals = run.signals ?? ['SIGINT', 'SIGTERM'];
  const useWorker = run.worker ?? options.topology.services.length >= WORKER_THRESHOLD_SERVICES;
  let caught: NodeJS.Signals | undefined;
  let worker: RenderWorker | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    caught = sig;
    void worker?.terminate();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const target = checkOutputFolder(options.outDir, { force: options.force });
    const staging = createStaging(target);
    let rendered: RenderResult;
    try {
      const job: RenderJob = { topology: options.topology, platforms: options.platforms, stagingDir: staging.dir, outDir: target.outDir };
      run.beforeRender?.();
      if (useWorker) {
        worker = RenderWorker.start();
        rendered = await worker.render(job);
      } else {
        const { renderTopology } = require('./synthesize') as typeof import('./synthesize');
        rendered = renderTopology(job.topology, job);
        // A signal that arrived during the render reaches its listener in the event loop's poll phase:
        // two turns of the loop make sure one poll phase has run.
        for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
      }
      if (caught) throw new SynthInterruptedError(caught);
    } catch (e) {
      await worker?.terminate();
      discardStaging(staging);
      throw caught ? new SynthInterruptedError(caught) : e;
    }
    return commitRendered(target, staging, rendered, undefined, options.strict);
  } finally {
    await worker?.terminate();
    for (const s of signals) process.off(s, onSignal);
  }
}

/** A plain-text table of worst-case failover times. */
export function formatEstimateTable(estimates: readonly FailoverEstimate[]): string {
  const rows = [
    ['service', 'platform', 'worst case', 'how', 'failback', 'how'],
    ...estimates.map((e) => [e.service, e.platform, `${e.worstCaseSeconds} s`, e.formula, `${e.failbackSeconds} s`, e.failbackFormula]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const notes = estimates.flatMap((e) => (e.notes ?? []).map((n) => `note (${e.service}, ${e.platform}): ${n}`));
  return (
    [
      ...rows.map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      ),
      ...notes,
    ].join('\n') + '\n'
  );
}
