import { readStatements, type Statement } from '../text';
import type { LintDocument, Suppression } from '../types';

/** A directive of an httpd configuration, with the sections (`<Location>`, `<Proxy>`, ...) around it. */
export interface HttpdDirective extends Statement {
  /** The enclosing sections, outermost first: `{ name: 'Location', arg: '/jkstatus', line }`. */
  readonly within: ReadonlyArray<{ readonly name: string; readonly arg: string; readonly line: number }>;
}

/** A section: its opening line, its argument, and the directives directly or deeper inside. */
export interface HttpdSection {
  readonly name: string;
  readonly arg: string;
  readonly line: number;
  readonly directives: readonly HttpdDirective[];
}

/** mod_jk's settings, from `JkWorkerProperty` lines, a workers.properties or a uriworkermap.properties. */
export interface JkConfig {
  /** `worker.<name>.<key>` → value and line; later lines win, as in mod_jk. */
  readonly properties: ReadonlyMap<string, { readonly value: string; readonly line: number }>;
  /** `JkMount` lines and uriworkermap entries. */
  readonly mounts: ReadonlyArray<{ readonly path: string; readonly worker: string; readonly line: number; readonly directive?: HttpdDirective }>;
  /** `JkWatchdogInterval` when set in this file. */
  readonly watchdog?: { readonly seconds: number; readonly line: number };
}

export interface HttpdDocument extends LintDocument {
  readonly kind: 'httpd' | 'mod-jk';
  readonly directives: readonly HttpdDirective[];
  readonly sections: readonly HttpdSection[];
  readonly jk: JkConfig;
}

/** An httpd configuration file (mod_jk and mod_proxy_balancer directives are read from it). */
export function parseHttpd(file: string, text: string): HttpdDocument {
  const { statements, suppressions } = readStatements(text);
  const directives: HttpdDirective[] = [];
  const sections: Array<HttpdSection & { directives: HttpdDirective[] }> = [];
  const open: Array<HttpdSection & { directives: HttpdDirective[] }> = [];
  for (const s of statements) {
    const first = s.words[0];
    const close = /^<\/(\w+)>$/.exec(first);
    if (close) {
      const i = open.map((o) => o.name.toLowerCase()).lastIndexOf(close[1].toLowerCase());
      if (i >= 0) open.splice(i);
      continue;
    }
    const opening = /^<(\w+)$/.exec(first) ?? /^<(\w+)>$/.exec(first);
    if (opening) {
      const arg = s.words.slice(1).join(' ').replace(/>$/, '');
      const sec = { name: opening[1], arg, line: s.line, directives: [] as HttpdDirective[] };
      sections.push(sec);
      open.push(sec);
      continue;
    }
    const d: HttpdDirective = { ...s, within: open.map((o) => ({ name: o.name, arg: o.arg, line: o.line })) };
    directives.push(d);
    for (const o of open) o.directives.push(d);
  }
  const properties = new Map<string, { value: string; line: number }>();
  const mounts: Array<{ path: string; worker: string; line: number; directive?: HttpdDirective }> = [];
  let watchdog: { seconds: number; line: number } | undefined;
  for (const d of directives) {
    const name = d.words[0].toLowerCase();
    if (name === 'jkworkerproperty' && d.words[1]) addProperty(properties, d.words.slice(1).join(' '), d.line);
    else if (name === 'jkmount') {
      // `JkMount /path worker`, or inside <Location /path>: `JkMount worker`.
      const loc = [...d.within].reverse().find((w) => w.name.toLowerCase() === 'location');
      if (d.words.length >= 3) mounts.push({ path: d.words[1], worker: d.words[2], line: d.line, directive: d });
      else if (d.words[1] && loc) mounts.push({ path: loc.arg.replace(/^"|"$/g, ''), worker: d.words[1], line: d.line, directive: d });
    } else if (name === 'jkwatchdoginterval' && /^\d+$/.test(d.words[1] ?? '')) watchdog = { seconds: Number(d.words[1]), line: d.line };
  }
  return { kind: 'httpd', file, directives, sections, jk: { properties, mounts, watchdog }, suppressions: suppressions as Suppression[] };
}

function addProperty(into: Map<string, { value: string; line: number }>, text: string, line: number): void {
  const eq = text.indexOf('=');
  if (eq < 0) return;
  into.set(text.slice(0, eq).trim(), { value: text.slice(eq + 1).trim(), line });
}

/** A workers.properties or uriworkermap.properties (the two may be linted as one kind, `mod-jk`). */
export function parseJkProperties(file: string, text: string): HttpdDocument {
  const { statements, suppressions } = readStatements(text);
  const properties = new Map<string, { value: string; line: number }>();
  const mounts: Array<{ path: string; worker: string; line: number }> = [];
  for (const s of statements) {
    const line = s.text;
    if (line.startsWith('worker.')) addProperty(properties, line, s.line);
    else if (line.startsWith('/') || line.startsWith('-/') || line.startsWith('!/')) {
      const eq = line.lastIndexOf('=');
      if (eq > 0 && !line.startsWith('!'))
        mounts.push({ path: line.slice(0, eq).replace(/^-/, ''), worker: line.slice(eq + 1).trim(), line: s.line });
    }
  }
  return { kind: 'mod-jk', file, directives: [], sections: [], jk: { properties, mounts }, suppressions };
}

/** The names of mod_jk workers of a type (`ajp13`, `lb`, `status`); a worker with no type is ajp13. */
export function jkWorkers(jk: JkConfig, type: string): Array<{ name: string; line: number }> {
  const names = new Map<string, number>();
  for (const [key, v] of jk.properties) {
    const m = /^worker\.([^.]+)\.([^.]+)$/.exec(key);
    if (m && !names.has(m[1])) names.set(m[1], v.line);
  }
  const list = jk.properties.get('worker.list');
  for (const n of list ? list.value.split(',').map((x) => x.trim()) : []) if (n && !names.has(n)) names.set(n, list!.line);
  return [...names]
    .filter(([n]) => {
      const t = jk.properties.get(`worker.${n}.type`)?.value;
      // A reference (worker.x.reference=worker.y) takes the type of what it refers to.
      const ref = jk.properties.get(`worker.${n}.reference`)?.value.replace(/^worker\./, '');
      const own = t ?? (ref ? jk.properties.get(`worker.${ref}.type`)?.value : undefined) ?? 'ajp13';
      return own === type;
    })
    .map(([name, line]) => ({ name, line }));
}

/** A worker's property, its own or through `reference` (one level, as mod_jk resolves it). */
export function jkProperty(jk: JkConfig, worker: string, key: string): { value: string; line: number } | undefined {
  const own = jk.properties.get(`worker.${worker}.${key}`);
  if (own) return own;
  const ref = jk.properties.get(`worker.${worker}.reference`)?.value;
  return ref ? jk.properties.get(`${ref}.${key}`) : undefined;
}

/** `Require local`, `Require ip ...` or `Require host ...`: access limited to named sources. */
const LOCAL_ONLY = /^require\s+(local|ip\s|host\s)/i;

/** Whether a directive sits in a `<Location>` (or `<LocationMatch>`) that limits access with `Require local|ip|host`. */
export function inLocalOnlyLocation(doc: HttpdDocument, d: HttpdDirective): boolean {
  const loc = [...d.within].reverse().find((w) => /^(location|locationmatch)$/i.test(w.name));
  const section = loc && doc.sections.find((s) => s.line === loc.line);
  return !!section?.directives.some((x) => LOCAL_ONLY.test(x.words.join(' ')));
}
