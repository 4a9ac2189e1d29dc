import { ALB_001 } from './rules/aws-alb/alb-001-rule-limits';
import { ALB_002 } from './rules/aws-alb/alb-002-no-stickiness';
import { AGW_001 } from './rules/azure-appgw/agw-001-no-affinity';
import { AWS_001 } from './rules/aws/aws-001-health-check-on-service-port';
import { AWS_002 } from './rules/aws/aws-002-proxy-protocol';
import { AWS_003 } from './rules/aws/aws-003-fail-open-unstated';
import { AWS_004 } from './rules/aws/aws-004-idle-timeout-default';
import { AZ_001 } from './rules/azure/az-001-probe-on-service-port';
import { AZ_002 } from './rules/azure/az-002-http-probe-redirects';
import { AZ_003 } from './rules/azure/az-003-idle-timeout-default';
import { LINT_001 } from './rules/core/lint-001-suppression-without-reason';
import { F5_001 } from './rules/f5/f5-001-monitor-on-service-port';
import { F5_002 } from './rules/f5/f5-002-equal-priority';
import { F5_003 } from './rules/f5/f5-003-persistence-on-failover';
import { F5_004 } from './rules/f5/f5-004-service-down-action-unset';
import { HAP_001 } from './rules/haproxy/hap-001-check-on-service-port';
import { HAP_002 } from './rules/haproxy/hap-002-backup-without-redispatch';
import { HAP_003 } from './rules/haproxy/hap-003-no-backup-for-iqservice';
import { HAP_004 } from './rules/haproxy/hap-004-idle-timeouts-differ';
import { PB_001 } from './rules/httpd/pb-001-hung-member-never-fails';
import { PB_002 } from './rules/httpd/pb-002-balancer-manager-not-local';
import { KA_001 } from './rules/keepalived/ka-001-non-fatal-include';
import { KA_002 } from './rules/keepalived/ka-002-nopreempt-not-backup';
import { KA_003 } from './rules/keepalived/ka-003-check-timeout-above-interval';
import { KA_004 } from './rules/keepalived/ka-004-no-track-script';
import { JK_001 } from './rules/mod-jk/jk-001-no-ajp-secret';
import { JK_002 } from './rules/mod-jk/jk-002-status-not-local';
import { JK_003 } from './rules/mod-jk/jk-003-slow-failback';
import { NET_001 } from './rules/network/net-001-overlapping-cidrs';
import { PCS_001 } from './rules/pcs/pcs-001-vip-follows-process-only';
import { PCS_002 } from './rules/pcs/pcs-002-fencing-disabled';
import { TC_001 } from './rules/tomcat/tc-001-ajp-secret-not-required';
import { TC_002 } from './rules/tomcat/tc-002-ajp-on-every-address';
import { TC_003 } from './rules/tomcat/tc-003-ajp-secret-literal-property';
import type { LintRule } from './types';

/** A named group of rules, as cdk-nag's packs: one per platform. */
export interface LintPack {
  readonly name: string;
  readonly description: string;
  readonly rules: readonly LintRule<any>[];
}

export const PACKS: readonly LintPack[] = [
  { name: 'core', description: 'Rules about the lint run itself.', rules: [LINT_001] },
  { name: 'haproxy', description: 'HAProxy in front of an IQService pair.', rules: [HAP_001, HAP_002, HAP_003, HAP_004] },
  { name: 'f5', description: 'F5 BIG-IP, as an AS3 declaration or tmsh commands.', rules: [F5_001, F5_002, F5_003, F5_004] },
  { name: 'azure', description: 'Azure Load Balancer resources in Terraform JSON or a plan.', rules: [AZ_001, AZ_002, AZ_003] },
  { name: 'aws', description: 'AWS Network Load Balancer resources in Terraform JSON or a plan.', rules: [AWS_001, AWS_002, AWS_003, AWS_004] },
  { name: 'aws-alb', description: 'AWS Application Load Balancer resources of a web tier in Terraform JSON or a plan.', rules: [ALB_001, ALB_002] },
  { name: 'azure-appgw', description: 'Azure Application Gateway of a web tier in Terraform JSON or a plan.', rules: [AGW_001] },
  { name: 'network', description: 'Client address lists in HAProxy, NSG and security group rules.', rules: [NET_001] },
  { name: 'keepalived', description: 'keepalived.conf for a failover cluster or a standby balancer.', rules: [KA_001, KA_002, KA_003, KA_004] },
  { name: 'pacemaker', description: 'pcs scripts for a Pacemaker cluster.', rules: [PCS_001, PCS_002] },
  { name: 'mod-jk', description: 'mod_jk: workers.properties, uriworkermap.properties and JkWorkerProperty lines.', rules: [JK_001, JK_002, JK_003] },
  { name: 'httpd', description: 'httpd mod_proxy_balancer.', rules: [PB_001, PB_002] },
  { name: 'tomcat', description: 'Tomcat server.xml AJP connectors.', rules: [TC_001, TC_002, TC_003] },
];

/** Every rule, in pack order. */
export const RULES: readonly LintRule<any>[] = PACKS.flatMap((p) => p.rules);
