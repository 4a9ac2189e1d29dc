import { type HaproxyDocument, servers } from '../../documents/haproxy';
import type { LintRule } from '../../types';

/** Two IQService hosts that take traffic at once. */
export const HAP_003: LintRule<HaproxyDocument> = {
  id: 'IDHA-HAP-003',
  kind: 'haproxy',
  severity: 'warning',
  title: 'Several IQService servers take traffic at once: none is a backup',
  why:
    'An IQService pair is active/passive: prefer the primary, use the secondary only while the primary does not accept connections. ' +
    'Servers of equal standing share the connections, so IdentityIQ talks to both hosts.',
  source: 'seeds/iqservice-ha-wiki.txt (the pair described there); HAProxy configuration manual, "backup"',
  fix: 'Mark the secondary `backup` (and keep `balance first` or the default) so it is used only while the primary is down.',
  check: (doc, ctx) =>
    doc.sections
      .filter((s) => s.type === 'backend' || s.type === 'listen')
      .flatMap((sec) => {
        const iq = servers(sec).filter((srv) => srv.port !== undefined && ctx.iqPorts.has(srv.port));
        return iq.length >= 2 && !iq.some((srv) => srv.words.includes('backup'))
          ? [{ line: sec.line, message: `${sec.type} ${sec.name}: ${iq.map((s) => s.name).join(', ')} all take IQService traffic` }]
          : [];
      }),
};
