import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { LintInputError } from '../types';

type JsonPath = ReadonlyArray<string | number>;

/**
 * A JSON file: its value (JSON.parse, fast) and, built only when asked, the tree that gives each value's
 * line, so a clean 10 MB plan never pays for positions.
 */
export class JsonSource {
  public readonly value: unknown;
  private tree: Node | undefined;
  private lineStarts: number[] | undefined;

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

  /** The 1-based line where the value at `path` starts (the nearest existing parent's, if it is absent). */
  public lineOf(path: JsonPath): number {
    return this.rangeOf(path).fromLine;
  }

  /** The lines a value spans. */
  public rangeOf(path: JsonPath): { fromLine: number; toLine: number } {
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

  private line(offset: number): number {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** A plain object (not an array or null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
