import type { F5Document } from '../../documents/f5';
import type { LintRule } from '../../types';
import { iqPools } from './shared';

/** A pool that leaves what happens to connections on a down member to the default. */
export const F5_004: LintRule<F5Document> = {
  id: 'IDHA-F5-004',
  kind: ['as3', 'tmsh'],
  severity: 'warning',
  title: 'An IQService pool does not say what happens to connections on a member marked down',
  why:
    'With the default (none) connections to a member marked down linger until they time out; `reset` cuts them so IdentityIQ ' +
    'reconnects, to the secondary, at once. Either can be right, but it is the one setting that decides whether a failover is ' +
    'seen at once or at the idle timeout, so it should be chosen, the same on every balancer.',
  source: 'F5 AS3 schema reference, Pool "serviceDownAction" (default none); docs/concepts.md "Connections, the same everywhere"',
  fix: 'Set serviceDownAction (AS3) or service-down-action (tmsh) to reset or none, matching onFailover in your topology.',
  check: (doc, ctx) =>
    iqPools(doc, ctx)
      .filter((p) => p.serviceDownAction === undefined)
      .map((p) => ({ line: p.line, message: `pool ${p.name} has no service-down-action` })),
};
