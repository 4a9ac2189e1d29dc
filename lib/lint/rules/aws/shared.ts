import { num, type TerraformDocument, type TfResource } from '../../documents/terraform';
import type { LintContext } from '../../types';

/** NLB target groups (TCP or TLS) on an IQService port. */
export function iqTargetGroups(doc: TerraformDocument, ctx: LintContext): TfResource[] {
  return doc.resources.filter(
    (r) =>
      (r.type === 'aws_lb_target_group' || r.type === 'aws_alb_target_group') &&
      /^(TCP|TLS|TCP_UDP)$/.test(`${r.values.protocol ?? ''}`) &&
      ctx.iqPorts.has(num(r.values.port) ?? -1),
  );
}
