import { Construct } from 'constructs';
import {
  Lb,
  LbListener,
  LbTargetGroup,
  LbTargetGroupAttachment,
  SecurityGroup,
  VpcSecurityGroupEgressRule,
  VpcSecurityGroupIngressRule,
} from '../../framework/provider-aws';
import { AddressKind, hostCidr } from '../../core/address';
import { lintIgnore, NOISY_PROBE_CHOSEN } from '../../core/lint-ignore';
import { cidrProps } from '../shared/aws';
import { ConnectionAction, HaServiceModel } from '../../model/ha-service-model';
import { priorityProbe, ProbeKind } from '../../model/probe-policy';
import { AwsNlbTarget, ResolvedAwsProps } from './service-target';

export interface AwsNetworkLoadBalancerProps {
  readonly model: HaServiceModel;
  readonly target: ResolvedAwsProps;
}

/** The AWS resources of one service: NLB, target groups, attachments, listeners and security group rules. */
export class AwsNetworkLoadBalancer extends Construct {
  public readonly loadBalancer: Lb;
  public readonly securityGroup: SecurityGroup;
  public readonly targetGroups: LbTargetGroup[] = [];

  constructor(scope: Construct, id: string, props: AwsNetworkLoadBalancerProps) {
    super(scope, id);
    const { model, target: t } = props;
    const provider = t.provider;
    const name = model.name;
    const pool0 = model.pools[0];
    const probe = pool0.probe;
    const ipv6 = pool0.members[0].address.kind === AddressKind.IPV6;

    this.securityGroup = new SecurityGroup(this, 'sg', {
      provider,
      name: `${name}-nlb`,
      description: `identity-ha ${name}: NLB in front of the IQService pair`,
      vpcId: t.vpcId,
      tags: t.tags,
    });
    this.loadBalancer = new Lb(this, 'lb', {
      provider,
      name: AwsNlbTarget.loadBalancerName(model),
      internal: true,
      loadBalancerType: 'network',
      subnets: t.subnetIds,
      securityGroups: [this.securityGroup.id],
      // The primary and secondary usually sit in different zones; prefer-primary needs every NLB node to reach both.
      enableCrossZoneLoadBalancing: true,
      ipAddressType: ipv6 ? 'dualstack' : 'ipv4',
      tags: t.tags,
    });

    // The NLB sends to every healthy target: it probes the sidecars' priority gate, open on one host at a time.
    const target = priorityProbe(probe) ?? { port: probe.port, path: probe.path };
    const healthCheck = {
      enabled: true,
      protocol: probe.kind === ProbeKind.SIDECAR_HTTP ? 'HTTP' : 'TCP',
      port: String(target.port),
      path: target.path,
      matcher: probe.kind === ProbeKind.SIDECAR_HTTP ? '200' : undefined,
      interval: t.intervalSeconds,
      timeout: t.timeoutSeconds,
      healthyThreshold: t.healthyThreshold,
      unhealthyThreshold: t.unhealthyThreshold,
    };

    for (const listener of model.listeners) {
      const pool = model.pools.find((p) => p.name === listener.poolName)!;
      const tg = new LbTargetGroup(this, `tg-${listener.name}`, {
        provider,
        name: AwsNlbTarget.targetGroupName(model, listener.port),
        port: pool.members[0].port,
        protocol: 'TCP',
        targetType: 'ip',
        ipAddressType: ipv6 ? 'ipv6' : 'ipv4',
        vpcId: t.vpcId,
        // A PROXY v2 header in front of the first bytes breaks IQService's length-prefixed framing.
        proxyProtocolV2: false,
        // Keep the NLB as the source so that the hosts' security group can reference it.
        preserveClientIp: 'false',
        connectionTermination: true,
        deregistrationDelay: String(t.deregistrationDelaySeconds),
        // One switch for both moves: a target marked unhealthy (the primary on failover, the
        // secondary on failback) has its connections reset or kept (checked in AwsNlbTarget).
        targetHealthState: [{ enableUnhealthyConnectionTermination: model.connections.onFailover === ConnectionAction.RESET }],
        // With no healthy target an NLB fails open (sends to all targets); 1 is the least it takes.
        targetGroupHealth: { unhealthyStateRouting: { minimumHealthyTargetsCount: 1 } },
        healthCheck,
        tags: t.tags,
      });
      // A check on the service port only where the topology asked for it: say so where idha lint reads it.
      if (pool.probe.kind === ProbeKind.TCP_CONNECT)
        tg.addOverride('//.idha-lint', lintIgnore('IDHA-AWS-001', `${NOISY_PROBE_CHOSEN} in the topology`));
      this.targetGroups.push(tg);
      for (const m of pool.members) {
        new LbTargetGroupAttachment(this, `tg-${listener.name}-${m.name}`, {
          provider,
          targetGroupArn: tg.arn,
          targetId: m.address.value,
          port: m.port,
          availabilityZone: t.targetsOutsideVpc ? 'all' : undefined,
        });
      }
      new LbListener(this, `listener-${listener.name}`, {
        provider,
        loadBalancerArn: this.loadBalancer.arn,
        port: listener.port,
        protocol: 'TCP',
        tcpIdleTimeoutSeconds: model.connections.idleTimeoutMinutes * 60,
        defaultAction: [{ type: 'forward', targetGroupArn: tg.arn }],
        tags: t.tags,
      });
    }

    // NLB security group: service ports in from the allowed clients; out to the hosts on the
    // service ports and the probe port.
    for (const [i, cidr] of model.allowedClients.entries()) {
      for (const port of model.servicePorts) {
        new VpcSecurityGroupIngressRule(this, `sg-in-${port}-${i}`, {
          provider,
          securityGroupId: this.securityGroup.id,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          ...cidrProps(cidr),
          description: `IQService ${port} from allowed client ${cidr}`,
        });
      }
    }
    const egressPorts = [...new Set([...model.servicePorts, target.port])];
    for (const m of pool0.members) {
      const cidr = hostCidr(m.address);
      for (const port of egressPorts) {
        new VpcSecurityGroupEgressRule(this, `sg-out-${m.name}-${port}`, {
          provider,
          securityGroupId: this.securityGroup.id,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          ...cidrProps(cidr),
          description: `to ${m.name} ${port === target.port && !model.servicePorts.includes(port) ? 'probe' : 'IQService'} port ${port}`,
        });
      }
    }
    if (t.targetSecurityGroupId) {
      for (const port of egressPorts) {
        new VpcSecurityGroupIngressRule(this, `host-in-${port}`, {
          provider,
          securityGroupId: t.targetSecurityGroupId,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          referencedSecurityGroupId: this.securityGroup.id,
          description: `identity-ha ${name}: from the NLB on ${port}`,
        });
      }
      if (probe.usesSidecar) {
        for (const m of pool0.members) {
          new VpcSecurityGroupIngressRule(this, `host-in-peer-${m.name}`, {
            provider,
            securityGroupId: t.targetSecurityGroupId,
            ipProtocol: 'tcp',
            fromPort: probe.healthPort,
            toPort: probe.healthPort,
            ...cidrProps(hostCidr(m.address)),
            description: `identity-ha ${name}: sidecar health port from ${m.name} (standby polling)`,
          });
        }
      }
    }
  }
}
