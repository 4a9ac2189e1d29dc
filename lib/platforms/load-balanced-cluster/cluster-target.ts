import { Construct } from 'constructs';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { AddressKind, parseCidr } from '../../core/address';
import { Problems } from '../../core/errors';
import { ClusterCheckKind, ClusterTargetBase, FailoverClusterModel, Preemption } from '../../model/cluster-model';
import { hostPlan } from '../../hosts/host-plan';
import { ConnectionAction, HaServiceModel, HaStrategy, ListenerProtocol, PoolSelection } from '../../model/ha-service-model';
import { ProbePolicyProps, resolveProbePolicy } from '../../model/probe-policy';
import { IHaTarget } from '../../model/service-target';
import { Snippet } from '../../model/snippet';

/** A failover cluster behind a cloud load balancer (Azure LB or NLB) instead of a virtual IP. */
export interface LoadBalancedClusterTargetProps {
  /**
   * The load balancer to render the cluster with: an `AzureLoadBalancerTarget` or an `AwsNlbTarget`
   * (any target of the load-balancer strategy), bound to your network. Its frontend address is the
   * one clients use.
   */
  readonly loadBalancer: IHaTarget;
  /** Client CIDR blocks allowed to reach the service ports through the load balancer. */
  readonly allowedClients: string[];
  /**
   * How the load balancer decides health. The sidecars check the service with the cluster's
   * `healthCheck` interval, fall and rise unless `probe.sidecar` sets them.
   * @default - the sidecars' priority gate (15054), open on one node at a time, the first node while its service listens
   */
  readonly probe?: ProbePolicyProps;
}

/**
 * A failover cluster in a cloud VNet or VPC, where gratuitous ARP does not move an address: a load
 * balancer in front of the two nodes with the IQService pair's prefer-primary wiring (the first
 * node's sidecar passes the probe while its service listens; the second node's sidecar, in standby
 * mode, passes only while the first fails). Renders through the Azure LB or NLB renderer as they are.
 */
export class LoadBalancedClusterTarget extends ClusterTargetBase {
  public readonly movesVirtualIp = false;
  public readonly platform: string;

  /** The props the target was created with. */
  public readonly props: LoadBalancedClusterTargetProps;

  constructor(props: LoadBalancedClusterTargetProps) {
    super();
    this.props = props;
    this.platform = props.loadBalancer?.platform ?? 'load-balancer';
  }

  /** The service model the load balancer renders: one TCP listener and pool per service port. */
  public serviceModel(cluster: FailoverClusterModel, problems: Problems = new Problems()): HaServiceModel {
    const nodes = cluster.nodeSet.nodes;
    const allowedClients: string[] = [];
    if (!Array.isArray(this.props.allowedClients) || this.props.allowedClients.length === 0) {
      problems.add({
        field: 'allowedClients',
        value: this.props.allowedClients,
        allowed: 'a non-empty list of CIDR blocks',
        fix: 'the clients that reach the service through the load balancer',
      });
    } else {
      this.props.allowedClients.forEach((c, i) => {
        const cidr = parseCidr(problems, `allowedClients[${i}]`, c);
        if (cidr && !allowedClients.includes(cidr)) allowedClients.push(cidr);
      });
    }
    // The cluster's health check is the sidecars' check: the same interval, fall and rise as on every
    // other cluster platform (probe.sidecar can still set them, and the damping, explicitly).
    const c = cluster.check;
    const p = this.props.probe ?? {};
    const probe = resolveProbePolicy(
      problems.under('probe'),
      {
        ...p,
        sidecar: { checkIntervalSeconds: c.intervalSeconds, fallCount: c.fall, riseCount: c.rise, ...(p.sidecar ?? {}) },
      },
      cluster.servicePorts,
    );
    const member = (role: 'primary' | 'secondary', i: number, port: number) => ({
      name: role,
      address: nodes[i]?.address ?? { kind: AddressKind.IPV4, value: '' },
      port,
      priority: role === 'primary' ? 10 : 0,
    });
    const listeners = cluster.servicePorts.map((port) => ({ name: `p${port}`, port, protocol: ListenerProtocol.TCP, poolName: `p${port}` }));
    const pools = cluster.servicePorts.map((port) => ({
      name: `p${port}`,
      selection: PoolSelection.PRIORITY_FAILOVER,
      failback: cluster.preemption === Preemption.ON,
      probe,
      members: [member('primary', 0, port), member('secondary', 1, port)],
    }));
    return {
      name: cluster.name,
      strategy: HaStrategy.LOAD_BALANCER,
      listeners,
      pools,
      allowedClients,
      servicePorts: [...cluster.servicePorts],
      connections: { idleTimeoutMinutes: 30, onFailover: ConnectionAction.KEEP, onFailback: ConnectionAction.KEEP },
      nodeSets: [cluster.nodeSet],
      warnings: [],
    };
  }

  /** The nodes run the sidecars this balancer probes: the service model they are planned from. */
  public sidecarService(cluster: FailoverClusterModel): HaServiceModel {
    return this.serviceModel(cluster);
  }

  /** The index in the target's own allowedClients of a CIDR of the service model (which holds them normalised). */
  private userIndexOfClient(cidr: string): number {
    return this.props.allowedClients!.findIndex((c) => parseCidr(new Problems(), '', c) === cidr);
  }

  public validate(cluster: FailoverClusterModel, problems: Problems): void {
    const lb = this.props.loadBalancer;
    if (!lb || lb.strategy !== HaStrategy.LOAD_BALANCER) {
      problems.add({ field: 'loadBalancer', value: lb?.platform, allowed: 'a load balancer target (Azure LB, AWS NLB)' });
      return;
    }
    const nodes = cluster.nodeSet.nodes;
    if (nodes.length !== 2) {
      problems.root().add({
        field: 'nodes',
        value: nodes.length,
        allowed: `exactly two nodes with ${lb.platform}`,
        fix: 'the standby sidecar watches one preferred node: a load-balanced cluster is a pair; describe further nodes as another cluster',
      });
    }
    if (cluster.check.kind !== ClusterCheckKind.LISTENING || cluster.check.port !== cluster.servicePorts[0]) {
      problems.root().add({
        field: 'healthCheck',
        value: cluster.check.kind,
        allowed: `kind "listening" on the first service port (${cluster.servicePorts[0]}) with ${lb.platform}`,
        fix:
          "the load balancer probes each node's sidecar, which watches the first service port listening (never connecting); it has no " +
          'HTTP or command check',
      });
    }
    if (cluster.preemption === Preemption.DELAYED) {
      problems.root().add({
        field: 'preemption',
        value: cluster.preemption,
        allowed: `"on" or "off" with ${lb.platform}`,
        fix:
          'the sidecars decide failback: on (the standby steps back once the first node passes its rise checks, damped on flaps); there ' +
          'is no delay setting',
      });
    }
    const model = this.serviceModel(cluster, problems);
    if (problems.isEmpty && nodes.length === 2) {
      if (cluster.preemption === Preemption.OFF) {
        problems.root().add({
          field: 'preemption',
          value: 'off',
          allowed: `"on" with ${lb.platform}`,
          fix:
            'the standby sidecar passes the probe only while the first node fails, so traffic always returns to the first node once it ' +
            'is healthy: set preemption: on',
        });
      }
      // The balancer checks the service model derived from the cluster: its paths are put back where
      // the user wrote the value (a node's address, this target's allowedClients, the cluster's name).
      const derived = new Problems();
      lb.validate(model, derived.under('loadBalancer'));
      for (const x of derived.all) {
        const m = /^(primary|secondary)\.address$/.exec(x.field) ?? /^allowedClients\[(\d+)\]$/.exec(x.field);
        if (m && m[1] === 'primary') problems.root().add({ ...x, field: 'nodes[0].address' });
        else if (m && m[1] === 'secondary') problems.root().add({ ...x, field: 'nodes[1].address' });
        else if (m) problems.add({ ...x, field: `allowedClients[${this.userIndexOfClient(model.allowedClients[Number(m[1])])}]` });
        else if (x.field === 'name' || x.field.startsWith('servicePorts')) problems.root().add(x);
        else problems.add(x);
      }
    }
  }

  public render(scope: Construct, cluster: FailoverClusterModel): void {
    this.props.loadBalancer.render(scope, this.serviceModel(cluster));
  }

  public snippets(cluster: FailoverClusterModel): Snippet[] {
    const model = this.serviceModel(cluster);
    return [...this.props.loadBalancer.snippets(model), ...hostPlan(model).map((f) => ({ kind: 'host-plan', fileName: f.path, content: f.content }))];
  }

  public estimate(cluster: FailoverClusterModel): FailoverEstimate {
    const e = this.props.loadBalancer.estimate(this.serviceModel(cluster));
    return figuresEstimate(cluster.name, {
      platform: this.platform,
      seconds: e.worstCaseSeconds,
      formula: e.formula,
      failbackSeconds: e.failbackSeconds,
      failbackFormula: e.failbackFormula,
    });
  }
}
