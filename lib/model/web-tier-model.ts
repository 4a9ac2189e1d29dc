import { Construct } from 'constructs';
import { Claim } from './claim';
import { AddressKind, HostAddress } from '../core/address';
import { Problems } from '../core/errors';
import { FailoverEstimate } from './failover-estimate';
import { Snippet } from './snippet';
import { CookieStickiness, PoolSelection, ServiceListener } from './ha-service-model';

/**
 * The platform-neutral model of an HA web tier: HTTP listeners routed by path to one pool per
 * application, members with a route (Tomcat `jvmRoute`) and a priority (hot standbys lower), an
 * HTTP health check per pool, and the clients allowed in. Every web tier renderer reads only this.
 */

/** A Tomcat in a pool. */
export interface WebPoolMember {
  /** The node's name, e.g. `tomcat1`. */
  readonly name: string;
  /** The Tomcat's address. */
  readonly address: HostAddress;
  /** Tomcat's HTTP connector port (HTTP balancers send here). */
  readonly httpPort: number;
  /** Tomcat's AJP 1.3 connector port (mod_jk sends here). */
  readonly ajpPort: number;
  /** `maxConnections` of the AJP connector. */
  readonly ajpMaxConnections: number;
  /** Tomcat's `jvmRoute`, the suffix of its session ids (`<id>.<route>`). */
  readonly route: string;
  /** 10 for active members; 0 for hot standbys, which get traffic only when every active member is down. */
  readonly priority: number;
}

/** An application's health check, made by the balancer over HTTP. */
export interface HttpHealthCheck {
  /** The path requested on each member, e.g. `/identity/health`; healthy on 2xx. */
  readonly path: string;
  /** Seconds between checks. */
  readonly intervalSeconds: number;
  /** Seconds a check waits for its answer. */
  readonly timeoutSeconds: number;
  /** Failed checks in a row before a member is taken out. */
  readonly fall: number;
  /** Good checks in a row before it is taken back. */
  readonly rise: number;
}

/** One application's pool. */
export interface WebPool {
  /** The application's name, e.g. `operator`. */
  readonly name: string;
  /** Context paths routed here, e.g. `/identity`. */
  readonly paths: string[];
  /** The Tomcats of the pool, standbys with priority 0. */
  readonly members: WebPoolMember[];
  /** How a member is chosen. */
  readonly selection: PoolSelection;
  /** The pool's HTTP health check. */
  readonly health: HttpHealthCheck;
}

/** The platform-neutral model of an HA web tier that every web tier target renders. */
export interface WebTierModel {
  /** The tier's name. */
  readonly name: string;
  /** One HTTP listener per application, on the balancer's port, with its paths and the cookie stickiness. */
  readonly listeners: ServiceListener[];
  /** One pool per application. */
  readonly pools: WebPool[];
  /** Every Tomcat, in the order given. */
  readonly nodes: WebPoolMember[];
  /** The port the balancer listens on. */
  readonly frontendPort: number;
  /** How a session stays on its Tomcat. */
  readonly stickiness: CookieStickiness;
  /** Idle seconds after which Tomcat closes an AJP connection (its `connectionTimeout`); mod_jk's pool timeout matches it. */
  readonly connectionTimeoutSeconds: number;
  /** The longest a balancer waits for a Tomcat's response (HAProxy `timeout server`, mod_proxy `timeout`, mod_jk `reply_timeout`). */
  readonly responseTimeoutSeconds: number;
  /** Client CIDR blocks allowed to reach the balancer (cloud targets); empty means the renderer's own default. */
  readonly allowedClients: string[];
}

/** A rendering of a web tier: mod_jk, mod_proxy_balancer, HAProxy, ALB, Application Gateway, F5, ... */
export interface IWebTierTarget {
  /** Platform key, e.g. `mod-jk`; also the key under `targets:` in a topology file. */
  readonly platform: string;
  /**
   * The balancer's own status page on its host (`/jkstatus`, `/balancer-manager`, ...), which a
   * standby balancer's health check requests; none for a managed cloud balancer.
   * @default - none
   */
  readonly balancerStatusPath?: string;
  /** Records every platform limit the tier or the target's props break. */
  validate(model: WebTierModel, problems: Problems): void;
  /** Creates the platform's Terraform resources under `scope` (cloud targets); file targets create none. */
  render(scope: Construct, model: WebTierModel): void;
  /** Paste-ready files (`snippets/<tier>/...`); empty when none. */
  snippets(model: WebTierModel): Snippet[];
  /** What the platform does differently from the tier's settings, printed by `idha synth`; empty when nothing. */
  warnings(model: WebTierModel): string[];
  /**
   * The names and numbers this target takes in namespaces a topology's services share (an F5 tenant,
   * NSG priorities, a DNS name, a VRRP id); `idha synth` refuses a second holder. Empty when none.
   */
  claims(model: WebTierModel): Claim[];
  /**
   * Worst case until a failed node gets no new requests, and until it gets them again (`service` is
   * the tier's name).
   */
  estimate(model: WebTierModel): FailoverEstimate;
  /** The balancer hosts' install steps (an on-host balancer); undefined for a managed cloud balancer. */
  hostSteps(model: WebTierModel): BalancerHostSteps | undefined;
}

/**
 * A base for web tier targets, with no files, no warnings, no claims and no host steps by default. Extend it to
 * add a platform of your own, in any jsii language: implement `platform`, `validate`, `render` and
 * `estimate`.
 */
export abstract class WebTierTargetBase implements IWebTierTarget {
  public abstract readonly platform: string;
  /** @default - none: a managed balancer with no status page on a host of yours */
  public readonly balancerStatusPath?: string;
  public abstract validate(model: WebTierModel, problems: Problems): void;
  public abstract render(scope: Construct, model: WebTierModel): void;
  public abstract estimate(model: WebTierModel): FailoverEstimate;
  public snippets(_model: WebTierModel): Snippet[] {
    return [];
  }
  public warnings(_model: WebTierModel): string[] {
    return [];
  }
  public claims(_model: WebTierModel): Claim[] {
    return [];
  }
  public hostSteps(_model: WebTierModel): BalancerHostSteps | undefined {
    return undefined;
  }
}

/** A balancer target's part of the balancer hosts' steps. */
export interface BalancerHostSteps {
  /** The platform key, e.g. `mod-jk`. */
  readonly platform: string;
  /** Commands (and `#` comments), run from the tier's snippets folder. */
  readonly lines: string[];
  /** The httpd file holding `Define IDHA_AJP_SECRET`, for mod_jk. */
  readonly ajpSecretFile?: string;
}

/** `host` or `[v6]` for URLs and `host:port` pairs. */
export function urlHost(a: HostAddress): string {
  return a.kind === AddressKind.IPV6 ? `[${a.value}]` : a.value;
}
