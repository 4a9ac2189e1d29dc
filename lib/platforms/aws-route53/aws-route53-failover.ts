import { Construct } from 'constructs';
import { CloudwatchMetricAlarm, Route53HealthCheck, Route53Record } from '../../framework/provider-aws';
import { AddressKind } from '../../core/address';
import { HaServiceModel, membersByPriority } from '../../model/ha-service-model';
import { dnsCheckSpec } from '../shared/dns-checks';
import { recordType, ResolvedRoute53Props } from './service-target';

export interface AwsRoute53FailoverProps {
  readonly model: HaServiceModel;
  readonly target: ResolvedRoute53Props;
}

/**
 * The AWS resources of one service under the DNS strategy: per host a health check (endpoint check
 * on the sidecar, or CloudWatch-alarm check for private zones) and a failover record, PRIMARY for
 * the highest-priority member and SECONDARY for the other.
 */
export class AwsRoute53Failover extends Construct {
  public readonly healthChecks: Route53HealthCheck[] = [];
  public readonly records: Route53Record[] = [];
  public readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: AwsRoute53FailoverProps) {
    super(scope, id);
    const { model, target: t } = props;
    const provider = t.provider;
    const pool = model.pools[0];
    const check = dnsCheckSpec(pool.probe);
    const members = membersByPriority(pool);
    if (members.length !== 2) throw new Error(`internal: Route 53 failover needs exactly two members, got ${members.length}`);

    members.forEach((m, i) => {
      const role = i === 0 ? 'PRIMARY' : 'SECONDARY';
      const tags = { ...t.tags, Name: `${model.name}-${m.name}` };
      let healthCheck: Route53HealthCheck;
      if (t.privateZone && t.metric) {
        const metric = t.metric;
        const alarm = new CloudwatchMetricAlarm(this, `${m.name}-alarm`, {
          provider,
          region: metric.region,
          alarmName: `${model.name}-${m.name}-health`,
          alarmDescription: `identity-ha: ${model.name} ${m.name} (${m.address.value}) unhealthy; drives the Route 53 ${role} failover record`,
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensions: { [metric.dimensionName]: m.address.value },
          statistic: 'Minimum',
          period: metric.periodSeconds,
          evaluationPeriods: metric.evaluationPeriods,
          threshold: 1,
          comparisonOperator: 'LessThanThreshold',
          // A host that stops publishing (down, or its publisher is) counts as unhealthy.
          treatMissingData: 'breaching',
          tags,
        });
        this.alarms.push(alarm);
        healthCheck = new Route53HealthCheck(this, `${m.name}-check`, {
          provider,
          type: 'CLOUDWATCH_METRIC',
          cloudwatchAlarmName: alarm.alarmName,
          cloudwatchAlarmRegion: metric.region,
          insufficientDataHealthStatus: 'Unhealthy',
          tags,
        });
      } else {
        const isName = m.address.kind === AddressKind.DNS;
        healthCheck = new Route53HealthCheck(this, `${m.name}-check`, {
          provider,
          type: check.protocol,
          ipAddress: isName ? undefined : m.address.value,
          fqdn: isName ? m.address.value : undefined,
          port: check.port,
          resourcePath: check.path,
          requestInterval: t.requestIntervalSeconds,
          failureThreshold: t.failureThreshold,
          tags,
        });
      }
      this.healthChecks.push(healthCheck);
      this.records.push(
        new Route53Record(this, `${m.name}-record`, {
          provider,
          zoneId: t.hostedZoneId,
          name: t.recordName,
          type: recordType(m.address.kind),
          ttl: t.dnsTtlSeconds,
          records: [m.address.value],
          setIdentifier: `${model.name}-${m.name}`,
          failoverRoutingPolicy: { type: role },
          healthCheckId: healthCheck.id,
        }),
      );
    });
  }
}
