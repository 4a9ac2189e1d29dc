import { block, num, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';
import { iqTargetGroups } from './shared';

/** An NLB health check on IQService's own port. */
export const AWS_001: LintRule<TerraformDocument> = {
  id: 'IDHA-AWS-001',
  kind: 'terraform',
  severity: 'error',
  title: 'An NLB target group for IQService health-checks the IQService port',
  why:
    'The NLB\'s TCP health check completes the handshake on the traffic port (its default), and IQService logs "Malformed ' +
    'request received from client" for each one, from every NLB node, every interval.',
  source: 'AWS Elastic Load Balancing docs, "Health checks for Network Load Balancer target groups" (port: traffic-port); docs/concepts.md',
  fix: 'Run `idha shim` on each IQService host and set health_check.port to its priority gate (15054), as `idha synth` renders for aws.',
  check: (doc, ctx) =>
    iqTargetGroups(doc, ctx)
      .filter((r) => {
        const hc = block(r.values.health_check);
        const port = hc?.port;
        return port === undefined || port === 'traffic-port' || ctx.iqPorts.has(num(port) ?? -1);
      })
      .map((r) => ({
        line: doc.lineOf(r, 'health_check'),
        message: `${r.address}: health check on ${block(r.values.health_check)?.port ?? 'traffic-port'}`,
      })),
};
