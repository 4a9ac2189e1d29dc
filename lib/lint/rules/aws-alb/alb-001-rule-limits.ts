import { block, type TerraformDocument } from '../../documents/terraform';
import type { LintRule, RuleHit } from '../../types';

const CONDITIONS = ['path_pattern', 'host_header', 'http_header', 'http_request_method', 'query_string', 'source_ip'] as const;

/** The values of one condition block (query_string has key/value pairs, each one value). */
function values(condition: Record<string, unknown>): string[] {
  for (const k of CONDITIONS) {
    const v = condition[k];
    if (v === undefined || v === null) continue;
    if (k === 'query_string') return (Array.isArray(v) ? v : [v]).map((q) => JSON.stringify(q));
    const b = block(v);
    return Array.isArray(b?.values) ? b.values.map(String) : [];
  }
  return [];
}

/** An ALB listener rule AWS refuses at apply time. */
export const ALB_001: LintRule<TerraformDocument> = {
  id: 'IDHA-ALB-001',
  kind: 'terraform',
  severity: 'error',
  title: "An ALB listener rule exceeds AWS's limits: more than 3 values in a condition, 5 in a rule, or 5 wildcards",
  why:
    'AWS refuses a listener rule with more than three match values in one condition, more than five in the whole rule (a path ' +
    '`/p` and `/p/*` count as two), or more than five `*` wildcards, and the apply fails halfway. Plans and validate do not check it.',
  source: 'AWS Elastic Load Balancing docs, "Listener rules for your Application Load Balancer" (rule condition types, quotas)',
  fix: 'Split the rule: one rule per application path (`[/p, /p/*]`), and at most three patterns per rule for the rest.',
  check: (doc) => {
    const hits: RuleHit[] = [];
    for (const r of doc.resources.filter((x) => x.type === 'aws_lb_listener_rule' || x.type === 'aws_alb_listener_rule')) {
      const conditions = (Array.isArray(r.values.condition) ? r.values.condition : [r.values.condition]).filter(
        (c): c is Record<string, unknown> => typeof c === 'object' && c !== null,
      );
      const per = conditions.map(values);
      const all = per.flat();
      const wildcards = all.reduce((n, v) => n + (v.match(/\*/g)?.length ?? 0), 0);
      const problems = [
        ...per.filter((v) => v.length > 3).map((v) => `a condition with ${v.length} values`),
        ...(all.length > 5 ? [`${all.length} values in the rule`] : []),
        ...(wildcards > 5 ? [`${wildcards} wildcards`] : []),
      ];
      if (problems.length) hits.push({ line: doc.lineOf(r, 'condition'), message: `${r.address}: ${problems.join(', ')}` });
    }
    return hits;
  },
};
