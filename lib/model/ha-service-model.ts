import { HostAddress } from '../core/address';
import { ResolvedProbePolicy } from './probe-policy';

/**
 * The platform-neutral model of a highly available service. Topology constructs
 * (IqServiceHaPair today; the web tier and failover cluster next) produce it, and
 * every platform renderer reads only this.
 */

/** What a listener carries. */
export enum ListenerProtocol {
  /** Plain TCP, passed through. */
  TCP = 'tcp',
  /** TLS passed through to the backend untouched (never terminated by the balancer). */
  TLS_PASSTHROUGH = 'tls-passthrough',
  /** HTTP (web tier): routed by path, optionally cookie-sticky. */
  HTTP = 'http',
}

/** How clients are steered to the healthy member. */
export enum HaStrategy {
  /** A load balancer (Azure LB, AWS NLB, F5, HAProxy) in front of the hosts holds one address for clients. */
  LOAD_BALANCER = 'load-balancer',
  /**
   * No shared component in the data path: clients resolve one DNS name that a health-checked DNS
   * service (Azure Traffic Manager, Route 53 failover records) points at the primary while it is
   * healthy and at the secondary otherwise. Failover then also waits for resolvers' DNS TTL.
   */
  DNS = 'dns',
  /**
   * No shared component at all: every client host (IdentityIQ server, gateway host) runs its own
   * `idha proxy` on loopback, which prefers the primary per connection and reads the primary's shim.
   */
  CLIENT_SIDE = 'client-side',
}

/** How a pool chooses among healthy members. */
export enum PoolSelection {
  /** All traffic to the highest-priority group that is up; lower groups only when it is down. */
  PRIORITY_FAILOVER = 'priority-failover',
  /** Spread across all healthy members (web tier). */
  ROUND_ROBIN = 'round-robin',
}

/** Session stickiness for HTTP listeners (web tier). */
export interface CookieStickiness {
  /** Cookie whose suffix names the route, e.g. `JSESSIONID` with Tomcat `jvmRoute`. */
  readonly cookieName: string;
}

/** A port clients connect to. */
export interface ServiceListener {
  /** Short name, unique in the service, e.g. `iq` or `iq-tls`. */
  readonly name: string;
  /** Port the balancer listens on. */
  readonly port: number;
  /** TCP, or TLS passed through untouched. */
  readonly protocol: ListenerProtocol;
  /** Name of the pool this listener sends to. */
  readonly poolName: string;
  /** HTTP only: URL path prefixes routed to the pool (web tier). */
  readonly paths?: string[];
  /** HTTP only: cookie stickiness (web tier). */
  readonly stickiness?: CookieStickiness;
}

/** One member of a pool: a host and port with its priority. */
export interface PoolMember {
  /** Short name, unique in the pool, e.g. `primary`. */
  readonly name: string;
  /** The member's address. */
  readonly address: HostAddress;
  /** Port on the member that receives traffic. */
  readonly port: number;
  /**
   * Priority: higher wins. With {@link PoolSelection.PRIORITY_FAILOVER} traffic stays on the highest
   * priority that has a healthy member.
   */
  readonly priority: number;
}

/** The members behind a listener, with how one is chosen. */
export interface ServicePool {
  /** The pool's name. */
  readonly name: string;
  /** The members, in preference order. */
  readonly members: PoolMember[];
  /** How a member is chosen. */
  readonly selection: PoolSelection;
  /** How the balancer probes the members. */
  readonly probe: ResolvedProbePolicy;
  /**
   * Whether traffic must return to the higher priority once it is healthy again (no persistence
   * may pin clients to the lower one).
   */
  readonly failback: boolean;
}

/** A set of nodes sharing a virtual IP (a failover cluster: keepalived, Pacemaker, WSFC or a cloud load balancer). */
export interface NodeSet {
  /** The node set's name. */
  readonly name: string;
  /** The address the nodes move between themselves; none when a load balancer fronts them. */
  readonly virtualIp?: HostAddress;
  /** The nodes, in preference order. */
  readonly nodes: PoolMember[];
}

/** What happens to established client connections when traffic moves between hosts. */
export enum ConnectionAction {
  /** Leave them: they end when the client, the host or the idle timeout ends them. */
  KEEP = 'keep',
  /** Reset them, so clients reconnect at once (to the host now preferred). */
  RESET = 'reset',
}

/**
 * How the sidecars on the two hosts used to run.
 * @deprecated every sidecar now serves both gates from one command (the health gate for balancers
 * with priorities, the priority gate for Azure LB and AWS NLB), so there is no mode to choose.
 */
export enum SidecarMode {
  /** @deprecated no mode to choose: see SidecarMode. */
  NORMAL = 'normal',
  /** @deprecated no mode to choose: see SidecarMode. */
  STANDBY = 'standby',
}

/** Connection behaviour, the same on every platform (a platform that cannot do it refuses). */
export interface ConnectionPolicy {
  /** Idle time after which a balancer drops a connection, in minutes (1-100). */
  readonly idleTimeoutMinutes: number;
  /** Connections to the primary when it is marked down. */
  readonly onFailover: ConnectionAction;
  /** Connections left on the secondary when the primary is back. */
  readonly onFailback: ConnectionAction;
}

/** The platform-neutral model of an HA service that every service target renders. */
export interface HaServiceModel {
  /** Service name, used to name rendered resources. Lower-case letters, digits and hyphens. */
  readonly name: string;
  /** How clients reach the healthy member. */
  readonly strategy: HaStrategy;
  /** The ports clients connect to, each with its pool. */
  readonly listeners: ServiceListener[];
  /** The members behind each listener, in preference order, with their probe. */
  readonly pools: ServicePool[];
  /** Client CIDR blocks allowed to reach the service ports. */
  readonly allowedClients: string[];
  /** Every port on which the real service listens on its hosts (never probed noisily). */
  readonly servicePorts: number[];
  /** Node sets with a virtual IP (failover clusters); none for a pair. */
  readonly nodeSets?: NodeSet[];
  /** Idle timeout and what happens to established connections on failover and failback. */
  readonly connections: ConnectionPolicy;
  /** Things worth knowing about the service's settings that are not errors (e.g. overlapping client blocks). */
  readonly warnings?: string[];
}

/** The pool a listener sends to. */
export function poolOf(model: HaServiceModel, listener: ServiceListener): ServicePool {
  const pool = model.pools.find((p) => p.name === listener.poolName);
  if (!pool) throw new Error(`internal: listener ${listener.name} names unknown pool ${listener.poolName}`);
  return pool;
}

/** Members of a pool, highest priority first. */
export function membersByPriority(pool: ServicePool): PoolMember[] {
  return [...pool.members].sort((a, b) => b.priority - a.priority);
}
