import type { F5Document } from '../../documents/f5';
import type { LintRule } from '../../types';
import { iqPools } from './shared';

/** A "prefer primary" pool whose members share one priority group, or with priority group activation off. */
export const F5_002: LintRule<F5Document> = {
  id: 'IDHA-F5-002',
  kind: ['as3', 'tmsh'],
  severity: 'warning',
  title: 'An IQService pool sends to both hosts: equal priority groups, or priority group activation off',
  why:
    'F5 keeps traffic in the highest priority group only while min-active-members (AS3 minimumMembersActive) is above 0 and the ' +
    "members' priority groups differ. Otherwise the pool balances over both IQService hosts instead of preferring the primary.",
  source: 'F5 BIG-IP Local Traffic Manager docs, "priority group activation"; F5 AS3 schema reference, Pool "minimumMembersActive"',
  fix: 'Give the primary a higher priority group than the secondary (e.g. 10 and 0) and set min-active-members 1.',
  check: (doc, ctx) =>
    iqPools(doc, ctx)
      .filter((p) => p.members.length >= 2)
      .filter((p) => p.minActive < 1 || new Set(p.members.map((m) => m.priorityGroup)).size < 2)
      .map((p) => ({
        line: p.line,
        message:
          p.minActive < 1
            ? `pool ${p.name}: min-active-members is 0, so priority groups are ignored`
            : `pool ${p.name}: every member is in priority group ${p.members[0].priorityGroup}`,
      })),
};
