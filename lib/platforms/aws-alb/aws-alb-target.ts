import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { DOT_SEGMENT_WILDCARDS } from '../../core/lang/request-path';
import { AddressKind } from '../../core/address';
import { cidrProps } from '../aws/aws-network-load-balancer';
import { checkAwsId, checkInteger, checkUniqueIds } from '../../core/checks';
import { Problems } from '../../core/errors';
import { WebTierModel } from '../../model/web-tier-model';
import { IWebTierTarget, WebTierEstimate } from '../../web-tier/ha-web-tier';
import { Snippet } from '../target';
import { checkAllowedClients, checkIpNodes, checkNoStandbys, httpCheckEstimate, tomcatHttpSnippets } from '../web-checks';

export interface AwsAlbTargetProps {
  /** Existing VPC of the Tomcats. */
  readonly vpcId: string;
  /** Existing subnets for the ALB, in two or more Availability Zones. */
  readonly subnetIds: string[];
  /** Existing security group on the Tomcats: ingress from the ALB on their HTTP ports is added. @default none added */
  readonly targetSecurityGroupId?: string;
  /** An internet-facing ALB instead of an internal one. @default false */
  readonly internetFacing?: boolean;
  /** Seconds a deregistered target keeps its requests, 0-3600. @default 30 */
  readonly deregistrationDelaySeconds?: number;
  /** @default the stack's AWS provider */
  readonly provider?: TerraformProvider;
  readonly tags?: Record<string, string>;
}

/**
 * An AWS Application Load Balancer: one target group per application with its health path and
 * `app_cookie` stickiness on `JSESSIONID`, an HTTP listener whose rules route by path, and security
 * group rules from the allowed clients in and to the Tomcats out. An ALB has no priorities, so
 * hot standbys are refused.
 */
export class AwsAlbTarget implements IWebTierTarget {
  public readonly platform = 'aws-alb';

  constructor(public readonly props: AwsAlbTargetProps) {}

  public validate(model: WebTierModel, problems: Problems): void {
    const p = this.props;
    checkAwsId(problems, 'vpcId', p.vpcId, 'vpc', 'VPC');
    if (!Array.isArray(p.subnetIds) || p.subnetIds.length < 2) {
      problems.add({ field: 'subnetIds', value: p.subnetIds, allowed: 'two or more subnets in different Availability Zones', fix: 'an ALB needs subnets in at least two zones' });
    } else {
      checkUniqueIds(problems, 'subnetIds', p.subnetIds, (f, v) => checkAwsId(problems, f, v, 'subnet', 'subnet'));
    }
    if (p.targetSecurityGroupId !== undefined) checkAwsId(problems, 'targetSecurityGroupId', p.targetSecurityGroupId, 'sg', 'security group');
    checkInteger(problems, 'deregistrationDelaySeconds', p.deregistrationDelaySeconds ?? 30, 0, 3600);
    checkAllowedClients(model, problems, 'aws-alb', 'the ALB\'s security group lets only these clients in');
    checkIpNodes(model, problems, 'aws-alb');
    checkNoStandbys(model, problems, 'aws-alb', 'sends to every healthy target of a group and fails open to all when none is healthy');
    const h = model.pools[0]?.health;
    if (h) {
      const r = problems.root();
      if (h.intervalSeconds < 5) r.add({ field: 'healthCheck.intervalSeconds', value: h.intervalSeconds, allowed: '5-300 with aws-alb', fix: 'an ALB checks at most every 5 s' });
      if (h.timeoutSeconds < 2) r.add({ field: 'healthCheck.timeoutSeconds', value: h.timeoutSeconds, allowed: '2-120 with aws-alb' });
      if (h.fall < 2) r.add({ field: 'healthCheck.fall', value: h.fall, allowed: '2-10 with aws-alb (unhealthy threshold)' });
      if (h.rise < 2) r.add({ field: 'healthCheck.rise', value: h.rise, allowed: '2-10 with aws-alb (healthy threshold)' });
    }
    if (model.name.length > 20) problems.root().add({ field: 'name', value: model.name, allowed: 'at most 20 characters with aws-alb', fix: 'AWS names an ALB in 32 characters: <name>-alb and <name>-<application> must fit' });
    model.pools.forEach((pool, i) => {
      if (`${model.name}-${pool.name}`.length > 32) problems.root().add({ field: `applications[${i}].name`, value: pool.name, allowed: `a name that keeps "${model.name}-<name>" within 32 characters`, fix: 'shorten the application or the tier name' });
    });
  }

  public render(scope: Construct, model: WebTierModel): void {
    const p = this.props;
    const provider = p.provider;
    const c = new Construct(scope, 'alb');
    const sg = new SecurityGroup(c, 'sg', { provider, name: `${model.name}-alb`, description: `identity-ha ${model.name}: ALB in front of the Tomcats`, vpcId: p.vpcId, tags: p.tags });
    const lb = new Lb(c, 'lb', {
      provider, name: `${model.name}-alb`, internal: !(p.internetFacing ?? false), loadBalancerType: 'application', subnets: p.subnetIds, securityGroups: [sg.id],
      ipAddressType: model.nodes[0].address.kind === AddressKind.IPV6 ? 'dualstack' : 'ipv4', tags: p.tags,
    });
    const listener = new LbListener(c, 'listener', {
      provider, loadBalancerArn: lb.arn, port: model.frontendPort, protocol: 'HTTP',
      defaultAction: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'no application at this path' } }],
      tags: p.tags,
    });
    // Tomcat resolves dot segments (also ..; and %2e%2e) after the ALB chose the target group by the
    // raw path: such requests are answered 400 first (AWS allows 5 condition values per rule).
    for (let k = 0; k * 5 < DOT_SEGMENT_WILDCARDS.length; k++) {
      new LbListenerRule(c, `rule-dot-segments-${k + 1}`, {
        provider, listenerArn: listener.arn, priority: k + 1,
        action: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '400', messageBody: 'dot segments and encoded separators are refused' } }],
        condition: [{ pathPattern: { values: DOT_SEGMENT_WILDCARDS.slice(k * 5, k * 5 + 5) } }],
        tags: p.tags,
      });
    }
    model.pools.forEach((pool, i) => {
      const h = pool.health;
      const tg = new LbTargetGroup(c, `tg-${pool.name}`, {
        provider, name: `${model.name}-${pool.name}`, port: pool.members[0].httpPort, protocol: 'HTTP', targetType: 'ip', vpcId: p.vpcId,
        deregistrationDelay: String(p.deregistrationDelaySeconds ?? 30),
        healthCheck: { enabled: true, protocol: 'HTTP', path: h.path, matcher: '200-299', interval: h.intervalSeconds, timeout: h.timeoutSeconds, healthyThreshold: h.rise, unhealthyThreshold: h.fall },
        // The ALB's own AWSALBAPP cookie follows Tomcat's JSESSIONID: a session stays on its target.
        stickiness: { enabled: true, type: 'app_cookie', cookieName: model.stickiness.cookieName, cookieDuration: 86400 },
        tags: p.tags,
      });
      for (const m of pool.members) {
        new LbTargetGroupAttachment(c, `tg-${pool.name}-${m.name}`, { provider, targetGroupArn: tg.arn, targetId: m.address.value, port: m.httpPort });
      }
      new LbListenerRule(c, `rule-${pool.name}`, {
        provider, listenerArn: listener.arn, priority: 100 + i * 10,
        action: [{ type: 'forward', targetGroupArn: tg.arn }],
        condition: [{ pathPattern: { values: pool.paths.flatMap((x) => [x.replace(/\/+$/, '') || '/', `${x.replace(/\/+$/, '')}/*`]) } }],
        tags: p.tags,
      });
    });
    model.allowedClients.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(c, `sg-in-${i}`, { provider, securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: model.frontendPort, toPort: model.frontendPort, ...cidrProps(cidr), description: `HTTP from allowed client ${cidr}` });
    });
    const ports = [...new Set(model.nodes.map((n) => n.httpPort))];
    for (const n of model.nodes) {
      for (const port of new Set([n.httpPort])) {
        new VpcSecurityGroupEgressRule(c, `sg-out-${n.name}`, {
          provider, securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: port, toPort: port,
          ...cidrProps(`${n.address.value}/${n.address.kind === AddressKind.IPV6 ? 128 : 32}`), description: `to ${n.name} HTTP ${port}`,
        });
      }
    }
    if (p.targetSecurityGroupId) {
      for (const port of ports) {
        new VpcSecurityGroupIngressRule(c, `host-in-${port}`, { provider, securityGroupId: p.targetSecurityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sg.id, description: `identity-ha ${model.name}: from the ALB on ${port}` });
      }
    }
  }

  public warnings(model: WebTierModel): string[] {
    return [`aws-alb: the ALB keeps a session on its target with its own AWSALBAPP cookie, set beside Tomcat's ${model.stickiness.cookieName} (which it leaves untouched), not by the jvmRoute suffix`];
  }

  public snippets(model: WebTierModel): Snippet[] {
    return tomcatHttpSnippets(model);
  }

  public estimate(model: WebTierModel): WebTierEstimate {
    return httpCheckEstimate(this.platform, model);
  }
}
