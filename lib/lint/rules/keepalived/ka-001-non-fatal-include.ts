import type { KeepalivedDocument, KeepalivedNode } from '../../documents/keepalived';
import type { LintRule } from '../../types';

const walk = (nodes: readonly KeepalivedNode[]): KeepalivedNode[] => nodes.flatMap((n) => [n, ...walk(n.children ?? [])]);

/** `include` of a file whose absence keepalived does not notice. */
export const KA_001: LintRule<KeepalivedDocument> = {
  id: 'IDHA-KA-001',
  kind: 'keepalived',
  severity: 'error',
  title: 'The VRRP password comes through `include`, which is silently skipped when its file is missing',
  why:
    'keepalived 2.2.7 treats a missing `include` file as nothing (`--config-test` exits 0), and an empty one gives no message. When ' +
    'the file holds the VRRP password, the node runs VRRP without it and a second MASTER appears: the secret fails open.',
  source: 'keepalived.conf(5), "include" and "includea"; keepalived 2.2.7 on Debian 12, checked live by identity-ha',
  fix: 'Use `includea FILE` (keepalived refuses to start when it is missing, exit 6), or write the setting in keepalived.conf itself.',
  check: (doc) => {
    const all = walk(doc.nodes);
    // The password is not in this file: a variable ($NAME or ${NAME}) or no auth_pass at all.
    const fromElsewhere = all
      .filter((n) => n.words[0] === 'authentication')
      .some((a) => {
        const pass = a.children?.find((c) => c.words[0] === 'auth_pass');
        return !pass || /\$/.test(pass.words.slice(1).join(' '));
      });
    return fromElsewhere
      ? all
          .filter((n) => n.words[0] === 'include')
          .map((n) => ({
            line: n.line,
            message: `include ${n.words[1] ?? ''} is skipped without a word if the file is missing, and the VRRP password is not in this file`,
          }))
      : [];
  },
};
