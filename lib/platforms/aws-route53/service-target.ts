import { TerraformProvider, Token } from '../../framework/cdktf';
import { Claim } from '../../model/claim';
import { Construct } from 'constructs';
import { AddressKind } from '../../core/address';
import { checkInteger, checkName, checkOneOf, checkRequiredId } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { HaServiceModel, HaStrategy } from '../../model/ha-service-model';
import { checkDnsClients, checkDnsHealthChecks, dnsCheckSpec } from '../shared/dns-checks';
import { HaTargetBase } from '../../model/service-target';
import { AwsRoute53Failover } from './aws-route53-failover';

/** Route 53 endpoint health check timing (public hosted zones). */
export interface Route53HealthCheckProps {
  /**
   * Seconds between checks from each checker: 30 (standard) or 10 (fast, billed extra). Cannot be
   * changed after the health check is created.
   * @default 10
   */
  readonly requestIntervalSeconds?: number;
  /** Consecutive failed checks before the endpoint is unhealthy, 1-10. @default 2 */
  readonly failureThreshold?: number;
}

/**
 * For private hosted zones: Route 53 checkers run on the internet and cannot reach private IPs, so
 * each host's health comes from a CloudWatch metric you publish (1 = healthy, 0 = not), watched by
 * one alarm per host that a CLOUDWATCH_METRIC health check follows.
 */
export interface Route53HealthMetricProps {
  /** CloudWatch namespace of your metric, e.g. `IdentityHA`. */
  readonly namespace: string;
  /** Metric name, e.g. `GateOpen`. Publish 1 while the host's sidecar reports healthy, 0 otherwise. */
  readonly metricName: string;
  /**
   * Dimension that tells the hosts apart; its value is the host address as given in the topology.
   * @default Host
   */
  readonly dimensionName?: string;
  /** Region the alarms live in (Route 53 needs it to find them), e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Alarm period in seconds: a multiple of 60 (Route 53 supports only standard-resolution alarms).
   * @default 60
   */
  readonly periodSeconds?: number;
  /** Periods the metric must be below 1 before the alarm fires, 1-10. @default 1 */
  readonly evaluationPeriods?: number;
}

/** Route 53 failover records for a pair with `strategy: dns`. */
export interface AwsRoute53FailoverTargetProps {
  /** ID of the existing hosted zone that holds the record. */
  readonly hostedZoneId: string;
  /** Fully qualified record name clients resolve, e.g. `iqservice.corp.example.com`. */
  readonly recordName: string;
  /**
   * The hosted zone is private (associated with VPCs). Endpoint health checks cannot reach private
   * IPs; `healthMetric` is then required and CloudWatch-alarm health checks are rendered instead.
   * @default false
   */
  readonly privateZone?: boolean;
  /**
   * TTL of the records in seconds (0-2147483647): how long resolvers keep the old answer after a
   * failover. Counted in the failover estimate.
   * @default 30
   */
  readonly dnsTtlSeconds?: number;
  /**
   * The Route 53 health checks' timing (public zones).
   * @default - every 30 s, 3 failures
   */
  readonly healthCheck?: Route53HealthCheckProps;
  /** Required with `privateZone: true`. */
  readonly healthMetric?: Route53HealthMetricProps;
  /** Provider to use, for stacks with more than one aws provider. @default - the stack's default aws provider */
  readonly provider?: TerraformProvider;
  /** Tags for the health checks and alarms (records take no tags). */
  readonly tags?: Record<string, string>;
}

export interface ResolvedRoute53Props extends AwsRoute53FailoverTargetProps {
  readonly privateZone: boolean;
  readonly dnsTtlSeconds: number;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  readonly metric?: Required<Route53HealthMetricProps>;
}

/** Route 53 waits this long for a TCP connection (HTTP checks: 4 s to connect plus 2 s for the answer). */
export const ROUTE53_TCP_TIMEOUT_SECONDS = 10;
export const ROUTE53_HTTP_TIMEOUT_SECONDS = 6;
const RECORD_NAME = /^(?=.{1,253}\.?$)(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/**
 * DNS failover through Route 53: two failover records (PRIMARY and SECONDARY) for one name, each
 * tied to its own health check on the host's sidecar gate port, or (private zones) to a CloudWatch
 * alarm on a metric you publish.
 */
export class AwsRoute53FailoverTarget extends HaTargetBase {
  public readonly platform = 'aws-route53';
  public readonly strategy = HaStrategy.DNS;
  /**
   * The props with every default applied (TypeScript only: not part of the jsii API).
   * @internal
   */
  public readonly _props: ResolvedRoute53Props;

  constructor(props: AwsRoute53FailoverTargetProps) {
    super();
    const m = props.healthMetric;
    this._props = {
      ...props,
      privateZone: props.privateZone ?? false,
      dnsTtlSeconds: props.dnsTtlSeconds ?? 30,
      requestIntervalSeconds: props.healthCheck?.requestIntervalSeconds ?? 10,
      failureThreshold: props.healthCheck?.failureThreshold ?? 2,
      metric: m && {
        ...m,
        dimensionName: m.dimensionName ?? 'Host',
        periodSeconds: m.periodSeconds ?? 60,
        evaluationPeriods: m.evaluationPeriods ?? 1,
      },
    };
  }

  /** The failover record's name in its hosted zone. */
  public claims(_model: HaServiceModel): Claim[] {
    const p = this._props;
    return [
      {
        scope: `Route 53 record in zone ${p.hostedZoneId}`,
        key: String(p.recordName ?? '')
          .toLowerCase()
          .replace(/\.$/, ''),
        field: 'recordName',
        value: String(p.recordName),
        fix: 'two failover pairs on one name would mix their records; give each service its own name',
      },
    ];
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    checkDnsClients(model, problems, 'Route 53');
    const p = this._props;
    if (
      checkRequiredId(problems, 'hostedZoneId', p.hostedZoneId, 'Route 53 hosted zone') &&
      !Token.isUnresolved(p.hostedZoneId) &&
      !/^Z[0-9A-Z]{1,32}$/.test(p.hostedZoneId)
    ) {
      problems.add({
        field: 'hostedZoneId',
        value: p.hostedZoneId,
        allowed: 'a hosted zone ID: Z and up to 32 capital letters and digits (e.g. Z0123456789ABCDEFGHIJ)',
        fix: 'copy it from `aws route53 list-hosted-zones` (without the /hostedzone/ prefix)',
      });
    }
    if (!Token.isUnresolved(p.recordName))
      checkName(
        problems,
        'recordName',
        p.recordName,
        RECORD_NAME,
        'a fully qualified DNS name inside the hosted zone, e.g. iqservice.corp.example.com',
      );
    checkInteger(
      problems,
      'dnsTtlSeconds',
      p.dnsTtlSeconds,
      0,
      2147483647,
      'lower TTLs fail over sooner but cost more DNS queries; 30 is a common choice',
    );
    const members = model.pools[0].members;
    const kinds = new Set(members.map((x) => x.address.kind));
    if (kinds.size > 1) {
      problems.root().add({
        field: 'secondary.address',
        value: members[1].address.value,
        allowed: `an address of the same kind as primary.address (${members[0].address.kind})`,
        fix: 'both failover records must have one type (A, AAAA or CNAME): give both hosts IPv4, both IPv6, or both DNS names',
      });
    }
    if (p.privateZone) {
      if (p.healthCheck !== undefined) {
        problems.add({
          field: 'healthCheck',
          value: p.healthCheck,
          allowed: 'nothing with privateZone: true (health comes from healthMetric)',
          fix: 'remove healthCheck, or set privateZone: false for a public zone',
        });
      }
      const m = p.metric;
      if (!m) {
        problems.add({
          field: 'healthMetric',
          value: undefined,
          allowed: 'a CloudWatch metric (namespace, metricName, region) with privateZone: true',
          fix:
            'Route 53 checkers run on the internet and cannot reach private IPs: publish a metric per host (1 healthy, 0 not) and name it ' +
            'here; see docs/platforms/dns.md',
        });
      } else {
        const mp = problems.under('healthMetric');
        checkRequiredId(mp, 'namespace', m.namespace, 'CloudWatch namespace');
        checkRequiredId(mp, 'metricName', m.metricName, 'CloudWatch metric');
        checkRequiredId(mp, 'region', m.region, 'AWS region of the alarms');
        checkRequiredId(mp, 'dimensionName', m.dimensionName, 'metric dimension');
        if (checkInteger(mp, 'periodSeconds', m.periodSeconds, 60, 86400) && m.periodSeconds % 60 !== 0) {
          mp.add({
            field: 'periodSeconds',
            value: m.periodSeconds,
            allowed: 'a multiple of 60',
            fix: `Route 53 supports only standard-resolution alarms; use ${Math.max(60, Math.round(m.periodSeconds / 60) * 60)}`,
          });
        }
        checkInteger(mp, 'evaluationPeriods', m.evaluationPeriods, 1, 10);
      }
    } else {
      if (p.healthMetric !== undefined) {
        problems.add({
          field: 'healthMetric',
          value: p.healthMetric,
          allowed: 'nothing for a public zone (endpoint health checks are used)',
          fix: 'remove healthMetric, or set privateZone: true',
        });
      }
      checkOneOf(
        problems,
        'healthCheck.requestIntervalSeconds',
        p.requestIntervalSeconds,
        [10, 30],
        'Route 53 checks every 30 s, or every 10 s (fast)',
      );
      checkInteger(problems, 'healthCheck.failureThreshold', p.failureThreshold, 1, 10);
      checkDnsHealthChecks(
        model,
        problems,
        'Route 53',
        'Route 53 checkers run on the internet and cannot reach private IPs: set privateZone: true with healthMetric (CloudWatch alarm ' +
          'checks), or give public addresses',
      );
    }
  }

  public render(scope: Construct, model: HaServiceModel): void {
    new AwsRoute53Failover(scope, 'route53', { model, target: this._props });
  }

  /**
   * Public zones: `failureThreshold` checks must fail, the last after Route 53's connect timeout.
   * Private zones: the alarm needs `evaluationPeriods` breaching periods, plus one period for the
   * last datapoint to arrive and be evaluated. Then resolvers keep the old answer for up to the TTL.
   */
  public timing(model: HaServiceModel): BalancerTiming {
    const p = this._props;
    if (p.privateZone && p.metric) {
      const { periodSeconds: s, evaluationPeriods: n } = p.metric;
      return {
        markDownSeconds: s * (n + 1),
        markDownFormula: `${s}s x ${n} alarm periods + ${s}s metric delay`,
        markUpSeconds: s,
        markUpFormula: `${s}s (one good period)`,
        dnsTtlSeconds: p.dnsTtlSeconds,
      };
    }
    const i = p.requestIntervalSeconds;
    const n = p.failureThreshold;
    const t = dnsCheckSpec(model.pools[0].probe).protocol === 'HTTP' ? ROUTE53_HTTP_TIMEOUT_SECONDS : ROUTE53_TCP_TIMEOUT_SECONDS;
    return {
      markDownSeconds: i * n + t,
      markDownFormula: `${i}s x ${n} failures + ${t}s timeout`,
      markUpSeconds: i * n,
      markUpFormula: `${i}s x ${n} good checks`,
      dnsTtlSeconds: p.dnsTtlSeconds,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    return estimateFailover(model.name, this.platform, this.timing(model), sidecarTerms(model));
  }
}

/** Record type for a failover pair whose members have this kind of address. */
export function recordType(kind: AddressKind): 'A' | 'AAAA' | 'CNAME' {
  return kind === AddressKind.IPV4 ? 'A' : kind === AddressKind.IPV6 ? 'AAAA' : 'CNAME';
}
