import { type HttpdDocument, inLocalOnlyLocation, jkWorkers } from '../../documents/httpd';
import type { LintRule } from '../../types';

/** The jkstatus page reachable from anywhere. */
export const JK_002: LintRule<HttpdDocument> = {
  id: 'IDHA-JK-002',
  kind: 'httpd',
  severity: 'error',
  title: 'The mod_jk status worker is mounted without a local-only rule',
  why:
    'jkstatus shows every Tomcat, and unless it is read_only it can disable or stop them. Mounted without an access rule, anyone ' +
    'who reaches httpd can take the web tier down.',
  source: 'The Apache Tomcat Connectors reference, "status worker"; httpd mod_authz_core "Require local"',
  fix: 'Mount it inside `<Location "/jkstatus">` with `Require local` (or `Require ip` of your admin network), and set `read_only=true`.',
  check: (doc) => {
    const status = new Set(jkWorkers(doc.jk, 'status').map((w) => w.name));
    return doc.jk.mounts
      .filter((m) => status.has(m.worker))
      .filter((m) => !m.directive || !inLocalOnlyLocation(doc, m.directive))
      .map((m) => ({ line: m.line, message: `status worker ${m.worker} is mounted on ${m.path} without Require local or Require ip` }));
  },
};
