import type { HttpdDocument } from '../../documents/httpd';
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
      .filter((d) => {
        const loc = [...d.within].reverse().find((w) => /^(location|locationmatch)$/i.test(w.name));
        const section = loc && doc.sections.find((s) => s.line === loc.line);
        return !section?.directives.some((x) => /^require\s+(local|ip\s|host\s)/i.test(x.words.join(' ')));
      })
      .map((d) => ({ line: d.line })),
};
