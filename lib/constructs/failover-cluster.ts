import { TerraformStack } from '../framework/cdktf';
import { Construct } from 'constructs';
import { AddressKind, checkHostInSubnet, cidrContains, HostAddress, parseHostAddress } from '../core/address';
import { checkInteger, checkName, checkOneOf, checkPort } from '../core/checks';
import { scratchApp } from '../core/scratch-app';
import { Problem, Problems, problemsOf } from '../core/errors';
import { FailoverEstimate } from '../model/failover-estimate';
import { PoolMember } from '../model/ha-service-model';
import { Snippet } from '../model/snippet';
import {
  ClusterCheckKind,
  clusterStartupSeconds,
  FailoverClusterModel,
  IClusterTarget,
  Preemption,
  ResolvedClusterCheck,
} from '../model/cluster-model';
export {
  ClusterCheckKind,
  clusterCheckArgv,
  clusterHttpTimeoutSeconds,
  clusterStartupSeconds,
  FailoverClusterModel,
  IClusterTarget,
  Preemption,
  ResolvedClusterCheck,
} from '../model/cluster-model';
import { checkHealthUrl } from '../core/lang/url';
import { checkCommandWords } from '../core/lang/argv';

/** How each node's service is checked, by the cluster manager running `idha check` (or your command). */
export interface ClusterHealthCheckProps {
  /**
   * What `idha check` looks at on each node: an HTTP URL (Tomcat, httpd), a port watched without
   * connecting (IQService-like services, with hung detection), or a command of your own.
   * @default ClusterCheckKind.LISTENING on the first service port
   */
  readonly kind?: ClusterCheckKind;
  /** For `http`: the URL on each node; `{address}` is replaced by the node's address. */
  readonly url?: string;
  /** For `listening`: the port. @default - the first service port */
  readonly port?: number;
  /**
   * For `command`: the program and its arguments, separated by spaces. It is run directly, never by a
   * shell, so each word is literal: letters, digits and `_ @ % + = : , . / -` only. Put anything a
   * shell would do (pipes, quotes, variables) in a script and name the script's path.
   */
  readonly command?: string;
  /** Seconds between checks, 1-60. @default 2 */
  readonly intervalSeconds?: number;
  /** Failed checks before the node gives up the virtual IP, 1-10. @default 2 */
  readonly fall?: number;
  /** Good checks before the node may hold it again, 1-10. @default 2 */
  readonly rise?: number;
  /**
   * Seconds the service may take from its start to its first passing check (Tomcat deploying its
   * webapps), 10-3600. Failures in that time do not count: the Windows cluster's watcher starts with
   * this start period, and Pacemaker gives the service's start this timeout (its check never counts
   * failures against a node there: a starting node is only not healthy yet, as with keepalived).
   * @default 300
   */
  readonly startupSeconds?: number;
}

/** One node of a failover cluster. */
export interface ClusterNodeProps {
  /** Short name, unique in the cluster, e.g. `tomcat1`. */
  readonly name: string;
  /** The node's own IPv4 or IPv6 address (not the virtual IP). */
  readonly address: string;
}

/** An active/passive cluster: one node runs the service behind a virtual IP (or a cloud load balancer), the others stand by. */
export interface FailoverClusterProps {
  /**
   * The cluster's name: `snippets/<name>/` and the rendered resources.
   * @default - the construct id
   */
  readonly name?: string;
  /** Two or more nodes, the preferred one first: one active, the others hot standbys. */
  readonly nodes: ClusterNodeProps[];
  /**
   * The virtual IP clients use (IPv4 or IPv6), in the nodes' subnet. Required by the targets that
   * move it (keepalived, Pacemaker, Windows Server Failover Cluster); refused with a cloud load
   * balancer target, whose frontend address is the load balancer's.
   * @default - none (cloud targets only)
   */
  readonly virtualIp?: string;
  /**
   * Prefix length of the virtual IP's subnet (1-32 for IPv4, 1-128 for IPv6); every node must be in it.
   * @default - none (cloud targets only)
   */
  readonly prefixLength?: number;
  /** The ports of the service the cluster protects, e.g. [8080] for Tomcat. */
  readonly servicePorts: number[];
  /**
   * How each node's service is checked; a node whose check fails gives up the virtual IP.
   * @default - listening on the first service port, every 2 s, fall 2, rise 2
   */
  readonly healthCheck?: ClusterHealthCheckProps;
  /**
   * Whether the preferred node takes the virtual IP back once healthy: on (at once), off (the VIP
   * stays until its holder fails: one move per failure), or delayed (after preemptDelaySeconds).
   * @default Preemption.ON
   */
  readonly preemption?: Preemption;
  /** With Preemption.DELAYED: seconds of health before the preferred node takes the VIP back, 1-1000. @default 60 */
  readonly preemptDelaySeconds?: number;
  /** At least one. */
  readonly targets: IClusterTarget[];
}

/**
 * An active/passive failover cluster: two or more nodes, one of them holding a virtual IP and
 * running the service, the others hot standbys that take the VIP when the active node's service
 * fails its check. Renders keepalived (and more targets) as snippets. It is also what keeps the web
 * tier's balancer from being a single point of failure.
 */
export class FailoverCluster extends Construct {
  /** The problems `props` has, as data (empty when the cluster can be built). */
  public static validate(props: FailoverClusterProps): Problem[] {
    return problemsOf(() => new FailoverCluster(new TerraformStack(scratchApp(), 'validate'), props.name ?? 'cluster', props));
  }

  /** The platform-neutral model the targets render from. */
  public readonly model: FailoverClusterModel;
  /** The platforms the cluster is rendered for. */
  public readonly targets: IClusterTarget[];

  constructor(scope: Construct, id: string, props: FailoverClusterProps) {
    super(scope, id);
    const problems = new Problems();
    const model = FailoverCluster.buildModel(problems, props, id);
    this.targets = props.targets ?? [];
    if (this.targets.length === 0)
      problems.add({ field: 'targets', value: [], allowed: 'at least one target (keepalived, ...)', fix: 'add the platform to render' });
    const movers = this.targets.filter((t) => t?.movesVirtualIp).map((t) => t.platform);
    const balancers = this.targets.filter((t) => t && !t.movesVirtualIp).map((t) => t.platform);
    if (movers.length > 0 && balancers.length > 0) {
      problems.add({
        field: 'targets',
        value: [...movers, ...balancers],
        allowed: `targets that move a virtual IP (${movers.join(', ')}) or cloud load balancers (${balancers.join(', ')}), not both`,
        fix:
          'a cloud network does not carry gratuitous ARP, and a load-balanced cluster has no VIP of its own: describe the cloud nodes and ' +
          'the on-premises nodes as two clusters',
      });
    } else if (balancers.length > 0 && props.virtualIp !== undefined) {
      problems.add({
        field: 'virtualIp',
        value: props.virtualIp,
        allowed: `no virtual IP with ${balancers.join(' and ')}`,
        fix:
          `a VNet or VPC does not carry gratuitous ARP, so a bare VIP would never move: remove virtualIp and prefixLength; clients use ` +
          `the load balancer's frontend address (set it in the ${balancers.join('/')} target)`,
      });
    } else if (movers.length > 0 && props.virtualIp === undefined) {
      problems.add({
        field: 'virtualIp',
        value: undefined,
        allowed: `an IPv4 or IPv6 address in the nodes' subnet (${movers.join(' and ')} move it between the nodes)`,
        fix: 'add virtualIp and prefixLength',
      });
    }
    if (model && problems.isEmpty) for (const t of this.targets) t.validate(model, problems.under(`targets.${t.platform}`));
    problems.throwIfAny(`FailoverCluster "${props.name ?? id}"`);
    this.model = model!;
    for (const t of this.targets) t.render(this, this.model);
  }

  /** Every target's files. */
  public snippets(): Snippet[] {
    return this.targets.flatMap((t) => t.snippets(this.model));
  }

  /** What `idha synth` warns about: a setting a target cannot honour, or a known risk left open. */
  public warnings(): string[] {
    return this.targets.flatMap((t) => t.warnings(this.model));
  }

  /** Each target's worst-case failover and failback, as `idha synth` prints them. */
  public failoverEstimates(): FailoverEstimate[] {
    return this.targets.map((t) => t.estimate(this.model));
  }

  /** Checks `props` into the model; every problem goes to `problems`. */
  public static buildModel(problems: Problems, props: FailoverClusterProps, id: string): FailoverClusterModel | undefined {
    const before = problems.all.length;
    const name = props.name ?? id;
    checkName(problems, 'name', name, /^[a-z][a-z0-9-]{1,23}$/, 'lower-case letters, digits and hyphens, 2-24 characters, starting with a letter');
    const nodes = checkNodes(problems, props);
    const vip = checkVirtualIp(problems, props, nodes);
    const ports = checkServicePorts(problems, props);
    const check = checkHealthCheck(problems.under('healthCheck'), props.healthCheck ?? {}, ports);
    const { preemption, preemptDelaySeconds } = checkPreemption(problems, props);
    // The model is built only from checked values: none when a check above failed.
    if (problems.all.length > before) return undefined;
    return {
      name,
      nodeSet: { name, virtualIp: vip, nodes },
      prefixLength: props.prefixLength ?? 0,
      servicePorts: [...ports],
      check,
      preemption,
      preemptDelaySeconds,
    };
  }
}

/** Two or more nodes, each with a name and an IP address of its own; priority falls with the position. */
function checkNodes(problems: Problems, props: FailoverClusterProps): PoolMember[] {
  const nodes: PoolMember[] = [];
  const list = Array.isArray(props.nodes) ? props.nodes : [];
  if (list.length < 2)
    problems.add({
      field: 'nodes',
      value: list.length,
      allowed: 'two or more nodes',
      fix: 'a failover cluster needs a standby: add the second node',
    });
  const seen = new Map<string, string>();
  list.forEach((n, i) => {
    const f = `nodes[${i}]`;
    checkName(
      problems,
      `${f}.name`,
      n?.name,
      /^[a-z][a-z0-9-]{0,23}$/,
      'lower-case letters, digits and hyphens, up to 24 characters, starting with a letter',
    );
    if (seen.has(`name:${n?.name}`))
      problems.add({ field: `${f}.name`, value: n.name, allowed: `a name other than nodes[${seen.get(`name:${n.name}`)}]'s` });
    seen.set(`name:${n?.name}`, String(i));
    const a = parseHostAddress(problems, `${f}.address`, n?.address);
    if (!a) return;
    if (a.kind === AddressKind.DNS) {
      problems.add({
        field: `${f}.address`,
        value: n.address,
        allowed: 'an IPv4 or IPv6 address',
        fix: 'a cluster node is addressed directly (the VIP and unicast peers are addresses)',
      });
      return;
    }
    if (seen.has(`addr:${a.value}`))
      problems.add({
        field: `${f}.address`,
        value: n.address,
        allowed: `an address other than nodes[${seen.get(`addr:${a.value}`)}]'s`,
        fix: 'each node once',
      });
    seen.set(`addr:${a.value}`, String(i));
    nodes.push({ name: n.name, address: a, port: 0, priority: list.length - i });
  });
  return nodes;
}

/** The virtual IP and its prefix length: an IP address no node has, in a subnet that holds every node. */
function checkVirtualIp(problems: Problems, props: FailoverClusterProps, nodes: readonly PoolMember[]): HostAddress | undefined {
  const vip = props.virtualIp === undefined ? undefined : parseHostAddress(problems, 'virtualIp', props.virtualIp);
  const family = vip?.kind;
  const maxPrefix = family === AddressKind.IPV6 ? 128 : 32;
  if (props.virtualIp !== undefined) checkInteger(problems, 'prefixLength', props.prefixLength, 1, maxPrefix);
  else if (props.prefixLength !== undefined)
    problems.add({
      field: 'prefixLength',
      value: props.prefixLength,
      allowed: 'only with virtualIp',
      fix: 'remove prefixLength, or add the virtual IP it belongs to',
    });
  if (vip && vip.kind === AddressKind.DNS) problems.add({ field: 'virtualIp', value: props.virtualIp, allowed: 'an IPv4 or IPv6 address' });
  if (
    vip &&
    vip.kind !== AddressKind.DNS &&
    props.prefixLength !== undefined &&
    Number.isInteger(props.prefixLength) &&
    props.prefixLength >= 1 &&
    props.prefixLength <= maxPrefix
  ) {
    checkHostInSubnet(problems, 'virtualIp', vip, props.prefixLength);
    const subnet = `${vip.value}/${props.prefixLength}`;
    for (const [i, n] of nodes.entries()) {
      if (n.address.value === vip.value) {
        problems.add({
          field: 'virtualIp',
          value: props.virtualIp,
          allowed: `an address no node has (nodes[${i}] is ${n.address.value})`,
          fix: 'the virtual IP moves between the nodes: give it an address of its own in their subnet',
        });
      } else if (n.address.kind !== vip.kind || !cidrContains(subnet, `${n.address.value}/${maxPrefix}`)) {
        problems.add({
          field: 'virtualIp',
          value: `${props.virtualIp}/${props.prefixLength}`,
          allowed: `a subnet that holds every node (nodes[${i}], ${n.address.value}, is outside it)`,
          fix:
            "a VIP moves by gratuitous ARP / neighbour advertisement, which only works inside the nodes' subnet; in a cloud VNet or VPC " +
            'use a load balancer target instead',
        });
      }
    }
  }
  return vip;
}

/** One or more service ports, each once. */
function checkServicePorts(problems: Problems, props: FailoverClusterProps): number[] {
  const ports = Array.isArray(props.servicePorts) ? props.servicePorts : [];
  if (ports.length === 0)
    problems.add({
      field: 'servicePorts',
      value: props.servicePorts,
      allowed: 'one or more ports',
      fix: 'the ports of the service the cluster protects, e.g. [8080] for Tomcat',
    });
  ports.forEach((p, i) => {
    if (!checkPort(problems, `servicePorts[${i}]`, p)) return;
    const first = ports.indexOf(p);
    if (first < i)
      problems.add({
        field: `servicePorts[${i}]`,
        value: p,
        allowed: `a port not already listed at servicePorts[${first}]`,
        fix: 'list each port once',
      });
  });
  return ports;
}

/** The nodes' health check (`hp` is the view under `healthCheck`): its kind, and only that kind's keys, within range. */
function checkHealthCheck(hp: Problems, h: ClusterHealthCheckProps, ports: readonly number[]): ResolvedClusterCheck {
  const kind = h.kind ?? ClusterCheckKind.LISTENING;
  checkOneOf(hp, 'kind', kind, Object.values(ClusterCheckKind));
  const commandArgv =
    kind === ClusterCheckKind.COMMAND
      ? checkCommandWords(
          hp,
          'command',
          h.command,
          '/usr/local/bin/check-tomcat.sh',
          'put pipes, quotes and variables in a script of your own and name its path, e.g. /usr/local/bin/check-tomcat.sh',
        )
      : undefined;
  const check: ResolvedClusterCheck = {
    kind,
    url: h.url,
    command: h.command,
    commandArgv,
    port: kind === ClusterCheckKind.LISTENING ? (h.port ?? ports[0]) : undefined,
    intervalSeconds: h.intervalSeconds ?? 2,
    fall: h.fall ?? 2,
    rise: h.rise ?? 2,
    startupSeconds: h.startupSeconds ?? 300,
  };
  // A key of another kind would be dropped without a word: refuse it, naming the kind it belongs to.
  const belongs: Record<string, ClusterCheckKind> = {
    url: ClusterCheckKind.HTTP,
    port: ClusterCheckKind.LISTENING,
    command: ClusterCheckKind.COMMAND,
  };
  for (const [key, owner] of Object.entries(belongs)) {
    if ((h as Record<string, unknown>)[key] !== undefined && owner !== kind && Object.values(ClusterCheckKind).includes(kind)) {
      hp.add({
        field: key,
        value: (h as Record<string, unknown>)[key],
        allowed: `no ${key} with kind "${kind}" (${key} belongs to kind "${owner}")`,
        fix: `remove ${key}, or set kind: ${owner}`,
      });
    }
  }
  if (kind === ClusterCheckKind.HTTP) checkHealthUrl(hp, 'url', h.url);
  if (kind === ClusterCheckKind.LISTENING && check.port !== undefined) checkPort(hp, 'port', check.port);
  checkInteger(hp, 'intervalSeconds', check.intervalSeconds, 1, 60);
  checkInteger(hp, 'fall', check.fall, 1, 10);
  checkInteger(hp, 'rise', check.rise, 1, 10);
  checkInteger(hp, 'startupSeconds', clusterStartupSeconds({ check }), 10, 3600);
  return check;
}

/** Whether, and when, the preferred node takes the virtual IP back. */
function checkPreemption(problems: Problems, props: FailoverClusterProps): { preemption: Preemption; preemptDelaySeconds: number } {
  const preemption = props.preemption ?? Preemption.ON;
  checkOneOf(problems, 'preemption', preemption, Object.values(Preemption));
  const preemptDelaySeconds = props.preemptDelaySeconds ?? 60;
  if (props.preemptDelaySeconds !== undefined && preemption !== Preemption.DELAYED) {
    problems.add({
      field: 'preemptDelaySeconds',
      value: props.preemptDelaySeconds,
      allowed: 'only with preemption: "delayed"',
      fix: 'set preemption: "delayed", or remove preemptDelaySeconds',
    });
  }
  checkInteger(problems, 'preemptDelaySeconds', preemptDelaySeconds, 1, 1000);
  return { preemption, preemptDelaySeconds };
}
