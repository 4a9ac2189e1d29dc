import { builtinMonitorType, type F5Document } from '../../documents/f5';
import type { LintRule, RuleHit } from '../../types';
import { iqPools } from './shared';

/** Monitor types that complete the TCP handshake. */
const FULL_OPEN = new Set(['tcp', 'http', 'https', 'tcp-echo', 'external', 'inband']);

/** A full-handshake monitor on IQService's own port. */
export const F5_001: LintRule<F5Document> = {
  id: 'IDHA-F5-001',
  kind: ['as3', 'tmsh'],
  severity: 'error',
  title: 'An IQService pool is monitored by a full TCP or HTTP connection to the IQService port',
  why:
    'A tcp or http monitor opens and closes a connection to the member\'s port, and IQService logs "Malformed request received ' +
    'from client" for each one. A tcp_half_open monitor never completes the handshake, and a monitor on a sidecar port never ' +
    'touches 5050.',
  source: 'F5 BIG-IP LTM monitors reference, "tcp" and "tcp_half_open"; docs/concepts.md "Why the probes look the way they do"',
  fix: "Monitor the identity-ha shim's gate (a tcp_half_open monitor with destination *:15050), or tcp_half_open on the service port.",
  check: (doc, ctx) => {
    const hits: RuleHit[] = [];
    for (const pool of iqPools(doc, ctx)) {
      for (const name of pool.monitors) {
        const own = doc.monitors.find((m) => m.name === name);
        const type = own?.type ?? builtinMonitorType(name);
        if (!type || !FULL_OPEN.has(type)) continue;
        if (own?.port !== undefined && !ctx.iqPorts.has(own.port)) continue;
        // At the monitor when the file defines it (that is what to change), else at the pool.
        hits.push({ line: own?.line ?? pool.line, message: `pool ${pool.name} uses monitor ${name} (${type}) on the IQService port` });
      }
    }
    return hits;
  },
};
