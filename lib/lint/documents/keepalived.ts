import { readStatements } from '../text';
import { type LintDocument, LintInputError } from '../types';

/** A keepalived statement: its words, and its block when it opens one (`vrrp_instance X { ... }`). */
export interface KeepalivedNode {
  readonly line: number;
  readonly words: readonly string[];
  readonly children?: readonly KeepalivedNode[];
  readonly endLine: number;
}

export interface KeepalivedDocument extends LintDocument {
  readonly kind: 'keepalived';
  readonly nodes: readonly KeepalivedNode[];
}

/** keepalived.conf as a tree of blocks (`{` and `}` may share a line with words, as keepalived allows). */
export function parseKeepalived(file: string, text: string): KeepalivedDocument {
  const { statements, suppressions } = readStatements(text, false, '#!');
  type Open = { line: number; words: string[]; children: KeepalivedNode[] };
  const root: KeepalivedNode[] = [];
  const stack: Array<{ node: Open; into: KeepalivedNode[] }> = [];
  const target = () => (stack.length ? stack[stack.length - 1].node.children : root);
  for (const s of statements) {
    // Tokens: words, `{` and `}` (also glued to words, as in `auth_pass x}`).
    const tokens = s.words.flatMap((w) => w.split(/([{}])/).filter((t) => t !== ''));
    let words: string[] = [];
    const flush = () => {
      if (words.length) target().push({ line: s.line, words, endLine: s.line });
      words = [];
    };
    for (const t of tokens) {
      if (t === '{') {
        const node: Open = { line: s.line, words, children: [] };
        words = [];
        stack.push({ node, into: target() });
      } else if (t === '}') {
        flush();
        const top = stack.pop();
        if (!top) throw new LintInputError(file, `line ${s.line}: "}" closes no block`);
        top.into.push({ line: top.node.line, words: top.node.words, children: top.node.children, endLine: s.line });
      } else words.push(t);
    }
    flush();
  }
  if (stack.length) throw new LintInputError(file, `line ${stack[stack.length - 1].node.line}: "{" is never closed`);
  return { kind: 'keepalived', file, nodes: root, suppressions };
}

/** The blocks named `name` among `nodes` (`vrrp_instance`, `vrrp_script`). */
export function blocks(nodes: readonly KeepalivedNode[], name: string): KeepalivedNode[] {
  return nodes.filter((n) => n.children && n.words[0] === name);
}

/** The first statement `name` in a block. */
export function child(node: KeepalivedNode, name: string): KeepalivedNode | undefined {
  return node.children?.find((c) => c.words[0] === name);
}
