import { num, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An IQService rule with Azure's 4-minute idle timeout. */
export const AZ_003: LintRule<TerraformDocument> = {
  id: 'IDHA-AZ-003',
  kind: 'terraform',
  severity: 'warning',
  title: 'An Azure LB rule for IQService keeps the default idle timeout (4 minutes) or a shorter one than 30',
  why:
    "Azure drops a flow idle for idle_timeout_in_minutes (default 4) without telling either side; IdentityIQ's next call on that " +
    'connection then fails. identity-ha uses one idle timeout on every balancer (idleTimeoutMinutes, 30 by default).',
  source: 'DOMAIN.md "Azure Load Balancer" (idle_timeout_in_minutes 4-100); docs/concepts.md "Connections, the same everywhere"',
  fix: 'Set idle_timeout_in_minutes to the idle timeout your other balancers use (30), and enable tcp_reset_enabled if clients should be told.',
  check: (doc, ctx) =>
    doc.resources
      .filter((r) => r.type === 'azurerm_lb_rule' && ctx.iqPorts.has(num(r.values.backend_port) ?? -1))
      .filter((r) => (num(r.values.idle_timeout_in_minutes) ?? 4) < 30)
      .map((r) => ({
        line: doc.lineOf(r, 'idle_timeout_in_minutes'),
        message: `${r.address}: idle_timeout_in_minutes ${r.values.idle_timeout_in_minutes ?? 'not set (4)'}`,
      })),
};
