import type { PcsDocument } from '../../documents/pcs';
import type { LintRule } from '../../types';

/** A cluster that runs without fencing. */
export const PCS_002: LintRule<PcsDocument> = {
  id: 'IDHA-PCS-002',
  kind: 'pcs',
  severity: 'error',
  title: 'Fencing is turned off (stonith-enabled=false)',
  why:
    'Without fencing, a node that loses contact with its peer cannot be made to stop, so both nodes may hold the virtual IP and ' +
    'both run the service. Pacemaker does not support clusters without fencing.',
  source: 'Pacemaker Explained, "Fencing" ("a cluster without fencing is not supported")',
  fix: 'Configure a fence device for each node (pcs stonith create ...) and leave stonith-enabled at true.',
  check: (doc) =>
    doc.commands
      .filter((c) => c.words[0] === 'property' && c.words.some((w) => /^stonith-enabled=(false|0|no|off)$/i.test(w)))
      .map((c) => ({ line: c.line })),
};
