import { Annotations, TerraformStack } from '../framework/cdktf';
import { Construct } from 'constructs';
import { AddressKind, cidrContains, cidrFamily, HostAddress, parseCidr, parseHostAddress } from '../core/address';
import { checkInteger, checkName, checkOneOf, checkPort } from '../core/checks';
import { scratchApp } from '../core/scratch-app';
import { Problem, Problems, problemsOf } from '../core/errors';
import { FailoverEstimate } from '../model/failover-estimate';
import {
  ConnectionAction,
  SidecarMode,
  HaServiceModel,
  HaStrategy,
  ListenerProtocol,
  PoolSelection,
  ServiceListener,
  ConnectionPolicy,
  PoolMember,
  ServicePool,
} from '../model/ha-service-model';
import { ProbePolicyProps, resolveProbePolicy } from '../model/probe-policy';
import { IHaTarget } from '../model/service-target';
import { Snippet } from '../model/snippet';

/** One IQService host. */
export interface IqServiceHostProps {
  /** IPv4 address, IPv6 address or DNS name of the Windows host running IQService. */
  readonly address: string;
  /**
   * IQService version installed on the host, e.g. `8.4p2`. Primary and secondary must run the
   * same version (and the same pre/post provisioning scripts).
   */
  readonly iqserviceVersion: string;
}

/** An IQService pair: a primary and a secondary, the secondary used only while the primary does not accept TCP. */
export interface IqServiceHaPairProps {
  /**
   * Name used for every rendered resource. Lower-case letters, digits and hyphens, starting with
   * a letter, at most 24 characters.
   * @default - the construct id
   */
  readonly serviceName?: string;
  /** The host that receives all traffic while it accepts TCP connections. */
  readonly primary: IqServiceHostProps;
  /** The host that receives traffic only while the primary does not accept TCP connections. */
  readonly secondary: IqServiceHostProps;
  /**
   * IQService port, as configured in the IdentityNow / IdentityIQ source.
   * @default 5050
   */
  readonly port?: number;
  /**
   * IQService TLS port. TLS is passed through to the hosts, never terminated by the balancer.
   * @default - none
   */
  readonly tlsPort?: number;
  /** Client CIDR blocks (virtual appliances, IdentityIQ servers) allowed to reach the service ports. */
  readonly allowedClients: string[];
  /**
   * How balancers decide health.
   * @default - the sidecar gate port (15050) on each host
   */
  readonly probe?: ProbePolicyProps;
  /**
   * How clients reach the healthy host: through a load balancer, or by resolving one DNS name that
   * a health-checked DNS service switches between the hosts (no shared component in the data path).
   * Every target must implement this strategy.
   * @default HaStrategy.LOAD_BALANCER
   */
  readonly strategy?: HaStrategy;
  /**
   * Idle time after which every balancer drops a connection (IQService connections idle between
   * calls): the Azure rule, the NLB listener, an F5 fastL4 profile and HAProxy's timeouts. 1-100
   * (Azure needs at least 4).
   * @default 30
   */
  readonly idleTimeoutMinutes?: number;
  /**
   * Connections to the primary when it is marked down. RESET makes clients reconnect at once; a
   * platform that cannot reset them (Azure, DNS) refuses it.
   * @default ConnectionAction.KEEP
   */
  readonly onFailover?: ConnectionAction;
  /**
   * Connections left on the secondary when the primary is back. RESET moves them back at once; a
   * platform that cannot (Azure, F5 priority groups, DNS) refuses it.
   * @default ConnectionAction.KEEP
   */
  readonly onFailback?: ConnectionAction;
  /**
   * Not used any more: every sidecar serves both gates from one command (the health gate, which
   * HAProxy, F5 and DNS probe, and the priority gate, which Azure LB and AWS NLB probe). Setting it
   * gives a warning.
   * @default - no mode
   * @deprecated remove it: there is no mode to choose
   */
  readonly sidecarMode?: SidecarMode;
  /** Platforms to render, each bound to your existing network. */
  readonly targets: IHaTarget[];
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;

/**
 * A highly available IQService pair: prefer the primary, use the secondary only while the primary
 * does not accept TCP connections. Renders to every target given.
 */
export class IqServiceHaPair extends Construct {
  /** The platform-neutral model the targets render from. */
  public readonly model: HaServiceModel;
  /** The platforms the pair is rendered for. */
  public readonly targets: IHaTarget[];

  /**
   * Every problem `props` has, as data (empty when the pair can be built): the same checks the
   * constructor makes, the targets' included, without creating anything in your app. In TypeScript
   * the constructor throws an error that carries the same list.
   */
  public static validate(props: IqServiceHaPairProps): Problem[] {
    return problemsOf(() => new IqServiceHaPair(new TerraformStack(scratchApp(), 'validate'), props.serviceName ?? 'iqservice', props));
  }

  constructor(scope: Construct, id: string, props: IqServiceHaPairProps) {
    super(scope, id);
    const problems = new Problems();
    const model = IqServiceHaPair.buildModel(problems, props, id);
    const strategy = props.strategy ?? HaStrategy.LOAD_BALANCER;
    this.targets = props.targets ?? [];
    if (this.targets.length === 0) {
      problems.add({ field: 'targets', value: [], allowed: 'at least one target (azure, aws, f5, ...)', fix: 'add the platforms to render' });
    }
    const seen = new Set<string>();
    for (const t of this.targets) {
      if (seen.has(t.platform)) {
        problems.add({
          field: `targets.${t.platform}`,
          value: t.platform,
          allowed: 'each platform once per pair',
          fix: 'create a second IqServiceHaPair for a second deployment on the same platform',
        });
      }
      seen.add(t.platform);
      if (t.strategy !== strategy) {
        problems.add({
          field: `targets.${t.platform}`,
          value: t.platform,
          allowed: `a target for strategy "${strategy}" (${t.platform} implements "${t.strategy}")`,
          fix:
            strategy === HaStrategy.DNS
              ? 'with strategy "dns" use azure-traffic-manager or aws-route53 targets, or set strategy to "load-balancer"'
              : strategy === HaStrategy.CLIENT_SIDE
                ? 'with strategy "client-side" use the client-proxy target alone, or set strategy to "load-balancer"'
                : `set strategy: "${t.strategy}" to use ${t.platform}, or use a load-balancer target (azure, aws, f5, haproxy)`,
        });
      }
    }
    if (model && problems.isEmpty) {
      for (const t of this.targets) t.validate(model, problems.under(`targets.${t.platform}`));
    }
    problems.throwIfAny(`IqServiceHaPair "${props.serviceName ?? id}"`);
    this.model = model!;

    for (const w of this.warnings()) Annotations.of(this).addWarning(w);
    for (const t of this.targets) t.render(new Construct(this, t.platform), this.model);
  }

  /** Warnings raised at synth time (noisy probes and the like). */
  public warnings(): string[] {
    const w = new Set<string>();
    for (const x of this.model.warnings ?? []) w.add(x);
    for (const pool of this.model.pools) for (const x of pool.probe.warnings) w.add(x);
    for (const t of this.targets) for (const x of t.warnings(this.model)) w.add(x);
    return [...w];
  }

  /** Worst-case failover time for each target. */
  public failoverEstimates(): FailoverEstimate[] {
    return this.targets.map((t) => t.estimate(this.model));
  }

  /** Paste-ready snippets from every target that offers them. */
  public snippets(): Snippet[] {
    return this.targets.flatMap((t) => t.snippets(this.model));
  }

  /**
   * Validates props and builds the model without creating a construct (used by the CLI and
   * tests). Problems are recorded with field paths relative to the props.
   */
  public static buildModel(problems: Problems, props: IqServiceHaPairProps, defaultName: string): HaServiceModel | undefined {
    const before = problems.all.length;
    const { name, strategy } = checkIdentity(problems, props, defaultName);
    const { port, servicePorts } = checkPorts(problems, props);
    const hosts = checkHosts(problems, props);
    const allowedClients = checkAllowedClients(problems, props, name);
    const probe = resolveProbePolicy(problems.under('probe'), props.probe, servicePorts);
    const connections = checkConnections(problems, props);
    const warnings = [...narrowerClientBlocks(allowedClients), ...deprecatedSettings(props)];
    // The model is built only from checked values: none when a check above failed.
    if (!hosts.primary || !hosts.secondary || problems.all.length > before) return undefined;
    const members = (lport: number): PoolMember[] => [
      { name: 'primary', address: hosts.primary!, port: lport, priority: 10 },
      { name: 'secondary', address: hosts.secondary!, port: lport, priority: 0 },
    ];
    const ports: Array<[string, number, ListenerProtocol]> = [['iq', port, ListenerProtocol.TCP]];
    if (props.tlsPort !== undefined) ports.push(['iq-tls', props.tlsPort, ListenerProtocol.TLS_PASSTHROUGH]);
    const listeners: ServiceListener[] = ports.map(([lname, lport, protocol]) => ({ name: lname, port: lport, protocol, poolName: lname }));
    const pools: ServicePool[] = ports.map(([lname, lport]) => ({
      name: lname,
      selection: PoolSelection.PRIORITY_FAILOVER,
      failback: true,
      probe,
      members: members(lport),
    }));
    return { name, strategy, listeners, pools, allowedClients, servicePorts, warnings, connections };
  }
}

/** `port` and `tlsPort`: valid, and not the same. */
function checkPorts(problems: Problems, props: IqServiceHaPairProps): { port: number; servicePorts: number[] } {
  const port = props.port ?? 5050;
  checkPort(problems, 'port', port);
  const servicePorts = [port];
  if (props.tlsPort !== undefined) {
    if (checkPort(problems, 'tlsPort', props.tlsPort) && props.tlsPort === port) {
      problems.add({
        field: 'tlsPort',
        value: props.tlsPort,
        allowed: `a port other than port (${port})`,
        fix: 'IQService listens for TLS on its own port; remove tlsPort if you do not use TLS',
      });
    }
    servicePorts.push(props.tlsPort);
  }
  return { port, servicePorts };
}

/** The two hosts: an address each, different from each other, and the same IQService version. */
function checkHosts(problems: Problems, props: IqServiceHaPairProps): { primary?: HostAddress; secondary?: HostAddress } {
  const hosts: Array<[string, IqServiceHostProps | undefined]> = [
    ['primary', props.primary],
    ['secondary', props.secondary],
  ];
  const addresses: Record<string, HostAddress | undefined> = {};
  const versions: Record<string, string | undefined> = {};
  for (const [role, host] of hosts) {
    if (!host || typeof host !== 'object') {
      problems.add({ field: role, value: host, allowed: 'an object with address and iqserviceVersion' });
      continue;
    }
    addresses[role] = parseHostAddress(problems, `${role}.address`, host.address);
    if (typeof host.iqserviceVersion !== 'string' || host.iqserviceVersion.trim() === '') {
      problems.add({
        field: `${role}.iqserviceVersion`,
        value: host.iqserviceVersion,
        allowed: 'the IQService version installed on the host, e.g. "8.4p2"',
      });
    } else {
      versions[role] = host.iqserviceVersion.trim();
    }
  }
  const a = addresses.primary;
  const b = addresses.secondary;
  if (a && b && a.value === b.value) {
    problems.add({
      field: 'secondary.address',
      value: props.secondary.address,
      allowed: 'an address different from primary.address',
      fix: 'a pair on one host is no HA: put the secondary on a second host',
    });
  }
  if (versions.primary && versions.secondary && versions.primary.toLowerCase() !== versions.secondary.toLowerCase()) {
    problems.add({
      field: 'secondary.iqserviceVersion',
      value: versions.secondary,
      allowed: `the primary's version (${JSON.stringify(versions.primary)})`,
      fix: 'install the same IQService version, and the same pre/post provisioning scripts, on both hosts; upgrade both together',
    });
  }
  return { primary: a, secondary: b };
}

/** `allowedClients`: a non-empty list of CIDR blocks, each once, of one address family. */
function checkAllowedClients(problems: Problems, props: IqServiceHaPairProps, name: string): string[] {
  const allowedClients: string[] = [];
  if (!Array.isArray(props.allowedClients) || props.allowedClients.length === 0) {
    problems.add({
      field: 'allowedClients',
      value: props.allowedClients,
      allowed: 'a non-empty list of CIDR blocks',
      fix: 'list the CIDRs of your virtual appliances or IdentityIQ servers; use 0.0.0.0/0 only deliberately',
    });
  } else {
    const at = new Map<string, number>();
    props.allowedClients.forEach((c, i) => {
      const cidr = parseCidr(problems, `allowedClients[${i}]`, c);
      if (!cidr) return;
      if (at.has(cidr)) {
        problems.add({
          field: `allowedClients[${i}]`,
          value: c,
          allowed: `a block not already listed at allowedClients[${at.get(cidr)}]`,
          fix: 'list each block once: AWS and F5 refuse duplicate rules and virtual servers at apply time',
        });
        return;
      }
      at.set(cidr, i);
      allowedClients.push(cidr);
    });
    const families = new Set(allowedClients.map(cidrFamily));
    if (families.size > 1) {
      problems.add({
        field: 'allowedClients',
        value: props.allowedClients,
        allowed: 'blocks of one address family per service (all IPv4 or all IPv6)',
        fix:
          `every platform's frontend is of one family: keep the ${[...families][0] === AddressKind.IPV4 ? 'IPv4' : 'IPv6'} blocks here, ` +
          `and add a second service with the same hosts, a frontend of the other family and its blocks (e.g. ${name}-v6)`,
      });
    }
  }
  return allowedClients;
}

/** A warning for each client block inside another (it adds nothing); the first 200 blocks are compared. */
function narrowerClientBlocks(allowedClients: readonly string[]): string[] {
  const warnings: string[] = [];
  for (let i = 0; i < allowedClients.length && i < 200; i++) {
    for (let j = 0; j < allowedClients.length && j < 200; j++) {
      if (i !== j && cidrFamily(allowedClients[i]) === cidrFamily(allowedClients[j]) && cidrContains(allowedClients[i], allowedClients[j])) {
        warnings.push(`allowedClients: ${allowedClients[j]} lies inside ${allowedClients[i]}; the narrower block adds nothing`);
      }
    }
  }
  return warnings;
}

/** The service's name and strategy. */
function checkIdentity(problems: Problems, props: IqServiceHaPairProps, defaultName: string): { name: string; strategy: HaStrategy } {
  const name = props.serviceName ?? defaultName;
  const strategy = props.strategy ?? HaStrategy.LOAD_BALANCER;
  checkOneOf(problems, 'strategy', strategy, Object.values(HaStrategy));
  checkName(
    problems,
    'serviceName',
    name,
    SERVICE_NAME,
    'lower-case letters, digits and hyphens, starting with a letter, 2 to 24 characters',
    'rendered names are built from it; 24 characters keep "<name>-nlb" and "<name>-<port>" within AWS\'s 32',
  );
  return { name, strategy };
}

/** What happens to connections: the idle timeout every platform renders, and the actions at failover and failback. */
function checkConnections(problems: Problems, props: IqServiceHaPairProps): ConnectionPolicy {
  const idleTimeoutMinutes = props.idleTimeoutMinutes ?? 30;
  checkInteger(
    problems,
    'idleTimeoutMinutes',
    idleTimeoutMinutes,
    1,
    100,
    'the range every platform can render (the NLB takes 60-6000 s; Azure 4-100 min)',
  );
  const onFailover = props.onFailover ?? ConnectionAction.KEEP;
  const onFailback = props.onFailback ?? ConnectionAction.KEEP;
  checkOneOf(problems, 'onFailover', onFailover, Object.values(ConnectionAction));
  checkOneOf(problems, 'onFailback', onFailback, Object.values(ConnectionAction));
  return { idleTimeoutMinutes, onFailover, onFailback };
}

/** Settings that are no longer used, each with a warning. */
function deprecatedSettings(props: IqServiceHaPairProps): string[] {
  if (props.sidecarMode === undefined) return [];
  return [
    `sidecarMode (${props.sidecarMode}) is not used any more and can be removed: every sidecar serves the health gate (HAProxy, F5, DNS ` +
      `probe it) and the priority gate (Azure LB and AWS NLB probe it) from one command`,
  ];
}
