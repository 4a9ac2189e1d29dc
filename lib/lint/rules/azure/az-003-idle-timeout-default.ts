import { num, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An IQService rule left at Azure's 4-minute idle timeout. */
export const AZ_003: LintRule<TerraformDocument> = {
  id: 'IDHA-AZ-003',
  kind: 'terraform',
  severity: 'warning',
  title: 'An Azure LB rule for IQService leaves its idle timeout at the default: Azure drops idle connections after 4 minutes',
  why:
    "Azure drops a flow idle for idle_timeout_in_minutes (default 4) without telling either side; IdentityIQ's next call on that " +
    'connection then fails. identity-ha uses one idle timeout on every balancer (idleTimeoutMinutes, 30 by default).',
  source: 'Azure Load Balancer docs, "TCP reset and idle timeout" (4 minutes by default); docs/concepts.md "Connections, the same everywhere"',
  fix: 'Set idle_timeout_in_minutes to the idle timeout your other balancers use (30), and enable tcp_reset_enabled if clients should be told.',
  check: (doc, ctx) =>
    doc.resources
      .filter((r) => r.type === 'azurerm_lb_rule' && ctx.iqPorts.has(num(r.values.backend_port) ?? -1))
      // A plan shows the default (4) where the configuration left it out.
      .filter((r) => (num(r.values.idle_timeout_in_minutes) ?? 4) === 4)
      .map((r) => ({
        line: doc.lineOf(r, 'idle_timeout_in_minutes'),
        message: `${r.address}: idle_timeout_in_minutes ${r.values.idle_timeout_in_minutes ?? 'not set'} (the default, 4)`,
      })),
};
