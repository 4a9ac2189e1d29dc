import { parseSuppression, splitWords } from '../text';
import { type LintDocument, LintInputError, type Suppression } from '../types';
import { isObject, JsonSource } from './json';

/** F5 BIG-IP's LTM objects, read from an AS3 declaration or from tmsh, in one shape for the rules. */
export interface F5Monitor {
  readonly name: string;
  /** `tcp`, `tcp-half-open`, `http`, `https`, `icmp`, ... (AS3 spelling). */
  readonly type: string;
  /** The port it probes; undefined = the member's own port. */
  readonly port?: number;
  readonly line: number;
}

export interface F5Pool {
  readonly name: string;
  readonly line: number;
  readonly members: ReadonlyArray<{ readonly address: string; readonly port: number; readonly priorityGroup: number }>;
  /** Priority group activation: traffic stays in the highest group while this many members are up (0 = off). */
  readonly minActive: number;
  /** Monitor names: the declaration's own or built-in ones (`tcp`, `http`, `tcp_half_open`, ...). */
  readonly monitors: readonly string[];
  readonly serviceDownAction?: string;
}

export interface F5Virtual {
  readonly name: string;
  readonly line: number;
  readonly port: number | undefined;
  readonly pool?: string;
  /** Persistence profiles; undefined when not set (AS3's default for Service_L4/TCP: source-address). */
  readonly persistence?: readonly string[];
}

export interface F5Document extends LintDocument {
  readonly kind: 'as3' | 'tmsh';
  readonly monitors: readonly F5Monitor[];
  readonly pools: readonly F5Pool[];
  readonly virtuals: readonly F5Virtual[];
}

/** Built-in monitors by name, as tmsh and AS3's `bigip` references spell them. */
export function builtinMonitorType(name: string): string | undefined {
  const base = name.replace(/^\/Common\//, '');
  return { tcp: 'tcp', http: 'http', https: 'https', tcp_half_open: 'tcp-half-open', gateway_icmp: 'icmp', icmp: 'icmp', tcp_echo: 'tcp-echo' }[base];
}

/** An AS3 declaration (the AS3 request, or the ADC inside it). */
export function parseAs3(file: string, text: string): F5Document {
  const src = new JsonSource(file, text);
  const monitors: F5Monitor[] = [];
  const pools: F5Pool[] = [];
  const virtuals: F5Virtual[] = [];
  const suppressions: Suppression[] = [];
  const root = src.value;
  const adcPath = isObject(root) && root.class === 'AS3' ? ['declaration'] : [];
  const adc = adcPath.length ? (root as Record<string, unknown>).declaration : root;
  if (!isObject(adc)) throw new LintInputError(file, 'not an AS3 declaration: no ADC object');
  for (const [tenantName, tenant] of Object.entries(adc)) {
    if (!isObject(tenant) || tenant.class !== 'Tenant') continue;
    for (const [appName, app] of Object.entries(tenant)) {
      if (!isObject(app) || app.class !== 'Application') continue;
      for (const [name, item] of Object.entries(app)) {
        if (!isObject(item)) continue;
        const path = [...adcPath, tenantName, appName, name];
        const line = () => src.lineOf(path);
        const remark = `${item.remark ?? ''}`;
        const s = parseSuppression(remark);
        if (s) suppressions.push({ ...s, line: src.lineOf([...path, 'remark']), ...src.rangeOf(path) });
        if (item.class === 'Monitor') {
          monitors.push({
            name,
            type: `${item.monitorType ?? 'icmp'}`,
            port: Number(item.targetPort) > 0 ? Number(item.targetPort) : undefined,
            line: line(),
          });
        } else if (item.class === 'Pool') {
          const members = (Array.isArray(item.members) ? item.members : []).filter(isObject).flatMap((m) =>
            (Array.isArray(m.serverAddresses) ? m.serverAddresses : [undefined]).map((a) => ({
              address: `${a ?? ''}`,
              port: Number(m.servicePort),
              priorityGroup: Number(m.priorityGroup ?? 0),
            })),
          );
          const mons = (Array.isArray(item.monitors) ? item.monitors : []).map((m) =>
            typeof m === 'string' ? m : isObject(m) ? `${m.use ?? m.bigip ?? ''}`.replace(/^.*\//, '') : '',
          );
          pools.push({
            name,
            line: line(),
            members,
            minActive: Number(item.minimumMembersActive ?? 1),
            monitors: mons,
            serviceDownAction: item.serviceDownAction === undefined ? undefined : `${item.serviceDownAction}`,
          });
        } else if (typeof item.class === 'string' && item.class.startsWith('Service_')) {
          const pool = typeof item.pool === 'string' ? item.pool : isObject(item.pool) ? `${item.pool.use ?? ''}` : undefined;
          virtuals.push({
            name,
            line: line(),
            port: item.virtualPort === undefined ? undefined : Number(item.virtualPort),
            pool: pool?.replace(/^.*\//, ''),
            persistence: Array.isArray(item.persistenceMethods)
              ? item.persistenceMethods.map((p) => (typeof p === 'string' ? p : isObject(p) ? `${p.use ?? p.bigip ?? ''}` : ''))
              : undefined,
          });
        }
      }
    }
  }
  return { kind: 'as3', file, monitors, pools, virtuals, suppressions };
}

type TmshItem = { text: string; line: number } | { block: TmshItem[]; line: number };

/** tmsh commands (`create ltm pool ...`) or `tmsh list ltm` output. */
export function parseTmsh(file: string, text: string): F5Document {
  const items: TmshItem[] = [];
  const stack: TmshItem[][] = [items];
  const suppressions: Suppression[] = [];
  let pending: Array<{ ids: string[]; reason: string; line: number }> = [];
  const lines = text.split('\n');
  let depthZeroStart: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const { words, comment } = splitWords(lines[i]);
    const s = comment === undefined ? undefined : parseSuppression(comment);
    if (s) pending.push({ ...s, line: i + 1 });
    for (const w of words.flatMap((x) => x.split(/([{}])/).filter((t) => t !== ''))) {
      if (stack.length === 1 && depthZeroStart === undefined) depthZeroStart = i + 1;
      if (w === '{') {
        const block: TmshItem[] = [];
        stack[stack.length - 1].push({ block, line: i + 1 });
        stack.push(block);
      } else if (w === '}') {
        if (stack.length === 1) throw new LintInputError(file, `line ${i + 1}: "}" closes no block`);
        stack.pop();
      } else stack[stack.length - 1].push({ text: w, line: i + 1 });
    }
    // A statement ends at the end of a line outside any block.
    if (stack.length === 1 && depthZeroStart !== undefined) {
      for (const p of pending) suppressions.push({ ...p, fromLine: depthZeroStart, toLine: i + 1 });
      pending = [];
      items.push({ text: '\n', line: i + 1 });
      depthZeroStart = undefined;
    }
  }
  if (stack.length > 1) throw new LintInputError(file, 'a "{" is never closed');
  // Split into statements at the line ends recorded above.
  const statements: TmshItem[][] = [];
  let cur: TmshItem[] = [];
  for (const it of items) {
    if ('text' in it && it.text === '\n') {
      if (cur.length) statements.push(cur);
      cur = [];
    } else cur.push(it);
  }
  const monitors: F5Monitor[] = [];
  const pools: F5Pool[] = [];
  const virtuals: F5Virtual[] = [];
  const words = (xs: TmshItem[]) => xs.map((x) => ('text' in x ? x.text : undefined));
  for (const st of statements) {
    const w = words(st);
    let i = w[0] === 'create' || w[0] === 'modify' ? 1 : 0;
    if (w[i] !== 'ltm') continue;
    i++;
    const type = w[i];
    const body = st.find((x): x is { block: TmshItem[]; line: number } => 'block' in x);
    const line = st[0].line;
    if (type === 'monitor') {
      const mtype = w[i + 1] ?? '';
      const name = (w[i + 2] ?? '').replace(/^\/Common\//, '');
      const dest = body ? valueAfter(body.block, 'destination') : undefined;
      const port = dest && /:(\d+)$/.exec(dest) ? Number(/:(\d+)$/.exec(dest)![1]) : undefined;
      monitors.push({ name, type: mtype.replace(/_/g, '-'), port: port || undefined, line });
    } else if (type === 'pool') {
      const name = (w[i + 1] ?? '').replace(/^\/Common\//, '');
      const b = body?.block ?? [];
      const membersBlock = blockAfter(b, 'members');
      const members: Array<{ address: string; port: number; priorityGroup: number }> = [];
      for (let k = 0; k < membersBlock.length; k++) {
        const m = membersBlock[k];
        if (!('text' in m) || !/:\d+$/.test(m.text)) continue;
        const next = membersBlock[k + 1];
        const pg = next && 'block' in next ? valueAfter(next.block, 'priority-group') : undefined;
        const at = m.text.lastIndexOf(':');
        members.push({ address: m.text.slice(0, at).replace(/^\/Common\//, ''), port: Number(m.text.slice(at + 1)), priorityGroup: Number(pg ?? 0) });
      }
      const mon = valueAfter(b, 'monitor');
      pools.push({
        name,
        line,
        members,
        minActive: Number(valueAfter(b, 'min-active-members') ?? 0),
        monitors: mon ? [mon.replace(/^\/Common\//, '')] : [],
        serviceDownAction: valueAfter(b, 'service-down-action'),
      });
    } else if (type === 'virtual') {
      const name = (w[i + 1] ?? '').replace(/^\/Common\//, '');
      const b = body?.block ?? [];
      const dest = valueAfter(b, 'destination');
      const persistText = valueAfter(b, 'persist');
      const persistBlock = blockAfter(b, 'persist');
      const persistence =
        persistText === 'none'
          ? []
          : persistBlock.length
            ? persistBlock.filter((x): x is { text: string; line: number } => 'text' in x && x.text !== 'replace-all-with').map((x) => x.text)
            : persistText
              ? [persistText]
              : [];
      virtuals.push({
        name,
        line,
        port: dest && /[:.](\d+)$/.exec(dest) ? Number(/[:.](\d+)$/.exec(dest)![1]) : undefined,
        pool: valueAfter(b, 'pool')?.replace(/^\/Common\//, ''),
        // tmsh's default is no persistence.
        persistence,
      });
    }
  }
  return { kind: 'tmsh', file, monitors, pools, virtuals, suppressions };
}

function valueAfter(items: TmshItem[], key: string): string | undefined {
  for (let k = 0; k < items.length - 1; k++) {
    const it = items[k];
    const next = items[k + 1];
    if ('text' in it && it.text === key && 'text' in next) return next.text;
  }
  return undefined;
}

/** The block after `key`, skipping `add`/`replace-all-with` (`members add { ... }`). */
function blockAfter(items: TmshItem[], key: string): TmshItem[] {
  for (let k = 0; k < items.length; k++) {
    const it = items[k];
    if (!('text' in it) || it.text !== key) continue;
    for (let j = k + 1; j < items.length && j <= k + 2; j++) {
      const n = items[j];
      if ('block' in n) return n.block;
      if (!['add', 'replace-all-with'].includes(n.text)) break;
    }
  }
  return [];
}
