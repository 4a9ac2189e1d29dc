import type { HttpdDocument } from '../../documents/httpd';
import type { LintRule, RuleHit } from '../../types';

/** Balancer members that a hung Tomcat never takes out. */
export const PB_001: LintRule<HttpdDocument> = {
  id: 'IDHA-PB-001',
  kind: 'httpd',
  severity: 'warning',
  title: 'A hung Tomcat is never marked failed: no member `timeout=` or no `failontimeout=On`',
  why:
    '`connectiontimeout=` bounds only the connect. A hung Tomcat still accepts, so a member without `timeout=` waits for ' +
    "ProxyTimeout (httpd's Timeout, 60 s), and without `failontimeout=On` a timed-out request does not put the member in error. " +
    'identity-ha measured it: a SIGSTOPped Tomcat stayed "Ok" for a whole 84 s test and its sticky clients hung.',
  source: 'httpd mod_proxy docs, BalancerMember "timeout" and ProxySet "failontimeout"; identity-ha\'s live test with httpd 2.4 on Debian 12',
  fix: 'Give each BalancerMember `timeout=` (e.g. 60) and the balancer `ProxySet failontimeout=On`.',
  check: (doc) => {
    const hits: RuleHit[] = [];
    for (const sec of doc.sections.filter((s) => s.name.toLowerCase() === 'proxy' && /balancer:\/\//i.test(s.arg))) {
      const members = sec.directives.filter((d) => d.words[0].toLowerCase() === 'balancermember');
      if (!members.length) continue;
      const proxyTimeout = doc.directives.some((d) => d.words[0].toLowerCase() === 'proxytimeout');
      for (const m of members)
        if (!proxyTimeout && !m.words.some((w) => /^timeout=/i.test(w)))
          hits.push({ line: m.line, message: `BalancerMember ${m.words[1]} has no timeout=` });
      const failOn = sec.directives.some((d) => d.words.some((w) => /^failontimeout=on$/i.test(w)));
      if (!failOn) hits.push({ line: sec.line, message: `balancer ${sec.arg} has no failontimeout=On` });
    }
    return hits;
  },
};
