import { type HttpdDocument, inLocalOnlyLocation } from '../../documents/httpd';
import type { LintRule } from '../../types';

/** balancer-manager reachable from anywhere. */
export const PB_002: LintRule<HttpdDocument> = {
  id: 'IDHA-PB-002',
  kind: 'httpd',
  severity: 'error',
  title: 'balancer-manager is served without a local-only rule',
  why: 'balancer-manager changes members, weights and status at run time: anyone who reaches it can drain or stop the web tier.',
  source: 'httpd mod_proxy_balancer docs, "Balancer Manager" (its security warning)',
  fix: 'Serve it inside a `<Location>` with `Require local` (or `Require ip` of your admin network).',
  check: (doc) =>
    doc.directives
      .filter((d) => d.words[0].toLowerCase() === 'sethandler' && d.words[1]?.toLowerCase() === 'balancer-manager')
      .filter((d) => !inLocalOnlyLocation(doc, d))
      .map((d) => ({ line: d.line })),
};
