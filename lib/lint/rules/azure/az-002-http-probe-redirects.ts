import type { TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An HTTP probe path Tomcat answers with a redirect. */
export const AZ_002: LintRule<TerraformDocument> = {
  id: 'IDHA-AZ-002',
  kind: 'terraform',
  severity: 'warning',
  title: 'An Azure HTTP probe asks for a context root without its trailing slash: Tomcat answers 302, and the probe needs 200',
  why:
    'Azure LB HTTP and HTTPS probes pass only on status 200. Tomcat answers `/identity` with a 302 to `/identity/`, so every node ' +
    'fails its probe and the backend pool is empty.',
  source: 'Azure Load Balancer docs, "Health probes" (HTTP and HTTPS probes pass on 200 only); Tomcat\'s Context mapperContextRootRedirectEnabled',
  fix: 'Probe a page that answers 200 itself: the context root with its slash (`/identity/`) or a health page.',
  check: (doc) =>
    doc.resources
      .filter((r) => r.type === 'azurerm_lb_probe' && /^https?$/i.test(`${r.values.protocol ?? ''}`))
      .filter((r) => {
        const path = `${r.values.request_path ?? '/'}`;
        const last = path.split('?')[0].split('/').pop() ?? '';
        // "/identity" (a context root): no trailing slash and no file-like last segment.
        return path !== '/' && !path.endsWith('/') && last !== '' && !last.includes('.');
      })
      .map((r) => ({ line: doc.lineOf(r, 'request_path'), message: `${r.address}: request_path ${JSON.stringify(r.values.request_path)}` })),
};
