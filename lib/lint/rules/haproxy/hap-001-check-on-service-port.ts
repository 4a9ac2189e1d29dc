import { type HaproxyDocument, serverOption, servers } from '../../documents/haproxy';
import type { LintRule } from '../../types';

/** A health check that opens a connection to IQService's own port. */
export const HAP_001: LintRule<HaproxyDocument> = {
  id: 'IDHA-HAP-001',
  kind: 'haproxy',
  severity: 'error',
  title: 'The health check connects to the IQService port',
  why:
    'IQService reads every connection to its port as a request: a connect-only check, a tcp-check or an httpchk there makes it log ' +
    '"Malformed request received from client" on every probe (measured by identity-ha with HAProxy 2.6: 6 malformed connections ' +
    'in 3 s at 500 ms with tcp-check connect linger). HAProxy closes a plain L4 check with RST, which Linux never accepts, but ' +
    'Windows is not known to behave the same.',
  source: 'docs/concepts.md "Why the probes look the way they do"; HAProxy configuration manual, "check" and "port"',
  fix: 'Run `idha shim` on each IQService host and check its gate instead: `check port 15050 agent-check agent-port 15052` (idha snippet haproxy).',
  check: (doc, ctx) =>
    doc.sections
      .filter((s) => s.type === 'backend' || s.type === 'listen')
      .flatMap((sec) =>
        servers(sec)
          .filter((srv) => srv.port !== undefined && ctx.iqPorts.has(srv.port) && srv.words.includes('check'))
          .filter((srv) => {
            const port = serverOption(srv, 'port');
            return port === undefined || Number(port) === srv.port;
          })
          .map((srv) => ({
            line: srv.line,
            message: `server ${srv.name} checks ${srv.host}:${srv.port}, the IQService port, in ${sec.type} ${sec.name}`,
          })),
      ),
};
