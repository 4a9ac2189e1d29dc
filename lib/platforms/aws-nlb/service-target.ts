import { TerraformProvider, Token } from '../../framework/cdktf';
import { Construct } from 'constructs';
import { checkAwsId, checkInteger, checkUniqueIds } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { HaServiceModel, HaStrategy } from '../../model/ha-service-model';
import { checkIpMembersAndFullHandshakeProbe } from '../shared/member-checks';
import { HaTargetBase } from '../../model/service-target';
import { AwsNetworkLoadBalancer } from './aws-network-load-balancer';

/** NLB target-group health check timing. */
export interface AwsHealthCheckProps {
  /** Seconds between checks, 5-300. @default 5 */
  readonly intervalSeconds?: number;
  /** Seconds to wait for an answer, 2-120 and less than the interval. @default 3 */
  readonly timeoutSeconds?: number;
  /** Consecutive good checks before a target is healthy, 2-10. @default 2 */
  readonly healthyThreshold?: number;
  /** Consecutive failed checks before a target is unhealthy, 2-10. @default 2 */
  readonly unhealthyThreshold?: number;
}

/** Where and how an IQService pair gets an internal AWS Network Load Balancer. */
export interface AwsNlbTargetProps {
  /** Existing VPC for the target groups and security group. */
  readonly vpcId: string;
  /** Existing subnets for the internal NLB (one per Availability Zone). */
  readonly subnetIds: string[];
  /**
   * Existing security group on the IQService hosts; when given, ingress from the NLB on the
   * service and probe ports (and the sidecar health port between the hosts) is added to it.
   * @default - no rules added on the hosts
   */
  readonly targetSecurityGroupId?: string;
  /**
   * The hosts are outside the VPC (on premises over Direct Connect or VPN, or a peered VPC):
   * targets are registered with `availability_zone = "all"`.
   * @default false
   */
  readonly targetsOutsideVpc?: boolean;
  /** Seconds the NLB waits before dropping a deregistered target, 0-3600. @default 10 */
  readonly deregistrationDelaySeconds?: number;
  /**
   * The target groups' health check timing.
   * @default - every 5 s, 2 good or bad checks
   */
  readonly healthCheck?: AwsHealthCheckProps;
  /** Provider to use, for stacks with more than one aws provider. @default - the stack's default aws provider */
  readonly provider?: TerraformProvider;
  /**
   * Tags on every resource created.
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

export interface ResolvedAwsProps extends AwsNlbTargetProps {
  readonly deregistrationDelaySeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/**
 * Renders a service as an internal AWS Network Load Balancer: IP target groups with the health
 * check on the sidecar gate port, proxy protocol off, unhealthy-connection termination, TCP
 * listeners (no TLS termination), and matching security group rules.
 */
export class AwsNlbTarget extends HaTargetBase {
  public readonly platform = 'aws';
  public readonly strategy = HaStrategy.LOAD_BALANCER;
  public readonly needsStandbySidecar?: boolean = true;
  /**
   * The props with every default applied (TypeScript only: not part of the jsii API).
   * @internal
   */
  public readonly _props: ResolvedAwsProps;

  constructor(props: AwsNlbTargetProps) {
    super();
    this._props = {
      ...props,
      deregistrationDelaySeconds: props.deregistrationDelaySeconds ?? 10,
      intervalSeconds: props.healthCheck?.intervalSeconds ?? 5,
      timeoutSeconds: props.healthCheck?.timeoutSeconds ?? 3,
      healthyThreshold: props.healthCheck?.healthyThreshold ?? 2,
      unhealthyThreshold: props.healthCheck?.unhealthyThreshold ?? 2,
    };
  }

  /** The NLB's name: `<service>-nlb` (within AWS's 32 characters, as the service name is at most 24). */
  public static loadBalancerName(model: HaServiceModel): string {
    return `${model.name}-nlb`;
  }

  /** A target group's name: `<service>-<port>`. */
  public static targetGroupName(model: HaServiceModel, port: number): string {
    return `${model.name}-${port}`;
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    const p = this._props;
    checkAwsId(problems, 'vpcId', p.vpcId, 'vpc', 'VPC');
    if (Token.isUnresolved(p.subnetIds)) {
      // a list reference from the user's stack (e.g. data.aws_subnets.ids): checked by AWS at apply
    } else if (!Array.isArray(p.subnetIds) || p.subnetIds.length === 0) {
      problems.add({
        field: 'subnetIds',
        value: p.subnetIds,
        allowed: 'a non-empty list of existing subnet IDs, one per Availability Zone',
        fix: 'list at least one subnet; two in different zones for a zone-resilient NLB',
      });
    } else {
      checkUniqueIds(problems, 'subnetIds', p.subnetIds, (f, v) => checkAwsId(problems, f, v, 'subnet', 'subnet'));
    }
    if (p.targetSecurityGroupId !== undefined)
      checkAwsId(problems, 'targetSecurityGroupId', p.targetSecurityGroupId, 'sg', 'security group on the IQService hosts');
    checkInteger(problems, 'deregistrationDelaySeconds', p.deregistrationDelaySeconds, 0, 3600);
    const okI = checkInteger(problems, 'healthCheck.intervalSeconds', p.intervalSeconds, 5, 300);
    const okT = checkInteger(problems, 'healthCheck.timeoutSeconds', p.timeoutSeconds, 2, 120);
    if (okI && okT && p.timeoutSeconds >= p.intervalSeconds) {
      problems.add({
        field: 'healthCheck.timeoutSeconds',
        value: p.timeoutSeconds,
        allowed: `less than healthCheck.intervalSeconds (${p.intervalSeconds})`,
        fix: `set timeoutSeconds to at most ${p.intervalSeconds - 1}`,
      });
    }
    checkInteger(problems, 'healthCheck.healthyThreshold', p.healthyThreshold, 2, 10);
    checkInteger(problems, 'healthCheck.unhealthyThreshold', p.unhealthyThreshold, 2, 10);
    checkIpMembersAndFullHandshakeProbe(model, problems, {
      name: 'AWS NLB',
      noDns: 'NLB IP targets take no DNS names',
      oneFamily: 'an NLB target group is IPv4 or IPv6',
    });
    const { onFailover, onFailback } = model.connections;
    if (onFailover !== onFailback) {
      problems.root().add({
        field: 'onFailback',
        value: onFailback,
        allowed: `"${onFailover}", the same as onFailover, on AWS NLB`,
        fix:
          'an NLB has one switch for both (enable_unhealthy_connection_termination): it resets or keeps the connections of whichever host ' +
          'is marked unhealthy, the primary on failover and the secondary on failback. Set both to keep or both to reset',
      });
    }
  }

  public render(scope: Construct, model: HaServiceModel): void {
    new AwsNetworkLoadBalancer(scope, 'nlb', { model, target: this._props });
  }

  /**
   * Down after `unhealthyThreshold` failed checks (each up to one interval apart) plus the last
   * check's timeout; up after `healthyThreshold` good checks.
   */
  public timing(): BalancerTiming {
    const p = this._props;
    return {
      markDownSeconds: p.intervalSeconds * p.unhealthyThreshold + p.timeoutSeconds,
      markDownFormula: `${p.intervalSeconds}s x ${p.unhealthyThreshold} + ${p.timeoutSeconds}s timeout`,
      markUpSeconds: p.intervalSeconds * p.healthyThreshold,
      markUpFormula: `${p.intervalSeconds}s x ${p.healthyThreshold}`,
    };
  }

  /**
   * With no healthy target an NLB fails open: it sends new connections to every registered target.
   * That happens between the NLB marking the primary down and marking the secondary up (at most the
   * standby's detection plus healthyThreshold checks), and for good while no sidecar runs.
   */
  public estimate(model: HaServiceModel): FailoverEstimate {
    const sidecar = sidecarTerms(model, true);
    const e = estimateFailover(model.name, this.platform, this.timing(), sidecar);
    if (sidecar?.standbySeconds === undefined) return e;
    const window = sidecar.standbySeconds + this.timing().markUpSeconds;
    return {
      ...e,
      notes: [
        `fail-open: for up to ${window} s (${sidecar.standbySeconds}s the secondary opens its priority gate + ` +
          `${this.timing().markUpFormula}) after the NLB marks the primary down, no target is healthy and the NLB sends new connections to ` +
          `both hosts; with no sidecar running on either host it does so all the time`,
      ],
    };
  }
}
