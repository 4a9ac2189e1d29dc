import { TerraformProvider } from '../../framework/cdktf';
import { FailoverEstimate } from '../../model/failover-estimate';
import { Construct } from 'constructs';
import {
  Lb,
  LbListener,
  LbListenerRule,
  LbTargetGroup,
  LbTargetGroupAttachment,
  SecurityGroup,
  VpcSecurityGroupEgressRule,
  VpcSecurityGroupIngressRule,
} from '../../framework/provider-aws';
import { DOT_SEGMENT_WILDCARDS } from '../../core/lang/request-path';
import { AddressKind, hostCidr } from '../../core/address';
import { cidrProps } from '../shared/aws';
import { checkAwsId, checkInteger, checkUniqueIds } from '../../core/checks';
import { Problems } from '../../core/errors';
import { WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { checkAllowedClients, checkIpNodes, checkNoStandbys, contextPathBase, httpCheckEstimate, tomcatHttpSnippets } from '../shared/web-checks';

/** Where and how the web tier gets an internal AWS Application Load Balancer. */
export interface AwsAlbTargetProps {
  /** Existing VPC of the Tomcats. */
  readonly vpcId: string;
  /** Existing subnets for the ALB, in two or more Availability Zones. */
  readonly subnetIds: string[];
  /** Existing security group on the Tomcats: ingress from the ALB on their HTTP ports is added. @default - none added */
  readonly targetSecurityGroupId?: string;
  /** An internet-facing ALB instead of an internal one. @default false */
  readonly internetFacing?: boolean;
  /** Seconds a deregistered target keeps its requests, 0-3600. @default 30 */
  readonly deregistrationDelaySeconds?: number;
  /**
   * The AWS provider to create the resources with.
   * @default - the stack's AWS provider
   */
  readonly provider?: TerraformProvider;
  /**
   * Tags on every resource created.
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

/**
 * An AWS Application Load Balancer: one target group per application with its health path and
 * `app_cookie` stickiness on `JSESSIONID`, an HTTP listener whose rules route by path, and security
 * group rules from the allowed clients in and to the Tomcats out. An ALB has no priorities, so
 * hot standbys are refused.
 */
export class AwsAlbTarget extends WebTierTargetBase {
  public readonly platform = 'aws-alb';

  /** The props the target was created with. */
  public readonly props: AwsAlbTargetProps;

  constructor(props: AwsAlbTargetProps) {
    super();
    this.props = props;
  }

  public validate(model: WebTierModel, problems: Problems): void {
    const p = this.props;
    checkAwsId(problems, 'vpcId', p.vpcId, 'vpc', 'VPC');
    if (!Array.isArray(p.subnetIds) || p.subnetIds.length < 2) {
      problems.add({
        field: 'subnetIds',
        value: p.subnetIds,
        allowed: 'two or more subnets in different Availability Zones',
        fix: 'an ALB needs subnets in at least two zones',
      });
    } else {
      checkUniqueIds(problems, 'subnetIds', p.subnetIds, (f, v) => checkAwsId(problems, f, v, 'subnet', 'subnet'));
    }
    if (p.targetSecurityGroupId !== undefined) checkAwsId(problems, 'targetSecurityGroupId', p.targetSecurityGroupId, 'sg', 'security group');
    checkInteger(problems, 'deregistrationDelaySeconds', p.deregistrationDelaySeconds ?? 30, 0, 3600);
    checkAllowedClients(model, problems, 'aws-alb', "the ALB's security group lets only these clients in");
    checkIpNodes(model, problems, 'aws-alb');
    checkNoStandbys(model, problems, 'aws-alb', 'sends to every healthy target of a group and fails open to all when none is healthy');
    const h = model.pools[0]?.health;
    if (h) {
      const r = problems.root();
      if (h.intervalSeconds < 5)
        r.add({
          field: 'healthCheck.intervalSeconds',
          value: h.intervalSeconds,
          allowed: '5-300 with aws-alb',
          fix: 'an ALB checks at most every 5 s',
        });
      if (h.timeoutSeconds < 2) r.add({ field: 'healthCheck.timeoutSeconds', value: h.timeoutSeconds, allowed: '2-120 with aws-alb' });
      if (h.fall < 2) r.add({ field: 'healthCheck.fall', value: h.fall, allowed: '2-10 with aws-alb (unhealthy threshold)' });
      if (h.rise < 2) r.add({ field: 'healthCheck.rise', value: h.rise, allowed: '2-10 with aws-alb (healthy threshold)' });
    }
    if (model.name.length > 20)
      problems.root().add({
        field: 'name',
        value: model.name,
        allowed: 'at most 20 characters with aws-alb',
        fix: 'AWS names an ALB in 32 characters: <name>-alb and <name>-<application> must fit',
      });
    model.pools.forEach((pool, i) => {
      if (`${model.name}-${pool.name}`.length > 32)
        problems.root().add({
          field: `applications[${i}].name`,
          value: pool.name,
          allowed: `a name that keeps "${model.name}-<name>" within 32 characters`,
          fix: 'shorten the application or the tier name',
        });
    });
    checkAlbPaths(model, problems);
    checkAlbTargetFamilies(model, problems);
  }

  public render(scope: Construct, model: WebTierModel): void {
    const p = this.props;
    const provider = p.provider;
    const c = new Construct(scope, 'alb');
    const sg = new SecurityGroup(c, 'sg', {
      provider,
      name: `${model.name}-alb`,
      description: `identity-ha ${model.name}: ALB in front of the Tomcats`,
      vpcId: p.vpcId,
      tags: p.tags,
    });
    const lb = new Lb(c, 'lb', {
      provider,
      name: `${model.name}-alb`,
      internal: !(p.internetFacing ?? false),
      loadBalancerType: 'application',
      subnets: p.subnetIds,
      securityGroups: [sg.id],
      ipAddressType: model.nodes.some((n) => n.address.kind === AddressKind.IPV6) ? 'dualstack' : 'ipv4',
      tags: p.tags,
    });
    const listener = new LbListener(c, 'listener', {
      provider,
      loadBalancerArn: lb.arn,
      port: model.frontendPort,
      protocol: 'HTTP',
      defaultAction: [
        { type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'no application at this path' } },
      ],
      tags: p.tags,
    });
    // Tomcat resolves dot segments (also ..; and %2e%2e) after the ALB chose the target group by the
    // raw path: such requests are answered 400 first, packed into rules within AWS's limits.
    ALB_DOT_SEGMENT_RULES.forEach((values, k) => {
      new LbListenerRule(c, `rule-dot-segments-${k + 1}`, {
        provider,
        listenerArn: listener.arn,
        priority: k + 1,
        action: [
          {
            type: 'fixed-response',
            fixedResponse: { contentType: 'text/plain', statusCode: '400', messageBody: 'dot segments and encoded separators are refused' },
          },
        ],
        condition: [{ pathPattern: { values } }],
        tags: p.tags,
      });
    });
    model.pools.forEach((pool, i) => {
      const h = pool.health;
      const tg = new LbTargetGroup(c, `tg-${pool.name}`, {
        provider,
        name: `${model.name}-${pool.name}`,
        port: pool.members[0].httpPort,
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: p.vpcId,
        // An IPv6 target registers only in an IPv6 target group (checkAlbTargetFamilies: one family per pool).
        ipAddressType: pool.members[0].address.kind === AddressKind.IPV6 ? 'ipv6' : 'ipv4',
        deregistrationDelay: String(p.deregistrationDelaySeconds ?? 30),
        healthCheck: {
          enabled: true,
          protocol: 'HTTP',
          path: h.path,
          matcher: '200-299',
          interval: h.intervalSeconds,
          timeout: h.timeoutSeconds,
          healthyThreshold: h.rise,
          unhealthyThreshold: h.fall,
        },
        // The ALB's own AWSALBAPP cookie follows Tomcat's JSESSIONID: a session stays on its target.
        stickiness: { enabled: true, type: 'app_cookie', cookieName: model.stickiness.cookieName, cookieDuration: 86400 },
        tags: p.tags,
      });
      for (const m of pool.members) {
        new LbTargetGroupAttachment(c, `tg-${pool.name}-${m.name}`, {
          provider,
          targetGroupArn: tg.arn,
          targetId: m.address.value,
          port: m.httpPort,
        });
      }
      // One rule per path: AWS allows 3 values per path-pattern condition (5 per rule), and each
      // context path takes two, itself and everything under it. No two paths nest (HaWebTier refuses
      // it), so the order among the rules does not matter.
      pool.paths.forEach((x, j) => {
        new LbListenerRule(c, j === 0 ? `rule-${pool.name}` : `rule-${pool.name}-${j + 1}`, {
          provider,
          listenerArn: listener.arn,
          priority: albPathPriority(model, i, j),
          action: [{ type: 'forward', targetGroupArn: tg.arn }],
          condition: [{ pathPattern: { values: albPathValues(x) } }],
          tags: p.tags,
        });
      });
    });
    model.allowedClients.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(c, `sg-in-${i}`, {
        provider,
        securityGroupId: sg.id,
        ipProtocol: 'tcp',
        fromPort: model.frontendPort,
        toPort: model.frontendPort,
        ...cidrProps(cidr),
        description: `HTTP from allowed client ${cidr}`,
      });
    });
    const ports = [...new Set(model.nodes.map((n) => n.httpPort))];
    for (const n of model.nodes) {
      for (const port of new Set([n.httpPort])) {
        new VpcSecurityGroupEgressRule(c, `sg-out-${n.name}`, {
          provider,
          securityGroupId: sg.id,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          ...cidrProps(hostCidr(n.address)),
          description: `to ${n.name} HTTP ${port}`,
        });
      }
    }
    if (p.targetSecurityGroupId) {
      for (const port of ports) {
        new VpcSecurityGroupIngressRule(c, `host-in-${port}`, {
          provider,
          securityGroupId: p.targetSecurityGroupId,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          referencedSecurityGroupId: sg.id,
          description: `identity-ha ${model.name}: from the ALB on ${port}`,
        });
      }
    }
  }

  public warnings(model: WebTierModel): string[] {
    return [
      `aws-alb: the ALB keeps a session on its target with its own AWSALBAPP cookie, set beside Tomcat's ${model.stickiness.cookieName} ` +
        `(which it leaves untouched), not by the jvmRoute suffix`,
    ];
  }

  public snippets(model: WebTierModel): Snippet[] {
    return tomcatHttpSnippets(model);
  }

  public estimate(model: WebTierModel): FailoverEstimate {
    return httpCheckEstimate(this.platform, model);
  }
}

/** AWS's limits for listener rules (Elastic Load Balancing quotas, and the path-pattern condition). */
export const ALB_MAX_PATTERN_CHARACTERS = 128;
/** Rules per ALB, default rules excluded (an adjustable quota). */
export const ALB_DEFAULT_RULES_QUOTA = 100;

/** Per rule: one path-pattern condition of at most 3 values, and at most 5 wildcard characters (* and ?). */
export const ALB_MAX_VALUES_PER_CONDITION = 3;
export const ALB_MAX_WILDCARDS_PER_RULE = 5;

const wildcards = (v: string) => (v.match(/[*?]/g) ?? []).length;

/**
 * Packs path patterns into as few rules as AWS accepts (first fit, largest first, so the order
 * written does not waste rules): each rule at most 3 values and 5 wildcard characters.
 */
export function packAlbPatterns(values: readonly string[]): string[][] {
  const rules: string[][] = [];
  for (const v of [...values].sort((a, b) => wildcards(b) - wildcards(a))) {
    const fit = rules.find(
      (r) => r.length < ALB_MAX_VALUES_PER_CONDITION && r.reduce((n, x) => n + wildcards(x), 0) + wildcards(v) <= ALB_MAX_WILDCARDS_PER_RULE,
    );
    if (fit) fit.push(v);
    else rules.push([v]);
  }
  return rules;
}

/** The 400 rules for dot segments and encoded separators, priorities 1 to their count. */
export const ALB_DOT_SEGMENT_RULES: readonly string[][] = packAlbPatterns(DOT_SEGMENT_WILDCARDS);

/** A context path as the two path-pattern values of its rule: the path and everything under it. */
export function albPathValues(path: string): string[] {
  const base = contextPathBase(path);
  return base === '' ? ['/', '/*'] : [base, `${base}/*`];
}

/** Rules from 100 up, one per path in the order written (the dot-segment rules are 1-3). */
function albPathPriority(model: WebTierModel, pool: number, path: number): number {
  return 100 + model.pools.slice(0, pool).reduce((n, p) => n + p.paths.length, 0) + path;
}

/** Each path-pattern value within AWS's 128 characters; rules within the default quota, or a problem naming it. */
export function checkAlbPaths(model: WebTierModel, problems: Problems): void {
  model.pools.forEach((pool, i) =>
    pool.paths.forEach((x, j) => {
      const longest = albPathValues(x)[1];
      if (longest.length > ALB_MAX_PATTERN_CHARACTERS) {
        problems.root().add({
          field: `applications[${i}].paths[${j}]`,
          value: x,
          allowed: `a path of at most ${ALB_MAX_PATTERN_CHARACTERS - 2} characters with aws-alb`,
          fix: `the ALB's rule matches "${longest.slice(0, 20)}...", and AWS allows ${ALB_MAX_PATTERN_CHARACTERS} characters per path pattern`,
        });
      }
    }),
  );
  const rules = ALB_DOT_SEGMENT_RULES.length + model.pools.reduce((n, p) => n + p.paths.length, 0);
  if (rules > ALB_DEFAULT_RULES_QUOTA) {
    problems.root().add({
      field: 'applications',
      value: `${rules} listener rules`,
      allowed:
        `at most ${ALB_DEFAULT_RULES_QUOTA} rules per ALB with aws-alb (one per path, plus ${ALB_DOT_SEGMENT_RULES.length} that ` +
        `refuse dot segments)`,
      fix:
        'fewer context paths, or two tiers; AWS can raise the "rules per Application Load Balancer" quota, but terraform apply fails on ' +
        'the default',
    });
  }
}

/** A target group holds one address family: every node of an application IPv4, or every one IPv6. */
export function checkAlbTargetFamilies(model: WebTierModel, problems: Problems): void {
  model.pools.forEach((pool, i) => {
    const kinds = new Set(pool.members.map((m) => m.address.kind));
    if (kinds.size > 1) {
      problems.root().add({
        field: `applications[${i}].nodes`,
        value: pool.members.map((m) => m.address.value),
        allowed: 'nodes of one address family per application with aws-alb',
        fix: "an ALB target group is IPv4 or IPv6 (its ip_address_type): give the application's nodes addresses of one family",
      });
    }
  });
}
