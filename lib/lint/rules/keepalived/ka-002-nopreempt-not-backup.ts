import { blocks, child, type KeepalivedDocument } from '../../documents/keepalived';
import type { LintRule } from '../../types';

/** `nopreempt` on an instance that starts as MASTER. */
export const KA_002: LintRule<KeepalivedDocument> = {
  id: 'IDHA-KA-002',
  kind: 'keepalived',
  severity: 'error',
  title: '`nopreempt` on an instance whose state is not BACKUP',
  why:
    'keepalived honours `nopreempt` only when the instance starts as BACKUP: with `state MASTER` it takes the VIP back at every start, ' +
    'which is the preemption the setting was meant to stop.',
  source: 'keepalived.conf(5), "nopreempt" ("the initial state of this entry must be BACKUP")',
  fix: 'Set `state BACKUP` on every node of the instance, and let `priority` choose the first holder.',
  check: (doc) =>
    blocks(doc.nodes, 'vrrp_instance')
      .filter((inst) => child(inst, 'nopreempt') && child(inst, 'state')?.words[1]?.toUpperCase() !== 'BACKUP')
      .map((inst) => ({
        line: (child(inst, 'state') ?? inst).line,
        message: `vrrp_instance ${inst.words[1] ?? ''} has nopreempt with state ${child(inst, 'state')?.words[1] ?? '(not set: MASTER)'}`,
      })),
};
