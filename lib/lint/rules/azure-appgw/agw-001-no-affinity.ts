import type { TerraformDocument } from '../../documents/terraform';
import type { LintRule, RuleHit } from '../../types';

const list = (v: unknown): Array<Record<string, unknown>> =>
  (Array.isArray(v) ? v : v ? [v] : []).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);

/** Application Gateway settings that serve an application's paths without cookie affinity. */
export const AGW_001: LintRule<TerraformDocument> = {
  id: 'IDHA-AGW-001',
  kind: 'terraform',
  severity: 'warning',
  title: 'An Application Gateway setting that serves an application has cookie affinity off: sessions bounce between Tomcats',
  why:
    'Identity Manager and IdentityIQ keep the session in the Tomcat that created it. With cookie_based_affinity Disabled the ' +
    "gateway spreads a user's requests over the pool, and each request that lands elsewhere finds no session.",
  source: 'Azure Application Gateway docs, "Application Gateway HTTP settings configuration" (cookie-based affinity)',
  fix: 'Set cookie_based_affinity = "Enabled" (and an affinity_cookie_name per application) on the settings each path rule uses.',
  check: (doc) => {
    const hits: RuleHit[] = [];
    for (const r of doc.resources.filter((x) => x.type === 'azurerm_application_gateway')) {
      // The settings a path rule or a basic rule routes an application's requests with (a path map's
      // default, for paths no application serves, is left out).
      const used = new Set<string>([
        ...list(r.values.url_path_map).flatMap((m) => list(m.path_rule).map((p) => `${p.backend_http_settings_name ?? ''}`)),
        ...list(r.values.request_routing_rule)
          .filter((rule) => rule.rule_type === 'Basic')
          .map((rule) => `${rule.backend_http_settings_name ?? ''}`),
      ]);
      list(r.values.backend_http_settings).forEach((s, i) => {
        if (used.has(`${s.name}`) && s.cookie_based_affinity !== 'Enabled')
          hits.push({
            line: doc.lineOf(r, 'backend_http_settings', i),
            message: `${r.address}: backend_http_settings ${s.name} has cookie_based_affinity ${s.cookie_based_affinity ?? 'not set'}`,
          });
      });
    }
    return hits;
  },
};
