import { findNodeAtLocation, parseTree, visit, type Node } from 'jsonc-parser';
import { lineIndex } from '../text';
import { LintInputError } from '../types';

type JsonPath = ReadonlyArray<string | number>;

/**
 * A JSON file: its value (JSON.parse, fast) and, built only when asked, the tree that gives each value's
 * line, so a clean 10 MB plan never pays for positions.
 */
export class JsonSource {
  public readonly value: unknown;
  private tree: Node | undefined;
  private lineAt: ((offset: number) => number) | undefined;

  constructor(
    public readonly file: string,
    private readonly text: string,
  ) {
    try {
      this.value = JSON.parse(text);
    } catch (e) {
      throw new LintInputError(file, `not valid JSON: ${(e as Error).message}`);
    }
  }

  /**
   * The 1-based line where the value at `path` starts (the nearest existing parent's, if it is absent).
   * With `anchorDepth`, `path.slice(0, anchorDepth)` is a container of many small values (a plan's
   * resources): one scan that builds no tree finds where each of its children starts, and only the
   * child asked about is parsed, so a finding in a 10 MB plan costs one scan, not a tree of the file.
   */
  public lineOf(path: JsonPath, anchorDepth?: number): number {
    return this.rangeOf(path, anchorDepth).fromLine;
  }

  /** The lines a value spans. */
  public rangeOf(path: JsonPath, anchorDepth?: number): { fromLine: number; toLine: number } {
    if (anchorDepth !== undefined && path.length > anchorDepth && !this.tree) {
      const found = this.anchoredRange(path, anchorDepth);
      if (found) return found;
    }
    this.tree ??= parseTree(this.text) ?? undefined;
    if (!this.tree) return { fromLine: 1, toLine: 1 };
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(this.tree, path.slice(0, n) as Array<string | number>);
      if (node) {
        // A property's value: report the line of its key, where people look.
        const at = node.parent?.type === 'property' ? node.parent : node;
        return { fromLine: this.line(at.offset), toLine: this.line(node.offset + node.length) };
      }
    }
    return { fromLine: 1, toLine: 1 };
  }

  private anchors = new Map<string, { children: Map<string | number, Child>; starts: number[] }>();

  private anchoredRange(path: JsonPath, depth: number): { fromLine: number; toLine: number } | undefined {
    const index = this.childIndex(path.slice(0, depth));
    const child = index.children.get(path[depth]);
    if (child?.valueOffset === undefined || child.valueLine === undefined) return undefined;
    const [valueOffset, valueLine] = [child.valueOffset, child.valueLine];
    // The child's text runs to where the next child (or the end) starts; the parser stops at its end.
    const next = index.starts.find((o) => o > valueOffset) ?? this.text.length;
    const sub = this.text.slice(valueOffset, next);
    const tree = parseTree(sub);
    if (!tree) return undefined;
    const rest = path.slice(depth + 1) as Array<string | number>;
    for (let n = rest.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, rest.slice(0, n));
      if (!node) continue;
      const at = n > 0 && node.parent?.type === 'property' ? node.parent : node;
      const lineIn = (offset: number) => valueLine + countNewlines(sub, offset);
      const fromLine = n === 0 ? (child.keyLine ?? valueLine) : lineIn(at.offset);
      return { fromLine: fromLine + 1, toLine: lineIn(node.offset + node.length) + 1 };
    }
    return undefined;
  }

  /** Where each child of the container at `prefix` starts: one pass of the scanner, no tree. */
  private childIndex(prefix: JsonPath): { children: Map<string | number, Child>; starts: number[] } {
    const key = JSON.stringify(prefix);
    const cached = this.anchors.get(key);
    if (cached) return cached;
    const children = new Map<string | number, Child>();
    const starts: number[] = [];
    const same = (p: JsonPath) => p.length === prefix.length && p.every((x, i) => x === prefix[i]);
    // jsonc-parser's visit stops calling back for good once a callback returns false (3.3.1), so
    // nothing is skipped: the depth is counted here and the path is asked for only at the depth
    // of the container's children, which keeps the scan free of allocations elsewhere.
    let depth = 0;
    const begin = (offset: number, line: number, p: () => JsonPath) => {
      if (depth === prefix.length + 1) {
        const at = p();
        if (same(at.slice(0, -1))) {
          const k = at[at.length - 1];
          children.set(k, { ...children.get(k), valueOffset: offset, valueLine: line });
          if (typeof k === 'number') starts.push(offset);
        }
      }
      depth++;
    };
    visit(this.text, {
      onObjectBegin: (offset, _l, line, _c, p) => begin(offset, line, p),
      onArrayBegin: (offset, _l, line, _c, p) => begin(offset, line, p),
      onObjectEnd: () => void depth--,
      onArrayEnd: () => void depth--,
      onObjectProperty: (property, offset, _l, line, _c, p) => {
        if (depth === prefix.length + 1 && same(p())) {
          children.set(property, { keyLine: line });
          starts.push(offset);
        }
      },
    });
    starts.sort((a, b) => a - b);
    const index = { children, starts };
    this.anchors.set(key, index);
    return index;
  }

  private line(offset: number): number {
    this.lineAt ??= lineIndex(this.text);
    return this.lineAt(offset);
  }
}

interface Child {
  /** The line of its key, for an object's member (0-based). */
  readonly keyLine?: number;
  readonly valueOffset?: number;
  readonly valueLine?: number;
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end && i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** A plain object (not an array or null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
