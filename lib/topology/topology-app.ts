import { scratchApp } from '../core/scratch-app';
import { ClaimHolder, claimProblems } from './claims';
import { FailoverCluster } from '../constructs/failover-cluster';
import { App, TerraformStack } from '../framework/cdktf';
import { Construct } from 'constructs';
import { IdhaValidationError, Problems } from '../core/errors';
import { IqServiceHaPair } from '../constructs/iqservice-ha-pair';
import { CLUSTER_PLATFORMS, PLATFORMS, platformIds, TopologyTargetEntry, WEB_PLATFORMS } from './registry';
import { HaWebTier } from '../constructs/ha-web-tier';
import { TopologyDocument, TopologyService } from './topology';
import { addStateBackend, localStateInsideOutputProblems, stateBackendProblems } from './state-backend';

/** One synthesized pair: the service it came from and its platform. */
export interface BuiltPair {
  readonly service: string;
  readonly platform: string;
  readonly pair: IqServiceHaPair;
}

export interface TopologyApp {
  readonly app: App;
  readonly stacks: TerraformStack[];
  readonly pairs: BuiltPair[];
  readonly clusters: FailoverCluster[];
  readonly webTiers: HaWebTier[];
}

export interface BuildOptions {
  /** Platforms to render; others in the topology are skipped. @default - all in the topology */
  readonly platforms?: readonly string[];
  /** cdktf output folder. */
  readonly outdir: string;
  /**
   * The output folder the stacks end up in, when `outdir` is a staging folder; a local state
   * folder inside it is refused. @default - no such check
   */
  readonly outputFolder?: string;
}

/** Checks a `--platform` list against the known platforms. */
export function checkPlatforms(platforms: readonly string[] | undefined): void {
  if (!platforms) return;
  const known = [...new Set([...platformIds(), ...CLUSTER_PLATFORMS.map((c) => c.platform), ...WEB_PLATFORMS.map((w) => w.platform)])];
  const bad = platforms.filter((p) => !known.includes(p));
  if (bad.length > 0) {
    throw new IdhaValidationError(
      bad.map((p) => ({ field: '--platform', value: p, allowed: `one or more of ${known.join(', ')}`, fix: 'separate several with commas' })),
    );
  }
}

/** Each service's name once: it names the rendered resources. */
function checkServiceNames(problems: Problems, topology: TopologyDocument): void {
  const names = new Map<string, number>();
  topology.services.forEach((s, i) => {
    if (names.has(s.name)) {
      problems.under(`services[${i}]`).add({
        field: 'name',
        value: s.name,
        allowed: `a name not used by services[${names.get(s.name)}]`,
        fix: 'service names name the rendered resources; make them unique',
      });
    }
    names.set(s.name, i);
  });
}

/**
 * Builds a cdktf App from a topology: one stack per platform (`<name>-<platform>`), each with its
 * provider and its state backend (local state beside the output folder by default), holding one IqServiceHaPair per service. Every problem in
 * every service is collected before anything is thrown.
 */
export function buildTopologyApp(topology: TopologyDocument, options: BuildOptions): TopologyApp {
  checkPlatforms(options.platforms);
  const problems = new Problems();
  checkServiceNames(problems, topology);
  const backendProblems = stateBackendProblems(topology.backend);
  if (backendProblems.length === 0 && options.outputFolder !== undefined)
    backendProblems.push(...localStateInsideOutputProblems(topology.backend, options.outputFolder));
  for (const p of backendProblems) problems.add(p);
  const prefix = topology.name ?? 'identity-ha';
  const wanted = PLATFORMS.filter((p) => !options.platforms || options.platforms.includes(p.platform));
  const app = new App({ outdir: options.outdir, skipValidation: false });
  const stacks: TerraformStack[] = [];
  const pairs: BuiltPair[] = [];
  const serviceIndex = new Map<IqServiceHaPair, number>();
  let rendered = 0;
  // A second service of the same name is reported by crossServiceProblems and not built (its
  // constructs would clash with the first one's in the stack).
  const firstOfName = new Map<unknown, number>();
  topology.services.forEach((s, i) => {
    if (!firstOfName.has(s.name)) firstOfName.set(s.name, i);
  });
  const stackMemo = new Map<string, TerraformStack>();
  /** The platform's stack, shared by its services and clusters (created on first use, with its provider and backend). */
  const stackFor: StackFor = (platform, addProvider) => {
    const known = stackMemo.get(platform);
    if (known) return known;
    const stackName = `${prefix}-${platform}`;
    let stack: TerraformStack;
    if (addProvider) {
      stack = new TerraformStack(app, stackName);
      if (backendProblems.length === 0) addStateBackend(stack, topology.backend);
      addProvider(stack, topology.providers ?? {});
      stacks.push(stack);
    } else {
      // Configured by file only: the pair still validates and yields snippets, but no stack is written.
      stack = new TerraformStack(new App({ outdir: options.outdir, skipValidation: true }), stackName);
    }
    stackMemo.set(platform, stack);
    return stack;
  };
  for (const entry of wanted) {
    const services = topology.services
      .map((s, i) => ({ s, i }))
      .filter(({ s, i }) => s.targets[entry.platform] !== undefined && firstOfName.get(s.name) === i);
    if (services.length === 0) continue;
    const stack = stackFor(entry.platform, entry.addProvider);
    rendered++;
    for (const { s, i } of services) {
      try {
        const pair = pairFromService(stack, s, entry.platform);
        serviceIndex.set(pair, i);
        pairs.push({ service: s.name, platform: entry.platform, pair });
      } catch (e) {
        if (!(e instanceof IdhaValidationError)) throw e;
        // The pair's serviceName is the file's `name`: print the key the user can find.
        for (const p of e.problems) problems.under(`services[${i}]`).add({ ...p, field: p.field.replace(/^serviceName\b/, 'name') });
      }
    }
  }
  // What each target takes in a shared namespace (an F5 tenant, NSG priorities, a DNS name, a VRRP
  // id): one generic check, from what the targets declare.
  const holders: ClaimHolder[] = pairs.map(({ pair, platform }) => ({
    path: `services[${serviceIndex.get(pair)}].targets.${platform}`,
    claims: pair.targets.flatMap((t) => t.claims(pair.model)),
  }));
  const clusters = buildClusters(holders, topology, options.platforms, problems, stackFor);
  const webTiers = buildWebTiers(holders, topology, options.platforms, problems, stackFor);
  for (const p of claimProblems(holders)) problems.add(p);
  const clusterPlatforms = [...(topology.clusters ?? []), ...(topology.webTiers ?? [])].flatMap((c) => Object.keys(c.targets ?? {}));
  const clustersWanted = clusterPlatforms.filter((k) => !options.platforms || options.platforms.includes(k)).length;
  if (topology.services.length === 0 && (topology.clusters ?? []).length === 0 && (topology.webTiers ?? []).length === 0) {
    problems.add({
      field: 'services',
      value: undefined,
      allowed: 'at least one service, cluster or web tier to synthesize',
      fix: topology.sessionFailover
        ? 'this topology holds only sessionFailover: run idha peers --config <file>'
        : 'add services:, clusters: or webTiers:',
    });
  } else if (rendered === 0 && clustersWanted === 0) {
    problems.add({
      field: '--platform',
      value: options.platforms?.join(','),
      allowed:
        `a platform that some service or cluster has under targets ` +
        `(${[...new Set([...topology.services.flatMap((s) => Object.keys(s.targets)), ...clusterPlatforms])].join(', ')})`,
    });
  }
  if (!problems.isEmpty) {
    // Report each problem once (a service rendered to three platforms fails its shared checks three times).
    const seen = new Set<string>();
    throw new IdhaValidationError(
      problems.all.filter((p) => {
        const k = `${p.field}|${p.allowed}`;
        return seen.has(k) ? false : (seen.add(k), true);
      }),
      'topology',
    );
  }
  return { app, stacks, pairs, clusters, webTiers };
}

/** The stack of a platform's Terraform, made with its provider the first time it is asked for. */
type StackFor = (platform: string, addProvider: TopologyTargetEntry<unknown>['addProvider']) => TerraformStack;

/**
 * Builds each cluster (checks included); problems go to `problems` under `clusters[i]`. Targets
 * rendered as files share one construct in a scratch App; each cloud target gets its own construct in
 * its platform's stack (`<name>-azure`, `<name>-aws`), beside the services'.
 */
function buildClusters(
  holders: ClaimHolder[],
  topology: TopologyDocument,
  platforms: readonly string[] | undefined,
  problems: Problems,
  stackFor: StackFor,
): FailoverCluster[] {
  const built: FailoverCluster[] = [];
  const firstOfName = new Map<string, number>();
  (topology.clusters ?? []).forEach((c, i) => {
    if (firstOfName.has(c.name)) {
      problems.under(`clusters[${i}]`).add({
        field: 'name',
        value: c.name,
        allowed: `a name not used by clusters[${firstOfName.get(c.name)}]`,
        fix: 'cluster names name the output folder snippets/<name>/ and the rendered resources',
      });
      return;
    }
    firstOfName.set(c.name, i);
    const clash = topology.services.findIndex((s) => s.name === c.name);
    if (clash >= 0) {
      problems.under(`clusters[${i}]`).add({
        field: 'name',
        value: c.name,
        allowed: `a name not used by services[${clash}]`,
        fix: 'both write to snippets/<name>/: give the cluster a name of its own',
      });
      return;
    }
    const blocks = (c.targets ?? {}) as Record<string, unknown>;
    const keys = Object.keys(blocks).filter((k) => !platforms || platforms.includes(k));
    if (keys.length === 0) return;
    const entries = keys.map((k) => CLUSTER_PLATFORMS.find((e) => e.platform === k)!);
    // One construct for the file targets; one per cloud target, in that platform's stack. Checks
    // that need every target (a VIP target beside a cloud one) see them all in the first build.
    const groups: Array<{ scope: Construct; entries: typeof entries }> = [];
    const fileEntries = entries.filter((e) => !e.addProvider);
    const cloudEntries = entries.filter((e) => e.addProvider);
    if (fileEntries.length > 0 && cloudEntries.length > 0) groups.push({ scope: scratchApp(), entries });
    else {
      if (fileEntries.length > 0) groups.push({ scope: scratchApp(), entries: fileEntries });
      for (const e of cloudEntries) groups.push({ scope: stackFor(e.platform, e.addProvider), entries: [e] });
    }
    for (const g of groups) {
      try {
        const cluster = new FailoverCluster(g.scope, `cluster-${c.name}`, {
          ...c,
          targets: g.entries.map((e) => e.fromTopology(blocks[e.platform])),
        });
        built.push(cluster);
        for (const t of cluster.targets) holders.push({ path: `clusters[${i}].targets.${t.platform}`, claims: t.claims(cluster.model) });
      } catch (e) {
        if (!(e instanceof IdhaValidationError)) throw e;
        for (const p of e.problems) problems.under(`clusters[${i}]`).add(p);
        break;
      }
    }
  });
  return built;
}

/**
 * Builds each web tier; problems go under `webTiers[i]`. The targets rendered as files (with the
 * standby balancer) share one construct in a scratch App; each cloud target gets its own construct
 * in its platform's stack.
 */
function buildWebTiers(
  holders: ClaimHolder[],
  topology: TopologyDocument,
  platforms: readonly string[] | undefined,
  problems: Problems,
  stackFor: StackFor,
): HaWebTier[] {
  const built: HaWebTier[] = [];
  const taken = new Map<string, string>();
  topology.services.forEach((x, i) => taken.set(x.name, `services[${i}]`));
  (topology.clusters ?? []).forEach((x, i) => {
    if (!taken.has(x.name)) taken.set(x.name, `clusters[${i}]`);
  });
  (topology.webTiers ?? []).forEach((w, i) => {
    if (taken.has(w.name)) {
      problems.under(`webTiers[${i}]`).add({
        field: 'name',
        value: w.name,
        allowed: `a name not used by ${taken.get(w.name)}`,
        fix: 'both would write to snippets/<name>/: give the web tier a name of its own',
      });
      return;
    }
    taken.set(w.name, `webTiers[${i}]`);
    const blocks = (w.targets ?? {}) as Record<string, unknown>;
    const entries = Object.keys(blocks)
      .filter((k) => !platforms || platforms.includes(k))
      .map((k) => WEB_PLATFORMS.find((e) => e.platform === k)!);
    if (entries.length === 0) return;
    const sb = w.balancerStandby;
    const standby = sb
      ? {
          ...sb,
          targets: Object.keys(sb.targets ?? {}).map((k) =>
            CLUSTER_PLATFORMS.find((e) => e.platform === k)!.fromTopology((sb.targets as Record<string, unknown>)[k]),
          ),
        }
      : undefined;
    const fileEntries = entries.filter((e) => !e.addProvider);
    const groups: Array<{ scope: Construct; entries: typeof entries; standby: boolean }> = [];
    if (fileEntries.length > 0) groups.push({ scope: scratchApp(), entries: fileEntries, standby: true });
    for (const e of entries.filter((x) => x.addProvider))
      groups.push({ scope: stackFor(e.platform, e.addProvider), entries: [e], standby: fileEntries.length === 0 });
    for (const g of groups) {
      try {
        const tier = new HaWebTier(g.scope, `web-${w.name}`, {
          ...w,
          balancerStandby: g.standby ? standby : undefined,
          targets: g.entries.map((e) => e.fromTopology(blocks[e.platform])),
        });
        built.push(tier);
        for (const t of tier.targets) holders.push({ path: `webTiers[${i}].targets.${t.platform}`, claims: t.claims(tier.model) });
        // One standby set per on-host balancer, each an alternative of the others: one holder.
        for (const c of tier.balancerClusters)
          for (const t of c.targets) holders.push({ path: `webTiers[${i}].balancerStandby.targets.${t.platform}`, claims: t.claims(c.model) });
      } catch (e) {
        if (!(e instanceof IdhaValidationError)) throw e;
        for (const p of e.problems) problems.under(`webTiers[${i}]`).add(p);
      }
    }
  });
  return built;
}

/** Creates the pair construct for one service and one platform. */
export function pairFromService(scope: Construct, s: TopologyService, platform: string): IqServiceHaPair {
  const entry = PLATFORMS.find((p) => p.platform === platform)!;
  return new IqServiceHaPair(scope, s.name, {
    serviceName: s.name,
    primary: s.primary,
    secondary: s.secondary,
    port: s.port,
    tlsPort: s.tlsPort,
    allowedClients: s.allowedClients,
    probe: s.probe,
    strategy: s.strategy,
    idleTimeoutMinutes: s.idleTimeoutMinutes,
    onFailover: s.onFailover,
    onFailback: s.onFailback,
    sidecarMode: s.sidecarMode,
    targets: [entry.fromTopology(s.targets[platform])],
  });
}
