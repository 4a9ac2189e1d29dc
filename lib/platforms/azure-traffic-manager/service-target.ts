import { TerraformProvider, Token } from '../../framework/cdktf';
import { Claim } from '../../model/claim';
import { Construct } from 'constructs';
import { checkInteger, checkName, checkOneOf, checkRequiredId } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { HaServiceModel, HaStrategy } from '../../model/ha-service-model';
import { checkDnsClients, checkDnsHealthChecks } from '../shared/dns-checks';
import { HaTargetBase } from '../../model/service-target';
import { AzureTrafficManager } from './azure-traffic-manager';

/** Traffic Manager endpoint monitor timing. */
export interface TrafficManagerMonitorProps {
  /**
   * Seconds between probes: 30 (normal) or 10 (fast probing, billed extra).
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds a probe may take: 5-10 with a 30 s interval, 5-9 with a 10 s interval.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Failed probes tolerated before the endpoint is Degraded on the next failure, 0-9.
   * @default 2
   */
  readonly toleratedFailures?: number;
}

/** An Azure Traffic Manager profile (priority routing) for a pair with `strategy: dns`. */
export interface AzureTrafficManagerTargetProps {
  /** Existing resource group to create the Traffic Manager profile in. */
  readonly resourceGroupName: string;
  /**
   * Relative DNS name: clients resolve `<relativeDnsName>.trafficmanager.net` (or your own name
   * CNAMEd to it). Unique across all of Azure; 1-63 letters, digits and hyphens.
   * @default - the service name
   */
  readonly relativeDnsName?: string;
  /**
   * Name of the Traffic Manager profile.
   * @default `<service>-tm`
   */
  readonly profileName?: string;
  /**
   * TTL of the DNS answer in seconds: how long resolvers keep the old answer after a failover
   * (0-2147483647). Counted in the failover estimate.
   * @default 30
   */
  readonly dnsTtlSeconds?: number;
  /**
   * The endpoint monitor's timing.
   * @default - every 30 s, 3 tolerated failures, 10 s timeout
   */
  readonly monitor?: TrafficManagerMonitorProps;
  /** Provider to use, for stacks with more than one azurerm provider. @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
  /**
   * Tags on every resource created.
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

export interface ResolvedTrafficManagerProps extends AzureTrafficManagerTargetProps {
  readonly dnsTtlSeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly toleratedFailures: number;
}

const RELATIVE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const PROFILE_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/i;
export const MAX_DNS_TTL = 2147483647;

/**
 * DNS failover through Azure Traffic Manager: a Priority profile with one external endpoint per
 * host (primary priority 1, secondary 2) and a monitor on the sidecar gate port. Nothing shared
 * sits in the data path: clients connect straight to the host the name resolves to.
 */
export class AzureTrafficManagerTarget extends HaTargetBase {
  public readonly platform = 'azure-traffic-manager';
  public readonly strategy = HaStrategy.DNS;
  /**
   * The props with every default applied (TypeScript only: not part of the jsii API).
   * @internal
   */
  public readonly _props: ResolvedTrafficManagerProps;

  constructor(props: AzureTrafficManagerTargetProps) {
    super();
    this._props = {
      ...props,
      dnsTtlSeconds: props.dnsTtlSeconds ?? 30,
      intervalSeconds: props.monitor?.intervalSeconds ?? 10,
      timeoutSeconds: props.monitor?.timeoutSeconds ?? 5,
      toleratedFailures: props.monitor?.toleratedFailures ?? 2,
    };
  }

  /** The profile's relative DNS name: `relativeDnsName`, or the service's name. */
  public relativeName(model: HaServiceModel): string {
    return this._props.relativeDnsName ?? model.name;
  }

  /** The profile's name, `<relativeDnsName>.trafficmanager.net`. */
  public claims(model: HaServiceModel): Claim[] {
    const name = this.relativeName(model).toLowerCase();
    return [
      {
        scope: 'Traffic Manager DNS name',
        key: name,
        field: 'relativeDnsName',
        value: name,
        fix: 'each Traffic Manager profile needs its own <relativeDnsName>.trafficmanager.net',
      },
    ];
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    const p = this._props;
    checkRequiredId(problems, 'resourceGroupName', p.resourceGroupName, 'resource group');
    const relativeName = this.relativeName(model);
    if (!Token.isUnresolved(relativeName))
      checkName(
        problems,
        'relativeDnsName',
        relativeName,
        RELATIVE_NAME,
        '1-63 letters, digits and hyphens, not starting or ending with a hyphen',
        'clients resolve <relativeDnsName>.trafficmanager.net; pick a name unique across Azure',
      );
    if (p.profileName !== undefined && !Token.isUnresolved(p.profileName))
      checkName(problems, 'profileName', p.profileName, PROFILE_NAME, '1-63 letters, digits, dots and hyphens');
    checkInteger(
      problems,
      'dnsTtlSeconds',
      p.dnsTtlSeconds,
      0,
      MAX_DNS_TTL,
      'lower TTLs fail over sooner but cost more DNS queries; 30 is a common choice',
    );
    if (
      checkOneOf(
        problems,
        'monitor.intervalSeconds',
        p.intervalSeconds,
        [10, 30],
        'Traffic Manager probes every 30 s, or every 10 s with fast probing',
      )
    ) {
      const maxTimeout = p.intervalSeconds === 10 ? 9 : 10;
      checkInteger(
        problems,
        'monitor.timeoutSeconds',
        p.timeoutSeconds,
        5,
        maxTimeout,
        `with intervalSeconds ${p.intervalSeconds} Traffic Manager allows a timeout of 5 to ${maxTimeout} seconds`,
      );
    }
    checkInteger(problems, 'monitor.toleratedFailures', p.toleratedFailures, 0, 9);
    checkDnsClients(model, problems, 'Traffic Manager');
    checkDnsHealthChecks(
      model,
      problems,
      'Traffic Manager',
      "Traffic Manager probes from Azure's public probing agents and cannot reach private addresses: give the host's public IP or public " +
        'DNS name (and open the probe port to the AzureTrafficManager service tag), or use strategy "load-balancer" for private-only sites',
    );
  }

  public render(scope: Construct, model: HaServiceModel): void {
    new AzureTrafficManager(scope, 'tm', { model, target: this._props, relativeName: this.relativeName(model) });
  }

  /**
   * Traffic Manager declares an endpoint Degraded on the failure after `toleratedFailures`, so
   * `toleratedFailures + 1` probes must fail; the last one fails after `timeoutSeconds`. Resolvers
   * then keep the old answer for up to the TTL.
   */
  public timing(): BalancerTiming {
    const { intervalSeconds: i, toleratedFailures: n, timeoutSeconds: t, dnsTtlSeconds: ttl } = this._props;
    return {
      markDownSeconds: i * (n + 1) + t,
      markDownFormula: `${i}s x ${n + 1} failures + ${t}s timeout`,
      markUpSeconds: i,
      markUpFormula: `${i}s (one good probe)`,
      dnsTtlSeconds: ttl,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    return estimateFailover(model.name, this.platform, this.timing(), sidecarTerms(model));
  }
}
