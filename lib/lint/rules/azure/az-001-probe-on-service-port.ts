import { num, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An Azure LB probe on IQService's own port. */
export const AZ_001: LintRule<TerraformDocument> = {
  id: 'IDHA-AZ-001',
  kind: 'terraform',
  severity: 'error',
  title: 'An Azure Load Balancer probe connects to the IQService port',
  why:
    'Azure\'s TCP probe completes the handshake and closes with FIN, and its HTTP probe sends a GET: IQService logs "Malformed ' +
    'request received from client" on every probe, every 5 to 15 s from 168.63.129.16. This is the report the project started from.',
  source: 'Azure Load Balancer docs, "Health probes" (a TCP probe completes the handshake, then closes); docs/concepts.md',
  fix: 'Run `idha shim` on each IQService host and probe its priority gate (Tcp on 15054), as `idha synth` renders for azure.',
  check: (doc, ctx) =>
    doc.resources
      .filter((r) => r.type === 'azurerm_lb_probe' && ctx.iqPorts.has(num(r.values.port) ?? -1))
      .map((r) => ({ line: doc.lineOf(r, 'port'), message: `${r.address}: ${r.values.protocol ?? 'Tcp'} probe on port ${r.values.port}` })),
};
