import { mermaidId, mermaidLabel } from '../core/lang/mermaid';
import * as ipaddr from 'ipaddr.js';
import { IdhaValidationError, Problem } from '../core/errors';

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
  /** Concurrent users on this server. @default - usersPerServer, or totalUsers spread evenly */
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
  /** The tied candidates left out (the first 20 when there are more: see notChosenCount). */
  readonly notChosen: string[];
  /** How many tied candidates were chosen, when more than the 20 listed. @default - chosen.length */
  readonly chosenCount?: number;
  /** How many tied candidates were left out, when more than the 20 listed. @default - notChosen.length */
  readonly notChosenCount?: number;
}

/** The plan for one server. */
export interface SessionFailoverServerPlan {
  /** The server's address. */
  readonly address: string;
  /** Users whose sessions the server holds. */
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

/** Whether every server's sessions survive the loss of any `down` servers. */
export interface SessionFailoverSurvival {
  /** How many servers are down. */
  readonly down: number;
  /**
   * The failure sets the verdict covers: all C(n, down) of them (a server's sessions are lost only
   * with it and all its peers down, so the verdict is exact without enumerating them).
   */
  readonly setsChecked: number;
  /** Whether every session survives any such set of servers down. */
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
    if (list.length < 2)
      problems.push({
        field: `${f}.servers`,
        value: props?.servers,
        allowed: 'a list of at least 2 server addresses',
        fix: 'session failover needs a peer: list every Identity Server of the cluster',
      });
    const seen = new Map<string, number>();
    list.forEach((s, i) => {
      const address = typeof s === 'string' ? s : s?.address;
      const field = typeof s === 'string' ? `${f}.servers[${i}]` : `${f}.servers[${i}].address`;
      if (
        typeof address !== 'string' ||
        !(ipaddr.IPv4.isValidFourPartDecimal(address) || (address.includes(':') && ipaddr.IPv6.isValid(address) && !address.includes('%')))
      ) {
        problems.push({
          field,
          value: address,
          allowed: 'an IPv4 or IPv6 address',
          fix: "the product ranks peers by IP address, so give each server's address, not its name",
        });
        return;
      }
      const ip = ipaddr.parse(address);
      const canonical = ip.toString();
      if (seen.has(canonical)) {
        problems.push({
          field,
          value: address,
          allowed: `an address not already listed at ${f}.servers[${seen.get(canonical)}]`,
          fix: 'list each server once',
        });
        return;
      }
      seen.set(canonical, i);
      const users = typeof s === 'string' ? undefined : s.users;
      if (users !== undefined && !validUsers(users))
        problems.push({ field: `${f}.servers[${i}].users`, value: users, allowed: `an integer from 0 to ${MAX_USERS}` });
      servers.push({ address: canonical, ip, users, index: i });
    });
    if (new Set(servers.map((s) => s.ip.kind())).size > 1) {
      problems.push({
        field: `${f}.servers`,
        value: list.map((s) => (typeof s === 'string' ? s : s.address)),
        allowed: 'addresses of one family (all IPv4 or all IPv6)',
        fix: "proximity between an IPv4 and an IPv6 address means nothing: plan each family's servers as their own cluster",
      });
    }
    if (props?.usersPerServer !== undefined && props?.totalUsers !== undefined) {
      problems.push({ field: `${f}.totalUsers`, value: props.totalUsers, allowed: 'either usersPerServer or totalUsers, not both', fix: 'keep one' });
    }
    if (props?.usersPerServer !== undefined && !validUsers(props.usersPerServer))
      problems.push({ field: `${f}.usersPerServer`, value: props.usersPerServer, allowed: `an integer from 0 to ${MAX_USERS}` });
    if (props?.totalUsers !== undefined && !validUsers(props.totalUsers, MAX_USERS * 10))
      problems.push({ field: `${f}.totalUsers`, value: props.totalUsers, allowed: `an integer from 0 to ${MAX_USERS * 10}` });
    if (props?.usersPerServer === undefined && props?.totalUsers === undefined && servers.some((s) => s.users === undefined)) {
      problems.push({
        field: `${f}.usersPerServer`,
        value: undefined,
        allowed: 'the concurrent users per server (or totalUsers, or users on each server)',
        fix: "the plan's memory and traffic figures are per user",
      });
    }
    const logins = props?.loginsPerSecond ?? 0;
    if (typeof logins !== 'number' || !Number.isFinite(logins) || logins < 0 || logins > 1_000_000)
      problems.push({ field: `${f}.loginsPerSecond`, value: logins, allowed: 'a number from 0 to 1000000' });
    const size = props?.sessionSizeBytes ?? 1024;
    if (!Number.isInteger(size) || size < 1 || size > 1024 * 1024)
      problems.push({
        field: `${f}.sessionSizeBytes`,
        value: size,
        allowed: 'an integer from 1 to 1048576',
        fix: 'about 1 KB per user is documented; leave it out for 1024',
      });
    const prefix = props?.subnetPrefixLength;
    const maxPrefix = servers[0]?.ip.kind() === 'ipv6' ? 128 : 32;
    if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 1 || prefix > maxPrefix))
      problems.push({ field: `${f}.subnetPrefixLength`, value: prefix, allowed: `an integer from 1 to ${maxPrefix}` });

    const n = list.length;
    let peerCount = 0;
    let how = '';
    if (props?.peerCount !== undefined && props?.tolerate !== undefined) {
      problems.push({ field: `${f}.tolerate`, value: props.tolerate, allowed: 'either peerCount or tolerate, not both', fix: 'keep one' });
    } else if (props?.peerCount !== undefined) {
      peerCount = props.peerCount;
      how = 'set';
      if (!Number.isInteger(peerCount) || peerCount < 0 || peerCount >= Math.max(n, 1)) {
        problems.push({
          field: `${f}.peerCount`,
          value: peerCount,
          allowed: `an integer from 0 to ${Math.max(n - 1, 0)} (fewer than the ${n} servers)`,
          fix: 'a server cannot be its own peer: N-1 copies each session to every other server',
        });
      } else if (peerCount === 0) {
        warnings.push('peerCount 0 turns session failover off: a user on a failed server must log in again');
      } else if (n >= 8 && peerCount > 3) {
        warnings.push(
          `${peerCount} peers in a cluster of ${n}: above the recommended 2 or 3 for clusters of 8 or more; each server holds ${peerCount} ` +
            `other servers' sessions and sends each login ${peerCount} times`,
        );
      }
    } else {
      const tolerate = props?.tolerate ?? 1;
      if (tolerate !== 1 && tolerate !== 2) {
        problems.push({ field: `${f}.tolerate`, value: tolerate, allowed: '1 (N-1 peers) or 2 (N-2 peers)' });
      } else if (n - tolerate < 1) {
        problems.push({ field: `${f}.tolerate`, value: tolerate, allowed: `at most ${n - 1} for ${n} servers`, fix: 'N-2 needs at least 3 servers' });
      } else {
        peerCount = n - tolerate;
        how = `tolerate ${tolerate}: N-${tolerate} = ${n} - ${tolerate} = ${peerCount}`;
        if (tolerate === 2 && peerCount < 2) {
          warnings.push(
            `tolerate 2 on ${n} servers leaves ${peerCount} peer (N-2): sessions survive one server down, not two (a server and its only ` +
              `peer down lose its sessions); for two, give each server 2 peers (peerCount: 2)`,
          );
        }
        if (n >= 8 && peerCount > 3) {
          warnings.push(
            `tolerate ${tolerate} gives ${peerCount} peers (N-${tolerate}) in a cluster of ${n}; capped at 3, as recommended for clusters of ` +
              `8 or more`,
          );
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
  /** Bytes per session, as given (or the default). */
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
  /** What the plan warns about (peers in one subnet, a peer count above the recommendation). */
  public readonly warnings: string[];
  /** The subnet size the warnings and the per-subnet graph use. */
  public readonly subnetBits: number;

  private constructor(
    props: SessionFailoverProps,
    servers: Array<{ address: string; ip: ipaddr.IPv4 | ipaddr.IPv6; users?: number }>,
    peerCount: number,
    warnings: string[],
    how: string,
  ) {
    const n = servers.length;
    this.peerCount = peerCount;
    this.peerCountReason = how;
    this.sessionSizeBytes = props.sessionSizeBytes ?? 1024;
    // totalUsers spread evenly; the remainder goes one each to the first servers, so the cluster's
    // total stays what was given (1000 over 3: 334, 333, 333).
    const total = props.totalUsers ?? 0;
    const users = servers.map((s, i) => s.users ?? props.usersPerServer ?? Math.floor(total / n) + (i < total % n ? 1 : 0));
    const totalUsers = users.reduce((a, b) => a + b, 0);
    const logins = props.loginsPerSecond ?? 0;
    const rate = users.map((u) => (totalUsers > 0 ? (logins * u) / totalUsers : logins / n));
    const bytes = servers.map((s) => s.ip.toByteArray());
    const order = servers.map((_, i) => i).sort((a, b) => compareBytes(bytes[a], bytes[b]));
    const posOf = new Array<number>(n);
    order.forEach((i, r) => {
      posOf[i] = r;
    });
    // adjacent[k]: common prefix bits of the k-th and (k+1)-th address in address order. The servers
    // sharing at least p bits with one server form a contiguous run around it in that order, so its
    // candidates come level by level (longest prefix first), each level in address order: the
    // ranking "longest common prefix, then address order" without comparing every pair.
    const adjacent = order.slice(0, -1).map((i, k) => commonPrefixBits(bytes[i], bytes[order[k + 1]]));

    const peers: number[][] = [];
    const ties: Array<SessionFailoverTie | undefined> = [];
    const prefixes: number[][] = [];
    for (let i = 0; i < n; i++) {
      const chosen: number[] = [];
      const chosenPrefix: number[] = [];
      let tie: SessionFailoverTie | undefined;
      let lo = posOf[i];
      let hi = posOf[i];
      while (chosen.length < peerCount && (lo > 0 || hi < n - 1)) {
        const level = Math.max(lo > 0 ? adjacent[lo - 1] : -1, hi < n - 1 ? adjacent[hi] : -1);
        let newLo = lo;
        let newHi = hi;
        while (newLo > 0 && adjacent[newLo - 1] >= level) newLo--;
        while (newHi < n - 1 && adjacent[newHi] >= level) newHi++;
        // This level's servers, in address order: the new ones left of the run, then right of it.
        const group: number[] = [];
        for (let k = newLo; k < lo; k++) group.push(order[k]);
        for (let k = hi + 1; k <= newHi; k++) group.push(order[k]);
        const need = peerCount - chosen.length;
        const taken = group.slice(0, need);
        chosen.push(...taken);
        chosenPrefix.push(...taken.map(() => level));
        if (group.length > need) {
          const left = group.slice(need);
          tie = {
            prefixLength: level,
            chosen: taken.slice(0, MAX_TIE_LISTED).map((j) => servers[j].address),
            notChosen: left.slice(0, MAX_TIE_LISTED).map((j) => servers[j].address),
            ...(taken.length > MAX_TIE_LISTED || left.length > MAX_TIE_LISTED ? { chosenCount: taken.length, notChosenCount: left.length } : {}),
          };
        }
        lo = newLo;
        hi = newHi;
      }
      peers.push(chosen);
      prefixes.push(chosenPrefix);
      ties.push(tie);
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
    this.survival = [1, 2]
      .filter((d) => d < n)
      .map((d) =>
        survival(
          peers,
          d,
          servers.map((s) => s.address),
        ),
      );

    // Warnings about proximity.
    const family = servers[0].ip.kind();
    const subnetBits = props.subnetPrefixLength ?? (family === 'ipv6' ? 64 : 24);
    this.subnetBits = subnetBits;
    const subnetKeys = bytes.map((b) => subnetKey(b, subnetBits));
    const subnetOf = (i: number) => subnetKeys[i];
    const subnets = new Set(servers.map((_, i) => subnetOf(i)));
    if (subnets.size === 1) {
      warnings.push(
        `every server is in one /${subnetBits} subnet: losing it loses every server and every copy, whatever the peers. Inside it the peers ` +
          `are still ranked by the longest common address prefix, and equally close ones by address order (the product's own tie-break is ` +
          `not documented; the ties are listed)`,
      );
    } else if (peerCount > 0) {
      const ownOnly: string[] = [];
      servers.forEach((s, i) => {
        const peerSubnets = new Set(peers[i].map(subnetOf));
        if (peers[i].length === 0) return;
        if (peerSubnets.size === 1 && peerSubnets.has(subnetOf(i))) ownOnly.push(s.address);
        else if (peerSubnets.size === 1) {
          if (warnings.length < MAX_WARNINGS)
            warnings.push(
              `${s.address}: all its peers sit in one other subnet (${[...peerSubnets][0]}/${subnetBits}); losing that subnet loses its ` +
                `sessions' copies`,
            );
        }
      });
      if (ownOnly.length > 0) {
        warnings.push(
          `${ownOnly.length} of ${n} servers keep every copy of their sessions in their own /${subnetBits} subnet ` +
            `(${ownOnly.slice(0, 5).join(', ')}${ownOnly.length > 5 ? ', ...' : ''}): one outage of that subnet loses the sessions and all ` +
            `their copies. Proximity picks the closest peers; to keep a copy elsewhere, raise the peer count past the servers of one ` +
            `subnet, or spread the subnets`,
        );
      }
    }
    this.warnings = warnings;
  }

  /** The plan as a readable table; each cell lists at most 16 addresses and counts the rest. */
  public toTable(): string {
    const rows = [['server', 'users', 'peers (closest first)', 'backs up', 'extra memory', 'replication out / in']];
    for (const s of this.servers) {
      rows.push([
        s.address,
        String(s.users),
        listed(s.peers),
        listed(s.backsUp),
        formatBytes(s.extraMemoryBytes),
        `${formatRate(s.replicationOutBytesPerSecond)} / ${formatRate(s.replicationInBytesPerSecond)}`,
      ]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const lines = [
      `Session failover plan: ${this.servers.length} servers, ${this.peerCount} peer${this.peerCount === 1 ? '' : 's'} ` +
        `each${this.peerCountReason && this.peerCountReason !== 'set' ? ` (${this.peerCountReason})` : ''}, ${this.sessionSizeBytes} bytes ` +
        `per session`,
      `In the console: IDP Failover Peer Server Count = ${this.peerCount}`,
      '',
      ...rows.map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      ),
      '',
      `worst extra memory: ${formatBytes(this.worstExtraMemoryBytes)} on ${this.worstExtraMemoryServer}; replication in the cluster: ` +
        `${formatRate(this.totalReplicationBytesPerSecond)}`,
      ...this.survival.map(
        (v) =>
          `sessions survive any ${v.down} server${v.down === 1 ? '' : 's'} down: ${
            v.survives ? 'yes' : `NO (e.g. ${v.counterexample!.join(' + ')} down)`
          } (all ${v.setsChecked} sets of ${v.down}: sessions are lost only with their server and all its peers down)`,
      ),
    ];
    const tied = this.servers.filter((s) => s.tie);
    if (tied.length > 0) {
      lines.push('', "ties (equally close candidates; the plan takes them in address order, the product's own tie-break is not documented):");
      for (const s of tied.slice(0, MAX_WARNINGS)) {
        const t = s.tie!;
        lines.push(
          `  ${s.address}: chose ${t.chosen.join(', ')}${t.chosenCount ? ` (${t.chosenCount} in all)` : ''} over ${t.notChosen.join(
            ', ',
          )}${t.notChosenCount ? ` (${t.notChosenCount} in all)` : ''} (all /${t.prefixLength} in common)`,
        );
      }
      if (tied.length > MAX_WARNINGS) lines.push(`  ... and ${tied.length - MAX_WARNINGS} more servers with a tie (--format json lists them)`);
    }
    if (this.warnings.length > 0) lines.push('', ...this.warnings.map((w) => `warning: ${w}`));
    return lines.join('\n') + '\n';
  }

  /**
   * The plan as JSON, for tools. Bounded like the table: each server's peers and backsUp list at most
   * 16 addresses, with peersNotListed / backsUpNotListed counting the rest.
   */
  public toJson(): string {
    const cut = <T>(list: T[], key: string) =>
      list.length > MAX_LISTED ? { [key]: list.slice(0, MAX_LISTED), [`${key}NotListed`]: list.length - MAX_LISTED } : { [key]: list };
    return (
      JSON.stringify(
        {
          peerCount: this.peerCount,
          consoleField: 'IDP Failover Peer Server Count',
          peerCountReason: this.peerCountReason,
          sessionSizeBytes: this.sessionSizeBytes,
          servers: this.servers.map((s) => ({
            ...s,
            ...cut(s.peers, 'peers'),
            ...cut(s.peerPrefixLengths, 'peerPrefixLengths'),
            ...cut(s.backsUp, 'backsUp'),
          })),
          worstExtraMemoryBytes: this.worstExtraMemoryBytes,
          worstExtraMemoryServer: this.worstExtraMemoryServer,
          totalReplicationBytesPerSecond: this.totalReplicationBytesPerSecond,
          survival: this.survival,
          warnings: this.warnings,
        },
        null,
        2,
      ) + '\n'
    );
  }

  /**
   * The plan as a Mermaid graph: an arrow from each server to each of its peers. Past Mermaid's
   * default edge limit (500) the graph is drawn per subnet instead (one arrow per pair of subnets,
   * labelled with the number of peer links); if even that is too many, an error says what to do.
   */
  public toMermaid(): string {
    const edges = this.servers.reduce((sum, s) => sum + s.peers.length, 0);
    if (edges <= MERMAID_MAX_EDGES) {
      const id = new Map(this.servers.map((s, i) => [s.address, `s${i}`]));
      const lines = ['graph LR'];
      this.servers.forEach((s, i) =>
        lines.push(`  ${mermaidId(`s${i}`)}[${mermaidLabel(s.address, `${s.users} users, holds ${formatBytes(s.extraMemoryBytes)}`)}]`),
      );
      for (const s of this.servers) for (const p of s.peers) lines.push(`  ${id.get(s.address)} --> ${id.get(p)}`);
      return lines.join('\n') + '\n';
    }
    // Per subnet, widening it (4 bits at a time) until the graph fits Mermaid's limit.
    const index = new Map(this.servers.map((s, k) => [s.address, k]));
    const peerIdx = this.servers.map((s) => s.peers.map((a) => index.get(a)!));
    const raw = this.servers.map((s) => ipaddr.parse(s.address).toByteArray());
    const aggregate = (bits: number) => {
      const names: string[] = [];
      const nameIdx = new Map<string, number>();
      const subnetOfServer = raw.map((b) => {
        const key = `${subnetKey(b, bits)}/${bits}`;
        let k = nameIdx.get(key);
        if (k === undefined) {
          k = names.length;
          nameIdx.set(key, k);
          names.push(key);
        }
        return k;
      });
      const members = new Map<string, number>();
      subnetOfServer.forEach((k) => members.set(names[k], (members.get(names[k]) ?? 0) + 1));
      // A count per pair of subnets in one typed array: millions of peer links cost no allocation.
      const m = names.length;
      // More subnets than Mermaid could draw as nodes: widen without counting (and without a
      // matrix of m x m counts).
      if (m > MERMAID_MAX_EDGES) return { bits, members, links: new Map<string, number>(), tooMany: true };
      const counts = new Uint32Array(m * m);
      peerIdx.forEach((ps, from) => {
        const row = subnetOfServer[from] * m;
        for (const to of ps) counts[row + subnetOfServer[to]]++;
      });
      const links = new Map<string, number>();
      for (let key = 0; key < counts.length; key++) {
        if (counts[key] > 0) links.set(`${names[Math.floor(key / m)]}|${names[key % m]}`, counts[key]);
        if (links.size > MERMAID_MAX_EDGES) break;
      }
      return { bits, members, links, tooMany: links.size > MERMAID_MAX_EDGES };
    };
    let g = aggregate(this.subnetBits);
    while (g.tooMany && g.bits > 4) g = aggregate(Math.max(4, g.bits - 4));
    const { bits, members, links } = g;
    if (g.tooMany) {
      throw new IdhaValidationError([
        {
          field: '--format',
          value: 'mermaid',
          allowed:
            `a plan whose graph fits Mermaid's ${MERMAID_MAX_EDGES} edges (this one has ${edges} peer links, and ${links.size} even ` +
            `between /${bits} networks)`,
          fix: 'use --format table or json',
        },
      ]);
    }
    const ids = new Map([...members.keys()].map((k, i) => [k, `n${i}`]));
    const lines = [
      'graph LR',
      `  %% ${edges} peer links are more than Mermaid's default 500 edges: drawn per /${bits} subnet, each arrow labelled with its number of links`,
    ];
    for (const [k, count] of members) lines.push(`  ${mermaidId(ids.get(k)!)}[${mermaidLabel(k, `${count} servers`)}]`);
    for (const [k, count] of links) {
      const [a, b] = k.split('|');
      lines.push(`  ${ids.get(a)} -- ${count} --> ${ids.get(b)}`);
    }
    return lines.join('\n') + '\n';
  }
}

/** A list of addresses for one table cell: at most 16, and how many more. */
function listed(list: string[]): string {
  if (list.length === 0) return '(none)';
  return list.length > MAX_LISTED ? `${list.slice(0, MAX_LISTED).join(', ')}, ... (${list.length - MAX_LISTED} more)` : list.join(', ');
}

const MAX_USERS = 10_000_000;
/** Warnings of one kind listed; the rest are summed up. */
const MAX_WARNINGS = 20;
/** Addresses listed in one cell of the table or one list of the JSON; the rest are counted. */
const MAX_LISTED = 16;
/** The most edges a Mermaid graph gets: Mermaid's default maxEdges. */
export const MERMAID_MAX_EDGES = 500;
/** Addresses listed in a tie, per side; the rest are counted. */
const MAX_TIE_LISTED = 20;

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
 * Whether every set of `down` servers leaves a copy of every session. A server's sessions are lost
 * only in a set that holds it and every one of its peers, so they survive any `down` servers down
 * exactly when it has at least `down` peers: the verdict covers all C(n, down) sets without
 * enumerating them, and the counterexample is the first server with fewer peers, with its peers
 * (and, to make `down`, the next servers in the list).
 */
function survival(peers: number[][], down: number, names: string[]): SessionFailoverSurvival {
  const n = peers.length;
  const setsChecked = binomial(n, down);
  const weak = peers.findIndex((p) => p.length < down);
  if (weak < 0) return { down, setsChecked, survives: true };
  const set = [weak, ...peers[weak]];
  for (let i = 0; set.length < down && i < n; i++) if (!set.includes(i)) set.push(i);
  return { down, setsChecked, survives: false, counterexample: set.sort((a, b) => a - b).map((i) => names[i]) };
}

/** C(n, k) for k of 1 or 2. */
function binomial(n: number, k: number): number {
  return k === 1 ? n : (n * (n - 1)) / 2;
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
export function planSessionFailover(topology: { readonly sessionFailover?: SessionFailoverProps }): SessionFailoverPlan {
  if (!topology.sessionFailover) {
    throw new IdhaValidationError([
      {
        field: 'sessionFailover',
        value: undefined,
        allowed: "a sessionFailover block with the cluster's servers",
        fix: 'add one (see examples/session-failover.yaml)',
      },
    ]);
  }
  return SessionFailoverPlan.plan(topology.sessionFailover);
}
