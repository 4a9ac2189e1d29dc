import * as ipaddr from 'ipaddr.js';
import { IdhaValidationError, Problem } from '../core/errors';
import type { TopologyDocument } from '../topology/topology';

/**
 * Session failover planning for an Identity Server cluster. Each server copies every session it
 * holds (about 1 KB per user) to its "failover peers"; the admin sets only the peer count, and the
 * product picks the peers by IP-address proximity (same subnet first). This plan shows, before the
 * setting is changed, which server backs up which, what that costs in memory and replication
 * traffic, and whether every server's sessions survive the loss of any one or two servers.
 */

/** One Identity Server of the cluster. */
export interface SessionFailoverServer {
  /** IPv4 or IPv6 address (the product ranks peers by address, so names are not enough). */
  readonly address: string;
  /** Concurrent users on this server. @default usersPerServer, or totalUsers spread evenly */
  readonly users?: number;
}

/** The `sessionFailover:` block of a topology file, and the planner's input. */
export interface SessionFailoverProps {
  /** The cluster's servers: addresses, or objects with an address and their own user count. */
  readonly servers: Array<string | SessionFailoverServer>;
  /** Concurrent users per server. Give this or totalUsers. */
  readonly usersPerServer?: number;
  /** Concurrent users in the whole cluster, spread evenly. Give this or usersPerServer. */
  readonly totalUsers?: number;
  /** Logins per second in the whole cluster, spread in proportion to each server's users. @default 0 */
  readonly loginsPerSecond?: number;
  /** Session data copied per user. @default 1024 (the documented "about 1 KB") */
  readonly sessionSizeBytes?: number;
  /** The "IDP Failover Peer Server Count". Give this or tolerate. */
  readonly peerCount?: number;
  /**
   * Servers that may be down at once: 1 gives N-1 peers, 2 gives N-2, as the product's documentation
   * says. Clusters of 8 or more are capped at 3 peers, with a warning. @default 1 unless peerCount is set
   */
  readonly tolerate?: number;
  /** Prefix length that makes a "subnet", for the warnings only. @default 24 for IPv4, 64 for IPv6 */
  readonly subnetPrefixLength?: number;
}

/** Peers chosen at a cut between equally close candidates. */
export interface SessionFailoverTie {
  /** Common prefix length, in bits, of every candidate in the tie. */
  readonly prefixLength: number;
  /** The tied candidates chosen (by address order). */
  readonly chosen: string[];
  /** The tied candidates left out. */
  readonly notChosen: string[];
}

/** The plan for one server. */
export interface SessionFailoverServerPlan {
  readonly address: string;
  readonly users: number;
  /** Logins per second on this server. */
  readonly loginsPerSecond: number;
  /** Its failover peers, closest first. */
  readonly peers: string[];
  /** Common prefix length, in bits, with each peer. */
  readonly peerPrefixLengths: number[];
  /** The servers whose sessions this one holds. */
  readonly backsUp: string[];
  /** Memory for the sessions it holds for others: their users x session size. */
  readonly extraMemoryBytes: number;
  /** Replication it sends: its logins/s x session size x peers. */
  readonly replicationOutBytesPerSecond: number;
  /** Replication it receives from the servers it backs up. */
  readonly replicationInBytesPerSecond: number;
  /** Set when the cut fell inside a group of equally close candidates. */
  readonly tie?: SessionFailoverTie;
}

/** Whether every server's sessions survive the loss of any `down` servers, by enumeration. */
export interface SessionFailoverSurvival {
  readonly down: number;
  /** Failure sets checked. */
  readonly setsChecked: number;
  readonly survives: boolean;
  /** The first failure set in which some server's sessions are lost (it and all its peers down). */
  readonly counterexample?: string[];
}

/** A plan for a whole cluster. */
export class SessionFailoverPlan {
  /** Every problem with the input (empty when it can be planned). */
  public static validate(props: SessionFailoverProps, field = 'sessionFailover'): Problem[] {
    return SessionFailoverPlan.check(props, field).problems;
  }

  /** Plans the cluster; throws IdhaValidationError with every problem when the input is not valid. */
  public static plan(props: SessionFailoverProps, field = 'sessionFailover'): SessionFailoverPlan {
    const checked = SessionFailoverPlan.check(props, field);
    if (checked.problems.length > 0) throw new IdhaValidationError(checked.problems, field);
    return new SessionFailoverPlan(props, checked.servers, checked.peerCount, checked.warnings, checked.how);
  }

  private static check(props: SessionFailoverProps, f: string) {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const servers: Array<{ address: string; ip: ipaddr.IPv4 | ipaddr.IPv6; users?: number; index: number }> = [];
    const list = Array.isArray(props?.servers) ? props.servers : [];
    if (list.length < 2) problems.push({ field: `${f}.servers`, value: props?.servers, allowed: 'a list of at least 2 server addresses', fix: 'session failover needs a peer: list every Identity Server of the cluster' });
    const seen = new Map<string, number>();
    list.forEach((s, i) => {
      const address = typeof s === 'string' ? s : s?.address;
      const field = typeof s === 'string' ? `${f}.servers[${i}]` : `${f}.servers[${i}].address`;
      if (typeof address !== 'string' || !(ipaddr.IPv4.isValidFourPartDecimal(address) || (address.includes(':') && ipaddr.IPv6.isValid(address) && !address.includes('%')))) {
        problems.push({ field, value: address, allowed: 'an IPv4 or IPv6 address', fix: 'the product ranks peers by IP address, so give each server\'s address, not its name' });
        return;
      }
      const ip = ipaddr.parse(address);
      const canonical = ip.toString();
      if (seen.has(canonical)) {
        problems.push({ field, value: address, allowed: `an address not already listed at ${f}.servers[${seen.get(canonical)}]`, fix: 'list each server once' });
        return;
      }
      seen.set(canonical, i);
      const users = typeof s === 'string' ? undefined : s.users;
      if (users !== undefined && !validUsers(users)) problems.push({ field: `${f}.servers[${i}].users`, value: users, allowed: `an integer from 0 to ${MAX_USERS}` });
      servers.push({ address: canonical, ip, users, index: i });
    });
    if (new Set(servers.map((s) => s.ip.kind())).size > 1) {
      problems.push({ field: `${f}.servers`, value: list.map((s) => (typeof s === 'string' ? s : s.address)), allowed: 'addresses of one family (all IPv4 or all IPv6)', fix: 'proximity between an IPv4 and an IPv6 address means nothing: plan each family\'s servers as their own cluster' });
    }
    if (props?.usersPerServer !== undefined && props?.totalUsers !== undefined) {
      problems.push({ field: `${f}.totalUsers`, value: props.totalUsers, allowed: 'either usersPerServer or totalUsers, not both', fix: 'keep one' });
    }
    if (props?.usersPerServer !== undefined && !validUsers(props.usersPerServer)) problems.push({ field: `${f}.usersPerServer`, value: props.usersPerServer, allowed: `an integer from 0 to ${MAX_USERS}` });
    if (props?.totalUsers !== undefined && !validUsers(props.totalUsers, MAX_USERS * 10)) problems.push({ field: `${f}.totalUsers`, value: props.totalUsers, allowed: `an integer from 0 to ${MAX_USERS * 10}` });
    if (props?.usersPerServer === undefined && props?.totalUsers === undefined && servers.some((s) => s.users === undefined)) {
      problems.push({ field: `${f}.usersPerServer`, value: undefined, allowed: 'the concurrent users per server (or totalUsers, or users on each server)', fix: 'the plan\'s memory and traffic figures are per user' });
    }
    const logins = props?.loginsPerSecond ?? 0;
    if (typeof logins !== 'number' || !Number.isFinite(logins) || logins < 0 || logins > 1_000_000) problems.push({ field: `${f}.loginsPerSecond`, value: logins, allowed: 'a number from 0 to 1000000' });
    const size = props?.sessionSizeBytes ?? 1024;
    if (!Number.isInteger(size) || size < 1 || size > 1024 * 1024) problems.push({ field: `${f}.sessionSizeBytes`, value: size, allowed: 'an integer from 1 to 1048576', fix: 'about 1 KB per user is documented; leave it out for 1024' });
    const prefix = props?.subnetPrefixLength;
    const maxPrefix = servers[0]?.ip.kind() === 'ipv6' ? 128 : 32;
    if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 1 || prefix > maxPrefix)) problems.push({ field: `${f}.subnetPrefixLength`, value: prefix, allowed: `an integer from 1 to ${maxPrefix}` });

    const n = list.length;
    let peerCount = 0;
    let how = '';
    if (props?.peerCount !== undefined && props?.tolerate !== undefined) {
      problems.push({ field: `${f}.tolerate`, value: props.tolerate, allowed: 'either peerCount or tolerate, not both', fix: 'keep one' });
    } else if (props?.peerCount !== undefined) {
      peerCount = props.peerCount;
      how = 'set';
      if (!Number.isInteger(peerCount) || peerCount < 0 || peerCount >= Math.max(n, 1)) {
        problems.push({ field: `${f}.peerCount`, value: peerCount, allowed: `an integer from 0 to ${Math.max(n - 1, 0)} (fewer than the ${n} servers)`, fix: 'a server cannot be its own peer: N-1 copies each session to every other server' });
      } else if (peerCount === 0) {
        warnings.push('peerCount 0 turns session failover off: a user on a failed server must log in again');
      } else if (n >= 8 && peerCount > 3) {
        warnings.push(`${peerCount} peers in a cluster of ${n}: above the recommended 2 or 3 for clusters of 8 or more; each server holds ${peerCount} other servers' sessions and sends each login ${peerCount} times`);
      }
    } else {
      const tolerate = props?.tolerate ?? 1;
      if (tolerate !== 1 && tolerate !== 2) {
        problems.push({ field: `${f}.tolerate`, value: tolerate, allowed: '1 (N-1 peers) or 2 (N-2 peers)' });
      } else if (n - tolerate < 1) {
        problems.push({ field: `${f}.tolerate`, value: tolerate, allowed: `at most ${n - 1} for ${n} servers`, fix: 'N-2 needs at least 3 servers' });
      } else {
        peerCount = n - tolerate;
        how = `tolerate ${tolerate}: N-${tolerate}`;
        if (n >= 8 && peerCount > 3) {
          warnings.push(`tolerate ${tolerate} gives ${peerCount} peers (N-${tolerate}) in a cluster of ${n}; capped at 3, as recommended for clusters of 8 or more`);
          peerCount = 3;
          how += ', capped at 3';
        }
      }
    }
    return { problems, warnings, servers, peerCount, how };
  }

  /** Peers per server. */
  public readonly peerCount: number;
  /** How the peer count was found, e.g. "tolerate 1: N-1, capped at 3". */
  public readonly peerCountReason: string;
  public readonly sessionSizeBytes: number;
  /** One entry per server, in the order given. */
  public readonly servers: SessionFailoverServerPlan[];
  /** The largest extra memory any one server holds. */
  public readonly worstExtraMemoryBytes: number;
  /** The server holding it. */
  public readonly worstExtraMemoryServer: string;
  /** Replication traffic of the whole cluster. */
  public readonly totalReplicationBytesPerSecond: number;
  /** Survival of the loss of any 1 and any 2 servers (where the cluster has that many to lose and still one left). */
  public readonly survival: SessionFailoverSurvival[];
  public readonly warnings: string[];

  private constructor(props: SessionFailoverProps, servers: Array<{ address: string; ip: ipaddr.IPv4 | ipaddr.IPv6; users?: number }>, peerCount: number, warnings: string[], how: string) {
    const n = servers.length;
    this.peerCount = peerCount;
    this.peerCountReason = how;
    this.sessionSizeBytes = props.sessionSizeBytes ?? 1024;
    const users = servers.map((s) => s.users ?? props.usersPerServer ?? Math.round((props.totalUsers ?? 0) / n));
    const totalUsers = users.reduce((a, b) => a + b, 0);
    const logins = props.loginsPerSecond ?? 0;
    const rate = users.map((u) => (totalUsers > 0 ? (logins * u) / totalUsers : logins / n));
    const bytes = servers.map((s) => s.ip.toByteArray());
    const order = servers.map((_, i) => i).sort((a, b) => compareBytes(bytes[a], bytes[b]));
    const rankOf = new Array<number>(n);
    order.forEach((i, r) => { rankOf[i] = r; });

    const peers: number[][] = [];
    const ties: Array<SessionFailoverTie | undefined> = [];
    const prefixes: number[][] = [];
    for (let i = 0; i < n; i++) {
      // Rank every other server: longest common prefix first, then address order.
      const others: Array<[number, number]> = [];
      for (let j = 0; j < n; j++) if (j !== i) others.push([j, commonPrefixBits(bytes[i], bytes[j])]);
      others.sort((a, b) => b[1] - a[1] || rankOf[a[0]] - rankOf[b[0]]);
      const chosen = others.slice(0, peerCount);
      peers.push(chosen.map(([j]) => j));
      prefixes.push(chosen.map(([, p]) => p));
      const cut = chosen.length > 0 && chosen.length < others.length ? chosen[chosen.length - 1][1] : undefined;
      if (cut !== undefined && others[peerCount][1] === cut) {
        const group = others.filter(([, p]) => p === cut).map(([j]) => j);
        ties.push({ prefixLength: cut, chosen: group.filter((j) => chosen.some(([c]) => c === j)).map((j) => servers[j].address), notChosen: group.filter((j) => !chosen.some(([c]) => c === j)).map((j) => servers[j].address) });
      } else ties.push(undefined);
    }
    const backsUp: number[][] = servers.map(() => []);
    peers.forEach((ps, i) => ps.forEach((j) => backsUp[j].push(i)));
    const size = this.sessionSizeBytes;
    this.servers = servers.map((s, i) => ({
      address: s.address,
      users: users[i],
      loginsPerSecond: rate[i],
      peers: peers[i].map((j) => servers[j].address),
      peerPrefixLengths: prefixes[i],
      backsUp: backsUp[i].map((j) => servers[j].address),
      extraMemoryBytes: backsUp[i].reduce((sum, j) => sum + users[j] * size, 0),
      replicationOutBytesPerSecond: rate[i] * size * peers[i].length,
      replicationInBytesPerSecond: backsUp[i].reduce((sum, j) => sum + rate[j] * size, 0),
      ...(ties[i] ? { tie: ties[i] } : {}),
    }));
    const worst = this.servers.reduce((w, s) => (s.extraMemoryBytes > w.extraMemoryBytes ? s : w), this.servers[0]);
    this.worstExtraMemoryBytes = worst.extraMemoryBytes;
    this.worstExtraMemoryServer = worst.address;
    this.totalReplicationBytesPerSecond = this.servers.reduce((sum, s) => sum + s.replicationOutBytesPerSecond, 0);
    this.survival = [1, 2].filter((d) => d < n).map((d) => survival(peers, d, servers.map((s) => s.address)));

    // Warnings about proximity.
    const family = servers[0].ip.kind();
    const subnetBits = props.subnetPrefixLength ?? (family === 'ipv6' ? 64 : 24);
    const subnetOf = (i: number) => subnetKey(bytes[i], subnetBits);
    const subnets = new Set(servers.map((_, i) => subnetOf(i)));
    if (subnets.size === 1) {
      warnings.push(`every server is in one /${subnetBits} subnet, so proximity ranks them all alike: the peers follow the product's undocumented tie-break, and the plan shows them by address order`);
    } else if (peerCount > 0) {
      servers.forEach((s, i) => {
        const peerSubnets = new Set(peers[i].map(subnetOf));
        if (peerSubnets.size === 1 && !peerSubnets.has(subnetOf(i)) && peers[i].length > 0) {
          warnings.push(`${s.address}: all its peers sit in one other subnet (${[...peerSubnets][0]}/${subnetBits}); losing that subnet loses its sessions' copies`);
        }
      });
    }
    this.warnings = warnings;
  }

  /** The plan as a readable table. */
  public toTable(): string {
    const rows = [['server', 'users', 'peers (closest first)', 'backs up', 'extra memory', 'replication out / in']];
    for (const s of this.servers) {
      rows.push([s.address, String(s.users), s.peers.join(', ') || '(none)', s.backsUp.join(', ') || '(none)', formatBytes(s.extraMemoryBytes), `${formatRate(s.replicationOutBytesPerSecond)} / ${formatRate(s.replicationInBytesPerSecond)}`]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const lines = [
      `Session failover plan: ${this.servers.length} servers, ${this.peerCount} peer${this.peerCount === 1 ? '' : 's'} each${this.peerCountReason && this.peerCountReason !== 'set' ? ` (${this.peerCountReason})` : ''}, ${this.sessionSizeBytes} bytes per session`,
      '',
      ...rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()),
      '',
      `worst extra memory: ${formatBytes(this.worstExtraMemoryBytes)} on ${this.worstExtraMemoryServer}; replication in the cluster: ${formatRate(this.totalReplicationBytesPerSecond)}`,
      ...this.survival.map((v) => `sessions survive any ${v.down} server${v.down === 1 ? '' : 's'} down: ${v.survives ? 'yes' : `NO (e.g. ${v.counterexample!.join(' + ')} down)`} (${v.setsChecked} failure sets checked)`),
    ];
    const tied = this.servers.filter((s) => s.tie);
    if (tied.length > 0) {
      lines.push('', 'ties (equally close candidates; the plan takes them in address order, the product\'s own tie-break is not documented):');
      for (const s of tied) lines.push(`  ${s.address}: chose ${s.tie!.chosen.join(', ')} over ${s.tie!.notChosen.join(', ')} (all /${s.tie!.prefixLength} in common)`);
    }
    if (this.warnings.length > 0) lines.push('', ...this.warnings.map((w) => `warning: ${w}`));
    return lines.join('\n') + '\n';
  }

  /** The plan as JSON, for tools. */
  public toJson(): string {
    return JSON.stringify({
      peerCount: this.peerCount,
      peerCountReason: this.peerCountReason,
      sessionSizeBytes: this.sessionSizeBytes,
      servers: this.servers,
      worstExtraMemoryBytes: this.worstExtraMemoryBytes,
      worstExtraMemoryServer: this.worstExtraMemoryServer,
      totalReplicationBytesPerSecond: this.totalReplicationBytesPerSecond,
      survival: this.survival,
      warnings: this.warnings,
    }, null, 2) + '\n';
  }

  /** The plan as a Mermaid graph: an arrow from each server to each of its peers. */
  public toMermaid(): string {
    const id = new Map(this.servers.map((s, i) => [s.address, `s${i}`]));
    const lines = ['graph LR'];
    this.servers.forEach((s, i) => lines.push(`  s${i}["${s.address}<br/>${s.users} users, holds ${formatBytes(s.extraMemoryBytes)}"]`));
    for (const s of this.servers) for (const p of s.peers) lines.push(`  ${id.get(s.address)} --> ${id.get(p)}`);
    return lines.join('\n') + '\n';
  }
}

const MAX_USERS = 10_000_000;

function validUsers(v: unknown, max = MAX_USERS): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Leading bits two addresses of one family have in common. */
function commonPrefixBits(a: number[], b: number[]): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i];
    if (x === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(x) - 24;
  }
  return bits;
}

/** The network address of the /bits subnet holding an address, as text. */
function subnetKey(bytes: number[], bits: number): string {
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return keep === 0 ? 0 : b & (0xff << (8 - keep)) & 0xff;
  });
  return ipaddr.fromByteArray(masked).toString();
}

/**
 * Enumerates every set of `down` servers (all C(n, down) of them); a server's sessions are lost in a
 * set that holds it and all of its peers.
 */
function survival(peers: number[][], down: number, names: string[]): SessionFailoverSurvival {
  const n = peers.length;
  let setsChecked = 0;
  const set: number[] = [];
  const lostIn = (): boolean => set.some((s) => peers[s].every((p) => set.includes(p)));
  const walk = (from: number): number[] | undefined => {
    if (set.length === down) {
      setsChecked++;
      return lostIn() ? [...set] : undefined;
    }
    for (let i = from; i < n; i++) {
      set.push(i);
      const found = walk(i + 1);
      set.pop();
      if (found) return found;
    }
    return undefined;
  };
  const found = walk(0);
  return found ? { down, setsChecked, survives: false, counterexample: found.map((i) => names[i]) } : { down, setsChecked, survives: true };
}

function formatBytes(b: number): string {
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

function formatRate(bps: number): string {
  return `${formatBytes(Math.round(bps))}/s`;
}

/** The plan of a topology's `sessionFailover:` block; a clear error when it has none. */
export function planSessionFailover(topology: TopologyDocument): SessionFailoverPlan {
  if (!topology.sessionFailover) {
    throw new IdhaValidationError([{ field: 'sessionFailover', value: undefined, allowed: 'a sessionFailover block with the cluster\'s servers', fix: 'add one (see examples/session-failover.yaml)' }]);
  }
  return SessionFailoverPlan.plan(topology.sessionFailover);
}
