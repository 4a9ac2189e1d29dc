import type { TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';
import { iqTargetGroups } from './shared';

/** PROXY protocol in front of IQService. */
export const AWS_002: LintRule<TerraformDocument> = {
  id: 'IDHA-AWS-002',
  kind: 'terraform',
  severity: 'error',
  title: 'proxy_protocol_v2 is on for an IQService target group',
  why: 'PROXY protocol v2 prepends a binary header to the TCP stream. IQService reads it as the start of a request and breaks its framing.',
  source: 'AWS Elastic Load Balancing docs, "Target groups for your Network Load Balancers", "Proxy protocol"',
  fix: 'Set proxy_protocol_v2 = false on IQService target groups.',
  check: (doc, ctx) =>
    iqTargetGroups(doc, ctx)
      .filter((r) => r.values.proxy_protocol_v2 === true || r.values.proxy_protocol_v2 === 'true')
      .map((r) => ({ line: doc.lineOf(r, 'proxy_protocol_v2'), message: `${r.address}: proxy_protocol_v2 = true` })),
};
