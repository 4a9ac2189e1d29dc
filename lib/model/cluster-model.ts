import { Construct } from 'constructs';
import { Claim } from './claim';
import { Problems } from '../core/errors';
import { idhaWords } from '../core/lang/argv';
import { urlForNode } from '../core/lang/url';
import { FailoverEstimate } from './failover-estimate';
import { HaServiceModel, NodeSet } from './ha-service-model';
import { Snippet } from './snippet';

/** Whether the preferred node takes the virtual IP back when it is healthy again. */
export enum Preemption {
  /** At once: the virtual IP always sits on the healthiest node first in the list. */
  ON = 'on',
  /** Never by itself: the node holding the virtual IP keeps it until it fails (no second move). */
  OFF = 'off',
  /** After `preemptDelaySeconds` of health: a node that flaps does not pull the VIP back and forth. */
  DELAYED = 'delayed',
}

/** How each node's service is checked (by `idha check`, which the cluster manager runs). */
export enum ClusterCheckKind {
  /** `idha check --http URL`: a 2xx answer (Tomcat, httpd). */
  HTTP = 'http',
  /** `idha check --listening PORT`: the port listens and accepts, read from the socket table, never connected to. */
  LISTENING = 'listening',
  /** A command of your own: exit 0 healthy, anything else not. */
  COMMAND = 'command',
}

/** A rendering of a failover cluster: keepalived, Pacemaker, Windows Server Failover Cluster, ... */
export interface IClusterTarget {
  /** Platform key, e.g. `keepalived`. */
  readonly platform: string;
  /**
   * True when the nodes move a virtual IP between themselves (keepalived, Pacemaker, Windows Server
   * Failover Cluster), which needs `virtualIp`; false for a cloud load balancer, whose frontend is
   * the clients' address (a VNet or VPC does not carry gratuitous ARP).
   */
  readonly movesVirtualIp: boolean;
  /** Records every platform limit the cluster or the target's props break. */
  validate(cluster: FailoverClusterModel, problems: Problems): void;
  /** Creates the target's Terraform resources under `scope` (cloud targets); targets rendered as files create none. */
  render(scope: Construct, cluster: FailoverClusterModel): void;
  /** Paste-ready files (`snippets/<cluster>/...`); empty when none. */
  snippets(cluster: FailoverClusterModel): Snippet[];
  /** What the platform does differently from the cluster's settings, printed by `idha synth`; empty when nothing. */
  warnings(cluster: FailoverClusterModel): string[];
  /**
   * The names and numbers this target takes in namespaces a topology's services share (an F5 tenant,
   * NSG priorities, a DNS name, a VRRP id); `idha synth` refuses a second holder. Empty when none.
   */
  claims(cluster: FailoverClusterModel): Claim[];
  /** Worst-case failover and failback, in words and seconds (`service` is the cluster's name). */
  estimate(cluster: FailoverClusterModel): FailoverEstimate;
  /**
   * The service model of the sidecars the nodes run, when the platform probes them (a cloud load
   * balancer): `idha synth` prints each node's `idha shim` command from it. Undefined when the nodes
   * run none (keepalived, Pacemaker and WSFC run their checks themselves).
   */
  sidecarService(cluster: FailoverClusterModel): HaServiceModel | undefined;
}

/**
 * A base for cluster targets, with no files, no warnings, no claims and no sidecars by default. Extend it to add
 * a platform of your own, in any jsii language: implement `platform`, `movesVirtualIp`, `validate`,
 * `render` and `estimate`.
 */
export abstract class ClusterTargetBase implements IClusterTarget {
  public abstract readonly platform: string;
  public abstract readonly movesVirtualIp: boolean;
  public abstract validate(cluster: FailoverClusterModel, problems: Problems): void;
  public abstract render(scope: Construct, cluster: FailoverClusterModel): void;
  public abstract estimate(cluster: FailoverClusterModel): FailoverEstimate;
  public snippets(_cluster: FailoverClusterModel): Snippet[] {
    return [];
  }
  public warnings(_cluster: FailoverClusterModel): string[] {
    return [];
  }
  public claims(_cluster: FailoverClusterModel): Claim[] {
    return [];
  }
  public sidecarService(_cluster: FailoverClusterModel): HaServiceModel | undefined {
    return undefined;
  }
}

/** The resolved health check. */
export interface ResolvedClusterCheck {
  /** What is checked. */
  readonly kind: ClusterCheckKind;
  /**
   * For `http`: the URL, `{address}` for the node's address.
   * @default - none for the other kinds
   */
  readonly url?: string;
  /**
   * For `listening`: the port.
   * @default - none for the other kinds
   */
  readonly port?: number;
  /**
   * For `command`: the command line.
   * @default - none for the other kinds
   */
  readonly command?: string;
  /** For `command`: the words of the command, run without a shell. */
  readonly commandArgv?: string[];
  /** Seconds between checks. */
  readonly intervalSeconds: number;
  /** Failed checks before a node is unhealthy. */
  readonly fall: number;
  /** Passing checks before a node is healthy again. */
  readonly rise: number;
  /** Seconds the service may take to pass its first check after a start. @default 300 */
  readonly startupSeconds?: number;
}

/** The platform-neutral model of a failover cluster that the targets render. */
export interface FailoverClusterModel {
  /** The cluster's name (`snippets/<name>/` and the rendered resources). */
  readonly name: string;
  /** The nodes and the virtual IP (none with cloud targets); node priority falls with the position in the list. */
  readonly nodeSet: NodeSet;
  /** The virtual IP's prefix length; 0 without a virtual IP. */
  readonly prefixLength: number;
  /** The service's ports on each node. */
  readonly servicePorts: number[];
  /** The nodes' health check, resolved. */
  readonly check: ResolvedClusterCheck;
  /** Whether the preferred node takes the virtual IP back. */
  readonly preemption: Preemption;
  /** Seconds of health before the preferred node takes the virtual IP back, with `delayed`. */
  readonly preemptDelaySeconds: number;
}

/**
 * The health check of one node as an argument vector, as every cluster manager runs it (never
 * through a shell): `idha check ...` for HTTP and listening checks, the user's own command otherwise.
 * `idha` is the words that start identity-ha on the node.
 */
export function clusterCheckArgv(cluster: FailoverClusterModel, address: string, idha: readonly string[] = idhaWords()): string[] {
  const c = cluster.check;
  switch (c.kind) {
    case ClusterCheckKind.HTTP:
      return [...idha, 'check', '--http', urlForNode(c.url!, address), '--timeout', String(clusterHttpTimeoutSeconds(cluster))];
    case ClusterCheckKind.COMMAND:
      return [...c.commandArgv!];
    default:
      return [...idha, 'check', '--listening', String(c.port), '--host', address];
  }
}

/** Seconds an HTTP check waits for its answer: one less than the interval, at least 1. */
export function clusterHttpTimeoutSeconds(cluster: FailoverClusterModel): number {
  return Math.max(1, cluster.check.intervalSeconds - 1);
}

/** Seconds the service may take from its start to its first passing check (healthCheck.startupSeconds). */
export function clusterStartupSeconds(cluster: { readonly check: ResolvedClusterCheck }): number {
  return cluster.check.startupSeconds ?? 300;
}
