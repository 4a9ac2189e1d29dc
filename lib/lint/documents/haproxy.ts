import { readStatements, type Statement } from '../text';
import type { LintDocument, Suppression } from '../types';

/** One section of haproxy.cfg (`global`, `defaults`, `frontend`, `backend`, `listen`). */
export interface HaproxySection {
  readonly type: string;
  readonly name: string;
  readonly line: number;
  readonly statements: readonly Statement[];
  /** The `defaults` section in force for this one (HAProxy applies the last one above it). */
  readonly defaults?: HaproxySection;
}

/** A `server` line: its name, address, port and the keywords after them. */
export interface HaproxyServer {
  readonly line: number;
  readonly name: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly words: readonly string[];
}

export interface HaproxyDocument extends LintDocument {
  readonly kind: 'haproxy';
  readonly sections: readonly HaproxySection[];
}

const SECTIONS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'peers',
  'resolvers',
  'userlist',
  'program',
  'mailers',
  'cache',
  'ring',
]);

export function parseHaproxy(file: string, text: string): HaproxyDocument {
  const { statements, suppressions } = readStatements(text);
  const sections: HaproxySection[] = [];
  let cur: { type: string; name: string; line: number; statements: Statement[]; defaults?: HaproxySection } | undefined;
  let defaults: HaproxySection | undefined;
  for (const s of statements) {
    if (SECTIONS.has(s.words[0])) {
      cur = { type: s.words[0], name: s.words[1] ?? '', line: s.line, statements: [], defaults };
      sections.push(cur);
      if (cur.type === 'defaults') defaults = cur;
    } else if (cur) cur.statements.push(s);
  }
  return { kind: 'haproxy', file, sections, suppressions: suppressions as Suppression[] };
}

/** `server` lines of a backend or listen section. */
export function servers(section: HaproxySection): HaproxyServer[] {
  return section.statements
    .filter((s) => s.words[0] === 'server' && s.words.length >= 3)
    .map((s) => {
      const addr = s.words[2];
      const m = /^(.*):(\d+)$/.exec(addr);
      return { line: s.line, name: s.words[1], host: m ? m[1] : addr, port: m ? Number(m[2]) : undefined, words: s.words.slice(3) };
    });
}

/** The value after `keyword` on a server line (`port 15050` gives "15050"). */
export function serverOption(server: HaproxyServer, keyword: string): string | undefined {
  const i = server.words.indexOf(keyword);
  return i >= 0 ? server.words[i + 1] : undefined;
}

/**
 * Whether `option NAME` is in force in a section: its own `option NAME` or `no option NAME` wins,
 * then its defaults section's.
 */
export function optionInForce(section: HaproxySection, name: string): boolean {
  for (const sec of [section, section.defaults]) {
    if (!sec) continue;
    for (let i = sec.statements.length - 1; i >= 0; i--) {
      const w = sec.statements[i].words;
      if (w[0] === 'option' && w[1] === name) return true;
      if (w[0] === 'no' && w[1] === 'option' && w[2] === name) return false;
    }
  }
  return false;
}

/** The last value of a directive (`retries 3`, `timeout client 30m`) in the section, else in its defaults. */
export function directive(section: HaproxySection, ...words: string[]): { value: string; line: number } | undefined {
  for (const sec of [section, section.defaults]) {
    if (!sec) continue;
    for (let i = sec.statements.length - 1; i >= 0; i--) {
      const s = sec.statements[i];
      if (words.every((w, j) => s.words[j] === w) && s.words.length > words.length) return { value: s.words[words.length], line: s.line };
    }
  }
  return undefined;
}

/** HAProxy's time format in milliseconds (`30m`, `2s`, `500` = ms); undefined when not a time. */
export function haproxyTimeMs(value: string): number | undefined {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value);
  if (!m) return undefined;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}
