import { blocks, child, type KeepalivedDocument } from '../../documents/keepalived';
import type { LintRule } from '../../types';

/** A track script that may still run when its next run is due. */
export const KA_003: LintRule<KeepalivedDocument> = {
  id: 'IDHA-KA-003',
  kind: 'keepalived',
  severity: 'warning',
  title: 'A vrrp_script timeout is longer than its interval',
  why:
    'keepalived does not start a script again while the last run is still going: it skips that run. A hung check then counts one ' +
    'failure per timeout, not per interval, and fall x timeout can pass before the VIP moves. (A timeout equal to the interval, as ' +
    'identity-ha writes it, ends the run before the next is due.)',
  source: 'keepalived.conf(5), vrrp_script "interval" and "timeout"',
  fix: 'Make `timeout` at most `interval`, and let the check itself time out first (idha check --timeout 1).',
  check: (doc) =>
    blocks(doc.nodes, 'vrrp_script').flatMap((s) => {
      const interval = Number(child(s, 'interval')?.words[1] ?? 1);
      const t = child(s, 'timeout');
      return t && Number(t.words[1]) > interval
        ? [{ line: t.line, message: `vrrp_script ${s.words[1] ?? ''}: timeout ${t.words[1]} s is longer than interval ${interval} s` }]
        : [];
    }),
};
