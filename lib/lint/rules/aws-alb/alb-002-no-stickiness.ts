import { block, type TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';

/** An HTTP target group of Tomcats without stickiness. */
export const ALB_002: LintRule<TerraformDocument> = {
  id: 'IDHA-ALB-002',
  kind: 'terraform',
  severity: 'warning',
  title: "An HTTP target group has no stickiness: a user's requests go to every Tomcat in turn",
  why:
    "Identity Manager and IdentityIQ keep the session in the Tomcat that created it. Without stickiness an ALB spreads a user's " +
    'requests over the group, and every request that lands elsewhere finds no session (a login loop).',
  source: 'AWS Elastic Load Balancing docs, "Sticky sessions for your Application Load Balancer"',
  fix: 'Enable stickiness { type = "app_cookie", cookie_name = "JSESSIONID" } (or lb_cookie) on each application\'s target group.',
  check: (doc) =>
    doc.resources
      .filter((r) => (r.type === 'aws_lb_target_group' || r.type === 'aws_alb_target_group') && /^HTTPS?$/.test(`${r.values.protocol ?? ''}`))
      .filter((r) => {
        const s = block(r.values.stickiness);
        return !s || s.enabled === false || s.enabled === 'false';
      })
      .map((r) => ({ line: doc.lineOf(r, 'stickiness'), message: `${r.address} has no stickiness` })),
};
