import { directive, type HaproxyDocument, haproxyTimeMs, servers } from '../../documents/haproxy';
import type { LintRule } from '../../types';

/** Client and server idle timeouts that differ on an IQService backend. */
export const HAP_004: LintRule<HaproxyDocument> = {
  id: 'IDHA-HAP-004',
  kind: 'haproxy',
  severity: 'warning',
  title: 'The IQService connection has different client and server idle timeouts',
  why:
    'In mode tcp HAProxy closes an idle connection when the shorter of `timeout client` and `timeout server` runs out. One side then ' +
    "holds a connection the other has closed, and IdentityIQ's next call on it fails. identity-ha sets both to the same idle timeout " +
    '(idleTimeoutMinutes, 30 by default), as it does on every other balancer.',
  source: 'HAProxy configuration manual, "timeout client" and "timeout server"; docs/concepts.md "Connections, the same everywhere"',
  fix: 'Set `timeout client` and `timeout server` to the same value (e.g. 30m) in the defaults or the sections that serve IQService.',
  check: (doc, ctx) =>
    doc.sections
      .filter((s) => (s.type === 'backend' || s.type === 'listen') && servers(s).some((srv) => srv.port !== undefined && ctx.iqPorts.has(srv.port)))
      .flatMap((sec) => {
        const client = directive(sec, 'timeout', 'client');
        const server = directive(sec, 'timeout', 'server');
        if (!client || !server) return [];
        const [c, s] = [haproxyTimeMs(client.value), haproxyTimeMs(server.value)];
        return c !== undefined && s !== undefined && c !== s
          ? [{ line: server.line, message: `${sec.type} ${sec.name}: timeout client ${client.value} but timeout server ${server.value}` }]
          : [];
      }),
};
