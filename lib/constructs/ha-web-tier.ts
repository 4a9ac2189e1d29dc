import { TerraformStack } from '../framework/cdktf';
import { Construct } from 'constructs';
import { AddressKind, parseCidr, parseHostAddress } from '../core/address';
import { checkInteger, checkName, checkPort } from '../core/checks';
import { checkPath } from '../core/lang/url';
import { Problem, Problems, problemsOf } from '../core/errors';
import { scratchApp } from '../core/scratch-app';
import { ClusterCheckKind, ClusterNodeProps, FailoverCluster, IClusterTarget, Preemption } from './failover-cluster';
import { FailoverEstimate } from '../model/failover-estimate';
import { ListenerProtocol, PoolSelection } from '../model/ha-service-model';
import { HttpHealthCheck, IWebTierTarget, WebPool, WebPoolMember, WebTierModel } from '../model/web-tier-model';
import { Snippet } from '../model/snippet';
export { IWebTierTarget, urlHost } from '../model/web-tier-model';
import { StandbyHostFiles, webTierHostPlan } from '../hosts/web-host-plan';

/** One Tomcat. */
export interface TomcatNodeProps {
  /** Short name, unique in the tier, e.g. `tomcat1`. */
  readonly name: string;
  /** The node's address (IPv4, IPv6, or a DNS name for the httpd and HAProxy targets). */
  readonly address: string;
  /** Tomcat's HTTP connector port. @default 8080 */
  readonly httpPort?: number;
  /** Tomcat's AJP 1.3 connector port (mod_jk). @default 8009 */
  readonly ajpPort?: number;
  /** Tomcat's `jvmRoute` on the Engine, the suffix of its session ids. @default - the node's name */
  readonly jvmRoute?: string;
  /**
   * `maxConnections` of the AJP connector, 1-65535. Each httpd worker thread may hold one AJP
   * connection to every Tomcat, so mod_jk warns where this is below the httpd's MaxRequestWorkers.
   * @default 8192 (Tomcat's own default)
   */
  readonly ajpMaxConnections?: number;
}

/** One application with a pool of its own. */
export interface WebApplicationProps {
  /** Short name, e.g. `operator` or `selfservice`: names its pool, worker and backend. */
  readonly name: string;
  /** Context paths routed to the pool, e.g. `["/identity"]`. */
  readonly paths: string[];
  /** The path each balancer requests on each node to check it, e.g. `/identity/health`; healthy on 2xx. A path, not a URL. */
  readonly healthPath: string;
  /**
   * The nodes that serve it (the "separated" setup gives each application its own).
   * @default - every node that is not one of its standbyNodes
   */
  readonly nodes?: string[];
  /**
   * Hot standbys: nodes that get its traffic only while every one of its active nodes is down.
   * @default - none
   */
  readonly standbyNodes?: string[];
}

/** The balancers' HTTP health check of each application on each node. */
export interface WebHealthCheckProps {
  /** Seconds between checks, 1-60. @default 5 */
  readonly intervalSeconds?: number;
  /** Seconds to wait for an answer, 1 to intervalSeconds - 1 (at least 1). @default 3 */
  readonly timeoutSeconds?: number;
  /** Failed checks before a node is taken out, 1-10. @default 2 */
  readonly fall?: number;
  /** Good checks before it is taken back, 1-10. @default 2 */
  readonly rise?: number;
}

/** Two or more balancer hosts (httpd or HAProxy) in active/standby, so the balancer is no single point of failure. */
export interface BalancerStandbyProps {
  /** The balancer hosts, the preferred one first. */
  readonly nodes: ClusterNodeProps[];
  /** The virtual IP clients use, in the balancer hosts' subnet. */
  readonly virtualIp: string;
  /** Prefix length of the virtual IP's subnet; both balancer hosts must be in it. */
  readonly prefixLength: number;
  /**
   * Whether the first balancer host takes the virtual IP back when it is healthy again.
   * @default Preemption.ON
   */
  readonly preemption?: Preemption;
  /** With Preemption.DELAYED. @default 60 */
  readonly preemptDelaySeconds?: number;
  /** keepalived, Pacemaker or Windows Server Failover Cluster; the check is `idha check --http` on the balancer's own status page. */
  readonly targets: IClusterTarget[];
}

/** An HA web tier: Tomcats behind a balancer, one pool per application, with sticky sessions and hot standbys. */
export interface HaWebTierProps {
  /**
   * The tier's name: `snippets/<name>/` and the rendered resources.
   * @default - the construct id
   */
  readonly name?: string;
  /** Every Tomcat of the tier. */
  readonly nodes: TomcatNodeProps[];
  /** One or more applications, each with its own pool. */
  readonly applications: WebApplicationProps[];
  /**
   * The balancers' HTTP health check of each Tomcat.
   * @default - every 5 s, timeout 3 s, fall 2, rise 2
   */
  readonly healthCheck?: WebHealthCheckProps;
  /** The port the balancer listens on for clients. @default 80 */
  readonly frontendPort?: number;
  /**
   * Idle seconds after which Tomcat closes an AJP connection (the AJP connector's
   * `connectionTimeout`); mod_jk's `connection_pool_timeout` is set to match, 1-86400.
   * @default 600
   */
  readonly connectionTimeoutSeconds?: number;
  /**
   * The longest a balancer waits for a Tomcat's response to a request, 1-86400 s; a request that
   * takes longer gets 504. HAProxy `timeout server`, mod_proxy_balancer's member `timeout` (with
   * `failontimeout`), mod_jk's `reply_timeout`, Application Gateway's `requestTimeout`. mod_proxy_hcheck
   * has no timeout of its own and uses this one, so it is also how long a hung Tomcat stays in
   * rotation behind mod_proxy_balancer; mod_jk (CPing) and HAProxy (`timeout check`) take it out
   * after the health check's timeout.
   * @default 60
   */
  readonly responseTimeoutSeconds?: number;
  /** Client CIDR blocks allowed to reach the balancer; cloud targets need them. @default - none */
  readonly allowedClients?: string[];
  /** A standby balancer host, through a failover cluster. @default - none: one balancer */
  readonly balancerStandby?: BalancerStandbyProps;
  /** At least one. */
  readonly targets: IWebTierTarget[];
}

/** 2-24 characters; no `--`, which would make two names' worker and section names meet (`a--b` + `c` and `a` + `b--c`). */
const NAME = /^(?!.*--)[a-z][a-z0-9-]{0,22}[a-z0-9]$/;
const ROUTE = /^[A-Za-z0-9_]{1,32}$/;

/**
 * Application names a consumer gives a meaning: mod_jk's node workers are `node__<node>` (an
 * application `node` would have members of the same names, and httpd refuses to start), and its
 * status worker is `jkstatus` (an application of that name would be served by the status page).
 */
export const RESERVED_APPLICATION_NAMES: Readonly<Record<string, string>> = {
  node: "mod_jk: the Tomcats' own workers are named node__<node>, and this application's members would have the same names",
  jkstatus: 'mod_jk: the status worker is named jkstatus; this application would be served by the status page',
};

/** Two paths collide when they are equal or one is the other's prefix at a segment boundary. */
function pathsCollide(a: string, b: string): boolean {
  const x = a.replace(/\/+$/, '') || '/';
  const y = b.replace(/\/+$/, '') || '/';
  if (x === y) return true;
  const [s, l] = x.length < y.length ? [x, y] : [y, x];
  return s === '/' || l.startsWith(`${s}/`);
}

/**
 * An HA web tier: Tomcats behind a balancer (Apache httpd + mod_jk, mod_proxy_balancer, HAProxy, an
 * ALB, an Application Gateway, F5), one pool per application, sticky sessions by `JSESSIONID` and
 * the node's `jvmRoute`, hot standbys that serve only when every active node of their pool is down,
 * and optionally a standby balancer host through a {@link FailoverCluster}.
 */
export class HaWebTier extends Construct {
  /** The problems `props` has, as data (empty when the tier can be built). */
  public static validate(props: HaWebTierProps): Problem[] {
    return problemsOf(() => new HaWebTier(new TerraformStack(scratchApp(), 'validate'), props.name ?? 'web', props));
  }

  /** The platform-neutral model the targets render from. */
  public readonly model: WebTierModel;
  /** The balancers the tier is rendered for. */
  public readonly targets: IWebTierTarget[];
  /**
   * The balancer hosts as a failover cluster, one per balancer of the tier that runs on them
   * (mod-jk, mod-proxy-balancer, haproxy), each checking that balancer's own status page: install the
   * set of the balancer your hosts run. Empty without `balancerStandby`.
   */
  public readonly balancerClusters: FailoverCluster[] = [];
  /** The first of {@link balancerClusters}, when `balancerStandby` is given. */
  public readonly balancerCluster?: FailoverCluster;

  constructor(scope: Construct, id: string, props: HaWebTierProps) {
    super(scope, id);
    const problems = new Problems();
    const model = HaWebTier.buildModel(problems, props, id);
    this.targets = props.targets ?? [];
    if (this.targets.length === 0)
      problems.add({
        field: 'targets',
        value: [],
        allowed: 'at least one target (mod-jk, mod-proxy-balancer, haproxy, ...)',
        fix: 'add the balancer to render',
      });
    if (model && problems.isEmpty) for (const t of this.targets) t.validate(model, problems.under(`targets.${t.platform}`));
    const sb = props.balancerStandby;
    const hosts = this.targets.filter((t) => t?.balancerStatusPath !== undefined);
    if (sb && hosts.length === 0) {
      problems.add({
        field: 'balancerStandby',
        value: this.targets.map((t) => t?.platform),
        allowed: 'a balancer that runs on your hosts (mod-jk, mod-proxy-balancer, haproxy)',
        fix: 'a cloud balancer is highly available by itself: remove balancerStandby',
      });
    }
    problems.throwIfAny(`HaWebTier "${props.name ?? id}"`);
    this.model = model!;
    // One set per on-host balancer, each checking its own status page: a page of another balancer
    // answers 404 or 503 there, and every node would give up the VIP.
    if (sb) {
      for (const h of hosts) {
        try {
          this.balancerClusters.push(
            new FailoverCluster(this, `balancer-${h.platform}`, {
              name: `${this.model.name}-lb`.slice(0, 24).replace(/-+$/, ''),
              nodes: sb.nodes,
              virtualIp: sb.virtualIp,
              prefixLength: sb.prefixLength,
              servicePorts: [this.model.frontendPort],
              healthCheck: {
                kind: ClusterCheckKind.HTTP,
                url: `http://{address}:${this.model.frontendPort}${h.balancerStatusPath}`,
                intervalSeconds: 2,
                fall: 2,
                rise: 2,
              },
              preemption: sb.preemption,
              preemptDelaySeconds: sb.preemptDelaySeconds,
              targets: sb.targets,
            }),
          );
        } catch (e) {
          for (const x of problemsOf(() => {
            throw e;
          }))
            problems.add({ ...x, field: `balancerStandby.${x.field}` });
          problems.throwIfAny(`HaWebTier "${this.model.name}"`);
        }
      }
      this.balancerCluster = this.balancerClusters[0];
    }
    for (const t of this.targets) t.render(this, this.model);
  }

  /** Every target's files, and the standby balancer's under `balancer/`. */
  public snippets(): Snippet[] {
    // Every HTTP target writes the same Tomcat connector files: each once.
    const byName = new Map<string, Snippet>();
    for (const s of this.targets.flatMap((t) => t.snippets(this.model))) byName.set(s.fileName, s);
    const standby = this.balancerSets().flatMap(([platform, c]) =>
      c.snippets().map((s) => ({ ...s, fileName: `balancer/${platform}/${s.fileName}` })),
    );
    const steps = this.targets.flatMap((t) => t.hostSteps(this.model) ?? []);
    const nodes = this.balancerClusters[0]?.model.nodeSet.nodes.map((n) => ({ name: n.name, address: n.address.value }));
    const files = (platform: string, node: string): StandbyHostFiles | undefined => {
      const mine = standby.filter((s) => s.fileName.startsWith(`balancer/${platform}/`)).filter((s) => s.node === undefined || s.node === node);
      const cluster = mine[0]?.fileName.split('/')[2];
      return cluster ? { platform: cluster, files: mine.map((s) => ({ fileName: s.fileName, content: s.content })) } : undefined;
    };
    const plan = webTierHostPlan(
      this.model,
      steps,
      [...byName.keys()].filter((f) => f.startsWith('tomcat/')),
      nodes ? { nodes, files } : undefined,
    );
    return [...byName.values(), ...standby, ...plan];
  }

  /** Each on-host balancer's platform beside its standby set. */
  private balancerSets(): Array<[string, FailoverCluster]> {
    const hosts = this.targets.filter((t) => t.balancerStatusPath !== undefined);
    return this.balancerClusters.map((c, i) => [hosts[i].platform, c]);
  }

  /** What `idha synth` warns about: a setting a balancer renders differently, or a known risk left open. */
  public warnings(): string[] {
    return this.targets.flatMap((t) => t.warnings(this.model));
  }

  /** The estimates `idha synth` prints: a node's failure, and the standby balancer's. */
  public failoverEstimates(): FailoverEstimate[] {
    return [
      ...this.targets.map((t) => t.estimate(this.model)),
      ...this.balancerSets().flatMap(([platform, c]) =>
        c.failoverEstimates().map((e) => ({ ...e, service: `${this.model.name} balancer (${platform})` })),
      ),
    ];
  }

  /** Checks `props` into the model; every problem goes to `problems`. */
  public static buildModel(problems: Problems, props: HaWebTierProps, id: string): WebTierModel | undefined {
    const before = problems.all.length;
    const name = props.name ?? id;
    checkName(problems, 'name', name, NAME, 'lower-case letters, digits and hyphens, 2-24 characters, starting with a letter, no "--"');
    const nodes = checkTomcats(problems, props);
    const health = checkWebHealthCheck(problems.under('healthCheck'), props.healthCheck ?? {});
    const pools = checkApplications(problems, props, nodes, health);
    const { frontendPort, connectionTimeoutSeconds, responseTimeoutSeconds, allowedClients } = checkFrontend(problems, props);
    const stickiness = { cookieName: 'JSESSIONID' };
    // The model is built only from checked values: none when a check above failed.
    if (problems.all.length > before) return undefined;
    return {
      name,
      nodes,
      pools,
      frontendPort,
      connectionTimeoutSeconds,
      responseTimeoutSeconds,
      allowedClients,
      stickiness,
      listeners: pools.map((p) => ({
        name: p.name,
        port: frontendPort,
        protocol: ListenerProtocol.HTTP,
        poolName: p.name,
        paths: p.paths,
        stickiness,
      })),
    };
  }
}

/** One or more Tomcats, each with a name, an address, ports and a route of its own. */
function checkTomcats(problems: Problems, props: HaWebTierProps): WebPoolMember[] {
  const list = Array.isArray(props.nodes) ? props.nodes : [];
  if (list.length === 0) problems.add({ field: 'nodes', value: props.nodes, allowed: 'one or more Tomcat nodes' });
  const nodes: WebPoolMember[] = [];
  const seen = new Map<string, number>();
  const once = (key: string, i: number, field: string, value: unknown, what: string, fix: string) => {
    if (seen.has(key)) problems.add({ field, value, allowed: `${what} other than nodes[${seen.get(key)}]'s`, fix });
    else seen.set(key, i);
  };
  list.forEach((n, i) => {
    const f = `nodes[${i}]`;
    checkName(
      problems,
      `${f}.name`,
      n?.name,
      /^(?!.*--)[a-z][a-z0-9-]{0,23}$/,
      'lower-case letters, digits and hyphens, up to 24 characters, starting with a letter, no "--"',
    );
    once(`name:${n?.name}`, i, `${f}.name`, n?.name, 'a name', 'each node once');
    const address = parseHostAddress(problems, `${f}.address`, n?.address);
    const httpPort = n?.httpPort ?? 8080;
    const ajpPort = n?.ajpPort ?? 8009;
    checkPort(problems, `${f}.httpPort`, httpPort);
    checkPort(problems, `${f}.ajpPort`, ajpPort);
    if (ajpPort === httpPort)
      problems.add({
        field: `${f}.ajpPort`,
        value: ajpPort,
        allowed: `a port other than httpPort (${httpPort})`,
        fix: "Tomcat's AJP and HTTP connectors listen on ports of their own (8009 and 8080 by default)",
      });
    const route = n?.jvmRoute ?? n?.name;
    if (typeof route !== 'string' || !ROUTE.test(route)) {
      problems.add({
        field: `${f}.jvmRoute`,
        value: route,
        allowed: 'letters, digits and underscores, 1-32 characters',
        fix:
          "it becomes the suffix of session ids (<id>.<jvmRoute>) and mod_jk's route; a hyphen or dot would break both: set jvmRoute, " +
          'e.g. tomcat_1',
      });
    }
    once(
      `route:${route}`,
      i,
      n?.jvmRoute !== undefined ? `${f}.jvmRoute` : `${f}.name`,
      route,
      'a jvmRoute',
      'each Tomcat needs a jvmRoute of its own, or sticky sessions go to the wrong node',
    );
    if (address) once(`addr:${address.value}:${httpPort}`, i, `${f}.address`, n.address, 'an address and httpPort', 'each Tomcat once');
    const ajpMaxConnections = n?.ajpMaxConnections ?? 8192;
    checkInteger(problems, `${f}.ajpMaxConnections`, ajpMaxConnections, 1, 65535);
    nodes.push({
      name: n?.name,
      address: address ?? { kind: AddressKind.IPV4, value: '' },
      httpPort,
      ajpPort,
      ajpMaxConnections,
      route,
      priority: 10,
    });
  });
  return nodes;
}

/** The balancers' HTTP health check (`hp` is the view under `healthCheck`): an answer before the next check. */
function checkWebHealthCheck(hp: Problems, h: WebHealthCheckProps): Omit<HttpHealthCheck, 'path'> {
  const health = { intervalSeconds: h.intervalSeconds ?? 5, timeoutSeconds: h.timeoutSeconds ?? 3, fall: h.fall ?? 2, rise: h.rise ?? 2 };
  checkInteger(hp, 'intervalSeconds', health.intervalSeconds, 1, 60);
  checkInteger(hp, 'timeoutSeconds', health.timeoutSeconds, 1, Math.max(1, health.intervalSeconds - 1), 'an answer must come before the next check');
  checkInteger(hp, 'fall', health.fall, 1, 10);
  checkInteger(hp, 'rise', health.rise, 1, 10);

  return health;
}

/** One or more applications: a name, paths no other application has, a health path, and its active and standby Tomcats. */
function checkApplications(
  problems: Problems,
  props: HaWebTierProps,
  nodes: readonly WebPoolMember[],
  health: Omit<HttpHealthCheck, 'path'>,
): WebPool[] {
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const apps = Array.isArray(props.applications) ? props.applications : [];
  if (apps.length === 0)
    problems.add({
      field: 'applications',
      value: props.applications,
      allowed: 'one or more applications',
      fix: 'e.g. { name: operator, paths: [/identity], healthPath: /identity/ }',
    });
  const pools: WebPool[] = [];
  const appNames = new Map<string, number>();
  const allPaths: Array<{ path: string; i: number; j: number }> = [];
  apps.forEach((a, i) => {
    const f = `applications[${i}]`;
    if (
      checkName(problems, `${f}.name`, a?.name, NAME, 'lower-case letters, digits and hyphens, 2-24 characters, starting with a letter, no "--"') &&
      Object.prototype.hasOwnProperty.call(RESERVED_APPLICATION_NAMES, a.name)
    ) {
      problems.add({
        field: `${f}.name`,
        value: a.name,
        allowed: `a name no balancer reserves (${Object.keys(RESERVED_APPLICATION_NAMES).join(', ')} are reserved)`,
        fix: `${RESERVED_APPLICATION_NAMES[a.name]}: choose another name, e.g. ${a.name}-app`,
      });
    }
    if (appNames.has(a?.name))
      problems.add({ field: `${f}.name`, value: a.name, allowed: `a name other than applications[${appNames.get(a.name)}]'s` });
    appNames.set(a?.name, i);
    const paths = Array.isArray(a?.paths) ? a.paths : [];
    if (paths.length === 0) problems.add({ field: `${f}.paths`, value: a?.paths, allowed: 'one or more context paths, e.g. ["/identity"]' });
    paths.forEach((p, j) => {
      if (!checkPath(problems, `${f}.paths[${j}]`, p, '/identity (the context path)')) return;
      const clash = allPaths.find((o) => pathsCollide(o.path, p));
      if (clash) {
        problems.add({
          field: `${f}.paths[${j}]`,
          value: p,
          allowed: `a path apart from applications[${clash.i}].paths[${clash.j}] (${clash.path})`,
          fix:
            'two pools for one path (or one inside the other) would send some requests to the wrong application: give each application ' +
            'its own context path',
        });
      }
      allPaths.push({ path: p, i, j });
    });
    checkPath(problems, `${f}.healthPath`, a?.healthPath, '/identity/ (a path, not a URL: every balancer requests it on each node itself)');
    const standbyNames = Array.isArray(a?.standbyNodes) ? a.standbyNodes : [];
    const activeNames = Array.isArray(a?.nodes)
      ? a.nodes
      : a?.nodes === undefined
        ? nodes.map((n) => n.name).filter((n) => !standbyNames.includes(n))
        : [];
    if (activeNames.length === 0) {
      problems.add({
        field: `${f}.nodes`,
        value: a?.nodes,
        allowed: "one or more of the tier's nodes",
        fix: `an application with no active node serves nothing: list the nodes that run it (${nodes.map((n) => n.name).join(', ')})`,
      });
    }
    const members: WebPoolMember[] = [];
    const inPool = new Map<string, string>();
    const add = (names: string[], key: 'nodes' | 'standbyNodes', priority: number) =>
      names.forEach((n, j) => {
        const node = byName.get(n);
        if (!node) {
          problems.add({ field: `${f}.${key}[${j}]`, value: n, allowed: `one of the tier's nodes (${nodes.map((x) => x.name).join(', ')})` });
          return;
        }
        if (inPool.has(n)) {
          problems.add({
            field: `${f}.${key}[${j}]`,
            value: n,
            allowed: `a node not already in this pool (it is in ${inPool.get(n)})`,
            fix:
              key === 'standbyNodes'
                ? 'a standby serves only while every active node is down, so it cannot also be active: remove it from nodes or from standbyNodes'
                : 'list each node once',
          });
          return;
        }
        inPool.set(n, key);
        members.push({ ...node, priority });
      });
    add(activeNames, 'nodes', 10);
    add(standbyNames, 'standbyNodes', 0);
    pools.push({ name: a?.name, paths: [...paths], members, selection: PoolSelection.ROUND_ROBIN, health: { ...health, path: a?.healthPath } });
  });

  return pools;
}

/** The frontend: its port, the timeouts, and the clients let in. */
function checkFrontend(
  problems: Problems,
  props: HaWebTierProps,
): { frontendPort: number; connectionTimeoutSeconds: number; responseTimeoutSeconds: number; allowedClients: string[] } {
  const frontendPort = props.frontendPort ?? 80;
  checkPort(problems, 'frontendPort', frontendPort);
  const connectionTimeoutSeconds = props.connectionTimeoutSeconds ?? 600;
  checkInteger(problems, 'connectionTimeoutSeconds', connectionTimeoutSeconds, 1, 86400);
  const responseTimeoutSeconds = props.responseTimeoutSeconds ?? 60;
  checkInteger(problems, 'responseTimeoutSeconds', responseTimeoutSeconds, 1, 86400);
  const allowedClients: string[] = [];
  (Array.isArray(props.allowedClients) ? props.allowedClients : []).forEach((c, i) => {
    const cidr = parseCidr(problems, `allowedClients[${i}]`, c);
    if (cidr && !allowedClients.includes(cidr)) allowedClients.push(cidr);
  });
  return { frontendPort, connectionTimeoutSeconds, responseTimeoutSeconds, allowedClients };
}
