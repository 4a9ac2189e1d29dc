import type { F5Document } from '../../documents/f5';
import type { LintRule } from '../../types';

/** Persistence that keeps clients on the secondary after the primary is back. */
export const F5_003: LintRule<F5Document> = {
  id: 'IDHA-F5-003',
  kind: ['as3', 'tmsh'],
  severity: 'warning',
  title: 'An IQService virtual server persists clients: they stay on the secondary after failback',
  why:
    'Persistence sends a client back to the member it last used, before priority groups are consulted. After a failover every ' +
    "IdentityIQ server persists to the secondary, and stays there until the record expires. AS3's Service_L4 and Service_TCP " +
    'persist by source address unless persistenceMethods is set.',
  source: 'F5 AS3 schema reference, Service_L4 and Service_TCP "persistenceMethods" (default source-address)',
  fix: 'Set `persistenceMethods: []` (AS3) or `persist none` (tmsh) on the IQService virtual servers.',
  check: (doc, ctx) =>
    doc.virtuals
      .filter((v) => v.port !== undefined && ctx.iqPorts.has(v.port))
      .filter((v) => v.persistence === undefined || v.persistence.length > 0)
      .map((v) => ({
        line: v.line,
        message: `virtual ${v.name}: ${v.persistence === undefined ? 'persistenceMethods not set (source-address)' : `persists by ${v.persistence}`}`,
      })),
};
