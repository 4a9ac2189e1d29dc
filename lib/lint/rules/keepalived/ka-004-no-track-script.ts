import { blocks, child, type KeepalivedDocument } from '../../documents/keepalived';
import type { LintRule } from '../../types';

/** A VIP that follows keepalived only, not the service. */
export const KA_004: LintRule<KeepalivedDocument> = {
  id: 'IDHA-KA-004',
  kind: 'keepalived',
  severity: 'warning',
  title: 'A vrrp_instance tracks no script: the VIP stays on a node whose service is down',
  why:
    'Without `track_script` (or `track_process`) a node keeps the VIP as long as keepalived runs, whatever happens to Tomcat or httpd ' +
    'behind it: clients reach a dead service while the other node is healthy.',
  source: 'keepalived.conf(5), "track_script"; docs/clusters.md',
  fix: 'Add a vrrp_script that checks the service (idha check --http URL, or --listening PORT) with `weight 0`, and list it in `track_script`.',
  check: (doc) =>
    blocks(doc.nodes, 'vrrp_instance')
      .filter((inst) => !child(inst, 'track_script') && !child(inst, 'track_process'))
      .map((inst) => ({ line: inst.line, message: `vrrp_instance ${inst.words[1] ?? ''} has no track_script` })),
};
