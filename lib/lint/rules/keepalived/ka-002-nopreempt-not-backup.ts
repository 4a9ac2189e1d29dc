import { blocks, child, type KeepalivedDocument } from '../../documents/keepalived';
import type { LintRule } from '../../types';

/** `nopreempt` that keepalived clears. */
export const KA_002: LintRule<KeepalivedDocument> = {
  id: 'IDHA-KA-002',
  kind: 'keepalived',
  severity: 'error',
  title: '`nopreempt` on an instance that starts as MASTER (or with priority 255): keepalived clears it',
  why:
    'keepalived honours `nopreempt` only on an instance whose initial state is BACKUP. With `state MASTER` it logs "nopreempt will ' +
    'not work with initial state MASTER - clearing", and with priority 255 (the address owner) "nopreempt is incompatible with ' +
    'priority 255. resetting nopreempt": the node takes the VIP back at every start, the preemption the setting was meant to stop.',
  source: 'keepalived.conf(5), "nopreempt" ("the initial state of this entry must be BACKUP"); keepalived 2.2.7\'s own log messages',
  fix: 'Set `state BACKUP` (or leave state out: BACKUP is the default) on every node, with priorities below 255.',
  check: (doc) =>
    blocks(doc.nodes, 'vrrp_instance')
      .filter((inst) => child(inst, 'nopreempt'))
      .flatMap((inst) => {
        const state = child(inst, 'state');
        const priority = child(inst, 'priority');
        const name = inst.words[1] ?? '';
        if (state?.words[1]?.toUpperCase() === 'MASTER')
          return [{ line: state.line, message: `vrrp_instance ${name} has nopreempt with state MASTER` }];
        if (priority?.words[1] === '255') return [{ line: priority.line, message: `vrrp_instance ${name} has nopreempt with priority 255` }];
        return [];
      }),
};
