import type { Suppression } from './types';

/** One statement of a line-based configuration: its 1-based line and its words (quotes removed). */
export interface Statement {
  readonly line: number;
  readonly words: readonly string[];
  /** The raw text without its comment. */
  readonly text: string;
}

const SUPPRESS = /idha-lint-ignore\s+((?:IDHA-[A-Z0-9]+-\d{3})(?:\s*,\s*IDHA-[A-Z0-9]+-\d{3})*)\s*(?::\s*(.*?))?\s*(?:-->)?\s*$/;

/** Longest comment read for a suppression (a reason is a sentence; this bounds the regular expression's work). */
const MAX_SUPPRESSION_CHARS = 2000;

/** Reads `idha-lint-ignore ID[, ID]: reason` out of a comment's text; undefined when it is not one. */
export function parseSuppression(comment: string): { ids: string[]; reason: string } | undefined {
  if (!comment.includes('idha-lint-ignore')) return undefined;
  const m = SUPPRESS.exec(comment.length > MAX_SUPPRESSION_CHARS ? comment.slice(0, MAX_SUPPRESSION_CHARS).trimEnd() : comment);
  if (!m) return undefined;
  return { ids: m[1].split(',').map((s) => s.trim()), reason: (m[2] ?? '').trim() };
}

/**
 * Splits a line into words: whitespace separates, double (and, with `singleQuotes`, single) quotes
 * group, a backslash escapes the next character, and `#` at the start of a word starts a comment.
 */
export function splitWords(line: string, singleQuotes = false, commentChars = '#'): { words: string[]; comment: string | undefined; code: string } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && i + 1 < line.length && quote === '"') cur += line[++i];
      else if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (commentChars.includes(c) && !inWord) return { words, comment: line.slice(i + 1), code: line.slice(0, i) };
    if (c === ' ' || c === '\t' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '"' || (singleQuotes && c === "'")) {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return { words, comment: undefined, code: line };
}

/**
 * Statements and suppressions of a `#`-commented, line-based file. A suppression in a comment of its
 * own covers the next statement; one at the end of a statement covers that statement.
 */
export function readStatements(text: string, singleQuotes = false, commentChars = '#'): { statements: Statement[]; suppressions: Suppression[] } {
  const statements: Statement[] = [];
  const suppressions: Suppression[] = [];
  let pending: Array<{ ids: string[]; reason: string; line: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const { words, comment, code } = splitWords(lines[i], singleQuotes, commentChars);
    const s = comment === undefined ? undefined : parseSuppression(comment);
    if (words.length === 0) {
      if (s) pending.push({ ...s, line: i + 1 });
      continue;
    }
    for (const p of pending) suppressions.push({ ...p, fromLine: i + 1, toLine: i + 1 });
    pending = [];
    if (s) suppressions.push({ ...s, line: i + 1, fromLine: i + 1, toLine: i + 1 });
    statements.push({ line: i + 1, words, text: code.trim() });
  }
  for (const p of pending) suppressions.push({ ...p, fromLine: p.line, toLine: p.line });
  return { statements, suppressions };
}

/** 1-based line numbers of offsets in a text: the line starts are found once, each lookup is a binary search. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
