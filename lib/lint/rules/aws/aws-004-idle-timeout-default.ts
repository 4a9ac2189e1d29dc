import { num, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An IQService NLB listener with the default 350 s idle timeout. */
export const AWS_004: LintRule<TerraformDocument> = {
  id: 'IDHA-AWS-004',
  kind: 'terraform',
  severity: 'warning',
  title: 'An NLB listener for IQService leaves its idle timeout at the default: the NLB drops idle connections after 350 s',
  why:
    "The NLB drops a TCP flow idle for tcp_idle_timeout_seconds (default 350) without a reset; IdentityIQ's next call on that " +
    'connection fails. identity-ha uses one idle timeout on every balancer (idleTimeoutMinutes, 30 by default).',
  source: 'AWS Elastic Load Balancing docs, "Update the TCP idle timeout for your Network Load Balancer listener" (60-6000 s, default 350)',
  fix: "Set tcp_idle_timeout_seconds = 1800 (or your balancers' common idle timeout) on the IQService listeners.",
  check: (doc, ctx) =>
    doc.resources
      .filter((r) => r.type === 'aws_lb_listener' && /^(TCP|TLS)$/.test(`${r.values.protocol ?? ''}`) && ctx.iqPorts.has(num(r.values.port) ?? -1))
      // A plan shows the default (350) where the configuration left it out.
      .filter((r) => (num(r.values.tcp_idle_timeout_seconds) ?? 350) === 350)
      .map((r) => ({
        line: doc.lineOf(r, 'tcp_idle_timeout_seconds'),
        message: `${r.address}: tcp_idle_timeout_seconds ${r.values.tcp_idle_timeout_seconds ?? 'not set'} (the default, 350)`,
      })),
};
