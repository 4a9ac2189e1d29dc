import type { F5Document, F5Pool } from '../../documents/f5';
import type { LintContext } from '../../types';

/** Pools whose members serve an IQService port. */
export function iqPools(doc: F5Document, ctx: LintContext): F5Pool[] {
  return doc.pools.filter((p) => p.members.some((m) => ctx.iqPorts.has(m.port)));
}
