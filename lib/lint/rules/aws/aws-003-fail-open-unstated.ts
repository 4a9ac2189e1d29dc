import type { TerraformDocument } from '../../documents/terraform';
import type { LintRule } from '../../types';
import { iqTargetGroups } from './shared';

/** An NLB target group that fails open with nothing saying so. */
export const AWS_003: LintRule<TerraformDocument> = {
  id: 'IDHA-AWS-003',
  kind: 'terraform',
  severity: 'warning',
  title: 'An IQService target group has no target_group_health: it fails open without saying when',
  why:
    'When every target fails its health check, an NLB sends to all of them (fail open), the dead primary included. For a ' +
    'prefer-primary pair the moment that matters is the handover, when the priority gates swap. target_group_health ' +
    '(unhealthy_state_routing, dns_failover) states when the NLB counts the group unhealthy, so the behaviour is chosen, not inherited.',
  source: 'AWS Elastic Load Balancing docs, "Health checks for Network Load Balancer target groups" (fail open) and "Target group health"',
  fix: 'Add target_group_health { unhealthy_state_routing { minimum_healthy_targets_count = 1 } }, as `idha synth` renders for aws.',
  check: (doc, ctx) =>
    iqTargetGroups(doc, ctx)
      .filter(
        (r) =>
          r.values.target_group_health === undefined || (Array.isArray(r.values.target_group_health) && r.values.target_group_health.length === 0),
      )
      .map((r) => ({ line: doc.lineOf(r), message: `${r.address} has no target_group_health` })),
};
