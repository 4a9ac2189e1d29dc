import { Problem } from '../core/errors';
import { Claim } from '../model/claim';

/** One holder's claims: `path` is the target's path in the topology, e.g. `services[1].targets.f5`. */
export interface ClaimHolder {
  readonly path: string;
  readonly claims: readonly Claim[];
}

/**
 * The one cross-service check: the second holder of a key in a scope gets a problem naming the
 * first. A holder that repeats its own key (two listeners of one pair) is no clash; a holder that
 * clashes on several keys with the same other holder gets one problem.
 */
export function claimProblems(holders: readonly ClaimHolder[]): Problem[] {
  const first = new Map<string, string>();
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const h of holders) {
    for (const c of h.claims) {
      const k = `${c.scope}\u0000${c.key}`;
      const other = first.get(k);
      if (other === undefined) {
        first.set(k, h.path);
        continue;
      }
      if (other === h.path) continue;
      const once = `${h.path}.${c.field}\u0000${other}`;
      if (reported.has(once)) continue;
      reported.add(once);
      problems.push({
        field: `${h.path}.${c.field}`,
        value: c.value,
        allowed: `a ${c.scope} other than ${c.key}, which ${other} takes`,
        fix: c.fix,
      });
    }
  }
  return problems;
}
