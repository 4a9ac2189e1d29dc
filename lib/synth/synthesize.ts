import type { Snippet } from '../model/snippet';
import * as fs from 'fs';
import * as path from 'path';
import { FailoverEstimate } from '../model/failover-estimate';
import { PLATFORMS } from '../topology/registry';
import { TopologyDocument } from '../topology/topology';
import { checkOutputFolder, CommitOptions, createStaging, discardStaging, listFiles, OWNER_MARKER, writeOwnerMarker } from './output-folder';
import { describeState } from '../topology/state-backend';
import { commitRendered, SynthesizeOptions, SynthesizeResult } from './synth-client';
import { buildTopologyApp } from '../topology/topology-app';
import { dampingNote, hostPlan, hostShims } from '../hosts/host-plan';
import { describeFinding, selfCheck } from './self-check';

export type { SynthesizeOptions, SynthesizeResult } from './synth-client';

/** What rendering into a staging folder produced (plain data: it crosses a worker boundary). */
export interface RenderResult {
  readonly files: string[];
  readonly estimates: FailoverEstimate[];
  readonly warnings: string[];
  /** Stacks written, with where each keeps its Terraform state. */
  readonly stacks: Array<{ readonly name: string; readonly state: string }>;
  /** The sidecar to run on each host, per service. */
  readonly hosts: HostSidecar[];
}

/** The sidecar one host runs for one service. */
/** The sidecar to run on one host, from the host plan. */
export interface HostSidecar {
  /** The service (or cluster) the sidecar serves. */
  readonly service: string;
  /** `primary` or `secondary`. */
  readonly role: string;
  /** The host's address. */
  readonly address: string;
  /** Folder (relative to the output folder) of its command line, systemd unit and WinSW definition. */
  readonly folder: string;
  /** The exact `idha shim ...` command line. */
  readonly command: string;
  /** What the operator should know about this host's sidecar (flap damping on the primary). */
  readonly notes: string[];
}

/** Options of {@link renderTopology}. */
export interface RenderOptions {
  readonly platforms?: readonly string[];
  /** The staging folder to write into. */
  readonly stagingDir: string;
  /** The output folder the staging folder will replace (for checks that depend on it). */
  readonly outDir: string;
}

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
export function renderTopology(topology: TopologyDocument, options: RenderOptions): RenderResult {
  const tmp = options.stagingDir;
  const built = withoutTokenStackTraces(() => {
    const b = buildTopologyApp(topology, { outdir: tmp, platforms: options.platforms, outputFolder: options.outDir });
    b.app.synth();
    return b;
  });
  const warnings = new Set<string>();
  const estimates: FailoverEstimate[] = [];
  const hosts: HostSidecar[] = [];
  const planned = new Set<string>();
  for (const { service, pair } of built.pairs) {
    // The host plan: once per service (every platform's pair shares the hosts and their one command).
    if (!planned.has(service)) {
      planned.add(service);
      const shims = hostShims(pair.model);
      for (const f of hostPlan(pair.model, shims)) {
        const file = path.join(tmp, 'snippets', service, f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content);
      }
      for (const h of shims)
        hosts.push({
          service,
          role: h.role,
          address: h.address,
          folder: `snippets/${service}/${h.folder}`,
          command: ['idha', ...h.args].join(' '),
          notes: h.role === 'primary' ? dampingNote(pair.model) : [],
        });
    }
    for (const w of pair.warnings()) warnings.add(`${service}: ${w}`);
    estimates.push(...pair.failoverEstimates());
    for (const snip of pair.snippets()) {
      const file = path.join(tmp, 'snippets', service, snip.fileName);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeSnippet(file, snip);
    }
  }
  for (const cluster of built.clusters) {
    // A cloud cluster's nodes run sidecars: print each node's command as for a service's hosts.
    for (const t of cluster.targets) {
      const model = t.sidecarService(cluster.model);
      if (!model) continue;
      for (const h of hostShims(model)) {
        const node = cluster.model.nodeSet.nodes[h.role === 'primary' ? 0 : 1].name;
        if (hosts.some((x) => x.service === cluster.model.name && x.address === h.address)) continue;
        hosts.push({
          service: cluster.model.name,
          role: `${h.role} (${node})`,
          address: h.address,
          folder: `snippets/${cluster.model.name}/${h.folder}`,
          command: ['idha', ...h.args].join(' '),
          notes: h.role === 'primary' ? dampingNote(model) : [],
        });
      }
    }
    for (const snip of cluster.snippets()) {
      const file = path.join(tmp, 'snippets', cluster.model.name, snip.fileName);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeSnippet(file, snip);
    }
    for (const w of cluster.warnings()) warnings.add(`${cluster.model.name}: ${w}`);
    estimates.push(...cluster.failoverEstimates());
  }
  for (const tier of built.webTiers) {
    for (const snip of tier.snippets()) {
      const file = path.join(tmp, 'snippets', tier.model.name, snip.fileName);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeSnippet(file, snip);
    }
    for (const w of tier.warnings()) warnings.add(`${tier.model.name}: ${w}`);
    for (const c of tier.balancerClusters) for (const w of c.warnings()) warnings.add(`${tier.model.name} (${c.model.name}): ${w}`);
    estimates.push(...tier.failoverEstimates());
  }
  // A topology rendered only to file-configured platforms (HAProxy) has no stack: drop the empty folder.
  const stacksDir = path.join(tmp, 'stacks');
  if (fs.existsSync(stacksDir) && fs.readdirSync(stacksDir).length === 0) fs.rmdirSync(stacksDir);
  const files = listFiles(tmp);
  // The lint rules check every renderer a second time: an error is a renderer's bug (nothing is
  // written); a warning comes from a choice in the topology and is printed with the others.
  // The IQService ports are the topology's own (none without a service: a Tomcat may use 5050).
  const check = selfCheck(tmp, files, [...new Set(built.pairs.flatMap((p) => p.pair.model.servicePorts))]);
  if (check.errors.length)
    throw new Error(
      `internal: identity-ha rendered output that its own lint rules refuse (a renderer bug: please report it with the topology):\n` +
        check.errors.map((f) => `  ${describeFinding(f)}`).join('\n'),
    );
  for (const f of check.warnings) warnings.add(`idha lint: ${describeFinding(f)}`);
  writeOwnerMarker(tmp, VERSION, files);
  const order = PLATFORMS.map((p) => p.platform);
  estimates.sort((a, b) => a.service.localeCompare(b.service) || order.indexOf(a.platform) - order.indexOf(b.platform));
  const stacks = built.stacks.map((s) => ({ name: s.node.id, state: describeState(s.node.id, topology.backend, options.outDir) }));
  return { files: [...files, OWNER_MARKER].sort(), estimates, warnings: [...warnings], stacks, hosts };
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
  return commitRendered(target, staging, rendered, hooks, options.strict);
}

export { formatEstimateTable } from './synth-client';

/** A snippet file: mode 0755 when it is a program (a script, an OCF agent), else the default. */
function writeSnippet(file: string, snip: Snippet): void {
  fs.writeFileSync(file, snip.content);
  if (snip.executable) fs.chmodSync(file, 0o755);
}
