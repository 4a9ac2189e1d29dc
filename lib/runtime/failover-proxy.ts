import { EventEmitter } from 'events';
import * as http from 'http';
import * as net from 'net';
import { HealthState } from './health-state';
import { Logger, silentLogger } from './log';
import { ioTimeout } from './io-timeout';

export interface ProxyBackend {
  readonly host: string;
  readonly port: number;
  /**
   * The primary's shim `GET /healthz` URL: its health from the shim instead of passive results only.
   * Read for the primary only: the secondary is always tried when the primary is not usable (a
   * standby shim reports "down" until the primary fails, so its health must not gate the secondary).
   */
  readonly healthUrl?: string;
}

export interface FailoverProxyOptions {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly primary: ProxyBackend;
  readonly secondary: ProxyBackend;
  /** Connect timeout per attempt. @default 1000 */
  readonly connectTimeoutMs?: number;
  /** How often each shim is polled. @default 250 */
  readonly healthPollMs?: number;
  /**
   * Without a shim: after a failed connect the primary is skipped for this long, then tried again
   * (passive failback). @default 2000
   */
  readonly retryPrimaryAfterMs?: number;
  /** Good shim polls before a backend counts as up again. @default 2 */
  readonly rise?: number;
  /** Failed shim polls before a backend counts as down. @default 1 */
  readonly fall?: number;
  /** When the primary comes back, cut connections still on the secondary (HAProxy's on-marked-up shutdown-backup-sessions). @default false */
  readonly cutSecondaryOnFailback?: boolean;
  /**
   * Passive mark-down: after this many failed or timed-out connects to the primary within
   * `markDownWindowMs`, the primary is skipped without being tried (whatever its shim says: a black
   * hole on the way to the service port is not seen by a shim that answers). 0 turns it off. @default 3
   */
  readonly markDownAfter?: number;
  /** @default 10000 */
  readonly markDownWindowMs?: number;
  /**
   * How long a mark lasts unless the primary's shim reports it down and then up again (which ends
   * the mark at once). Each further mark within `markDownWindowMs` of the last one's end doubles it
   * (up to 8 times). When it runs out, the next client connection tries the primary: it succeeds,
   * or fails over within the same connection and marks the primary down again at once. Nothing
   * else probes the service port: IQService would log each probe. @default 60000
   */
  readonly markDownHoldMs?: number;
  /**
   * A connect to the primary still pending after this long makes the primary suspect. The client
   * connection that waits on it races a connect to the secondary (the first to connect serves it;
   * a pending primary connect that loses is cancelled and counts as a failed connect), and new client
   * connections go to the secondary at once until the pending connects end. So under a black hole no
   * connection waits the connect timeout: a few wait this long, and their failures bring the mark.
   * The threshold grows to 4 x the median of the last 20 connects (a primary across a WAN), and
   * never exceeds half the connect timeout. 0 turns it off. @default 100
   */
  readonly suspectAfterMs?: number;
  /**
   * Client connections open at once; a connection beyond it is closed at once and counted in
   * `refused` (HAProxy's maxconn queues it in the kernel instead). 0: no limit. @default 1000
   */
  readonly maxConnections?: number;
  /**
   * A client connection with no byte either way for this long is closed on both sides (HAProxy's
   * `timeout client`/`timeout server`; the topology's idleTimeoutMinutes). 0: never. @default 0
   */
  readonly idleTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface ProxyStats {
  connections: number;
  toPrimary: number;
  toSecondary: number;
  /** Client connections closed because neither backend accepted. */
  failed: number;
  /** Primary connect attempts that failed and were retried on the secondary. */
  retried: number;
  active: number;
  /** Connect attempts that waited the whole connect timeout (the cost a black hole puts on a client). */
  timeouts: number;
  /** Times the primary was marked down passively. */
  markDowns: number;
  /** Client connections sent to the secondary without trying the primary, while a connect to it was pending too long. */
  suspectSkips: number;
  /** Primary connects still pending at the suspect threshold that lost the race to the secondary (cancelled). */
  racesLost: number;
  /** Client connections closed at once because `maxConnections` were open. */
  refused: number;
  /** Client connections closed by the idle timeout. */
  idleClosed: number;
}

/** Connect-latency histogram buckets, in seconds (Prometheus `le`). */
export const CONNECT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

type Role = 'primary' | 'secondary';

/**
 * A local prefer-primary failover proxy (emulates the load balancer). Each new client connection goes
 * to the primary; if the primary refuses or times out, the same client connection is sent to the
 * secondary, so the client sees no error. Data is piped in both directions with backpressure and
 * half-close; nothing is written to a backend before it accepted, so no byte is lost or reordered.
 */
export class FailoverProxy extends EventEmitter {
  public readonly stats: ProxyStats = {
    connections: 0,
    toPrimary: 0,
    toSecondary: 0,
    failed: 0,
    retried: 0,
    active: 0,
    timeouts: 0,
    markDowns: 0,
    suspectSkips: 0,
    racesLost: 0,
    refused: 0,
    idleClosed: 0,
  };
  private readonly latency: Record<Role, Histogram> = {
    primary: { counts: CONNECT_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 },
    secondary: { counts: CONNECT_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 },
  };
  /** When the primary's recent connects failed (for the mark-down window). */
  private primaryFailures: number[] = [];
  private markedDownSince: number | undefined;
  /** After a hold ran out: the next failure marks the primary down again at once. */
  private probation = false;
  /** Marks in a row (a mark that follows the end of the last within the window): the hold doubles. */
  private markStreak = 0;
  private lastMarkEnd = 0;
  /** Whether the shim reported the primary down since the mark (its return then ends the mark). */
  private shimSawDownSinceMark = false;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly server: net.Server;
  private readonly sessions = new Map<Role, Set<net.Socket>>([
    ['primary', new Set()],
    ['secondary', new Set()],
  ]);
  private readonly health: Record<Role, HealthState>;
  private primarySkipUntil = 0;
  /** Start times of the connects to the primary now pending. */
  private readonly primaryPending = new Set<{ at: number }>();
  /** The last successful connect times to the primary, in ms (for the suspect threshold). */
  private recentConnectMs: number[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  private readonly o: Required<Omit<FailoverProxyOptions, 'logger'>>;

  constructor(options: FailoverProxyOptions) {
    super();
    this.o = {
      connectTimeoutMs: 1000,
      healthPollMs: 250,
      retryPrimaryAfterMs: 2000,
      rise: 2,
      fall: 1,
      cutSecondaryOnFailback: false,
      markDownAfter: 3,
      markDownWindowMs: 10_000,
      markDownHoldMs: 60_000,
      suspectAfterMs: 100,
      maxConnections: 1000,
      idleTimeoutMs: 0,
      ...options,
    } as Required<Omit<FailoverProxyOptions, 'logger'>>;
    this.log = options.logger ?? silentLogger;
    this.health = {
      primary: new HealthState({ rise: this.o.rise, fall: this.o.fall, initial: 'up' }),
      secondary: new HealthState({ rise: this.o.rise, fall: this.o.fall, initial: 'up' }),
    };
    this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (c) => this.onClient(c));
    if (this.o.maxConnections > 0) {
      this.server.maxConnections = this.o.maxConnections;
      this.server.on('drop', () => {
        this.stats.refused++;
        if (this.stats.refused === 1 || this.stats.refused % 100 === 0)
          this.log.warn('connection refused: maxConnections open', { maxConnections: this.o.maxConnections, refused: this.stats.refused });
      });
    }
  }

  public get address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  /** Where a new connection would go first now. */
  public get preferred(): Role {
    return this.primaryUsable() ? 'primary' : 'secondary';
  }

  public async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.o.listenHost, port: this.o.listenPort }, () => resolve());
    });
    const url = this.o.primary.healthUrl;
    if (url) {
      await this.poll('primary', url);
      this.timers.push(setInterval(() => void this.poll('primary', url), this.o.healthPollMs));
    }
    this.log.info('proxy listening', { host: this.o.listenHost, port: this.address.port, primary: this.o.primary, secondary: this.o.secondary });
  }

  /** Whether the primary is marked down passively now. */
  public get markedDown(): boolean {
    return this.markedDownSince !== undefined;
  }

  /** The primary's health from its shim (`up` without one). */
  public get primaryHealth(): 'up' | 'down' {
    return this.o.primary.healthUrl ? this.health.primary.state : 'up';
  }

  /** The counters, the mark and the connect latencies in Prometheus' text format (0.0.4). */
  public metrics(): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, rows: Array<[string, number]>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows.map(([labels, v]) => `${name}${labels} ${v}`));
    };
    const up = (r: Role) => `{upstream="${r}"}`;
    metric('idha_proxy_connections_total', 'counter', 'Client connections accepted.', [['', this.stats.connections]]);
    metric('idha_proxy_upstream_connections_total', 'counter', 'Client connections sent to each upstream.', [
      [up('primary'), this.stats.toPrimary],
      [up('secondary'), this.stats.toSecondary],
    ]);
    metric('idha_proxy_failovers_total', 'counter', 'Primary connects that failed and were retried on the secondary.', [['', this.stats.retried]]);
    metric('idha_proxy_failed_total', 'counter', 'Client connections closed because no upstream accepted.', [['', this.stats.failed]]);
    metric('idha_proxy_connect_timeouts_total', 'counter', 'Connect attempts that waited the whole connect timeout.', [['', this.stats.timeouts]]);
    metric('idha_proxy_mark_downs_total', 'counter', 'Times the primary was marked down passively.', [['', this.stats.markDowns]]);
    metric('idha_proxy_races_lost_total', 'counter', 'Primary connects pending at the suspect threshold that lost the race to the secondary.', [
      ['', this.stats.racesLost],
    ]);
    metric(
      'idha_proxy_suspect_skips_total',
      'counter',
      'Client connections sent to the secondary while a connect to the primary was pending too long.',
      [['', this.stats.suspectSkips]],
    );
    metric('idha_proxy_refused_total', 'counter', 'Client connections closed at once because maxConnections were open.', [['', this.stats.refused]]);
    metric('idha_proxy_idle_closed_total', 'counter', 'Client connections closed by the idle timeout.', [['', this.stats.idleClosed]]);
    metric('idha_proxy_active_connections', 'gauge', 'Client connections open now.', [['', this.stats.active]]);
    metric('idha_proxy_preferred_upstream', 'gauge', 'The upstream a new connection goes to first (1).', [
      [up('primary'), this.preferred === 'primary' ? 1 : 0],
      [up('secondary'), this.preferred === 'secondary' ? 1 : 0],
    ]);
    metric('idha_proxy_marked_down', 'gauge', 'The primary is marked down passively (1).', [[up('primary'), this.markedDown ? 1 : 0]]);
    out.push(
      '# HELP idha_proxy_connect_seconds Time to connect to an upstream (successful connects).',
      '# TYPE idha_proxy_connect_seconds histogram',
    );
    for (const r of ['primary', 'secondary'] as const) {
      const h = this.latency[r];
      CONNECT_BUCKETS_SECONDS.forEach((le, i) => out.push(`idha_proxy_connect_seconds_bucket{upstream="${r}",le="${le}"} ${h.counts[i]}`));
      out.push(`idha_proxy_connect_seconds_bucket{upstream="${r}",le="+Inf"} ${h.count}`);
      out.push(`idha_proxy_connect_seconds_sum${up(r)} ${Number(h.sum.toFixed(6))}`, `idha_proxy_connect_seconds_count${up(r)} ${h.count}`);
    }
    return out.join('\n') + '\n';
  }

  /**
   * Graceful stop (SIGTERM): stop accepting at once (new clients then reach the other proxy or get a
   * refusal they retry), let open connections finish for up to `timeoutMs`, then close the rest.
   * Resolves with how many were still open at the deadline.
   */
  public async drain(timeoutMs: number): Promise<number> {
    this.server.close();
    const deadline = Date.now() + timeoutMs;
    if (this.stats.active > 0) this.log.info('draining', { open: this.stats.active, timeoutMs });
    while (this.stats.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const left = this.stats.active;
    if (left > 0) this.log.warn('drain timeout: closing the connections still open', { open: left });
    await this.stop();
    return left;
  }

  public async stop(): Promise<void> {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    for (const t of this.timers) clearInterval(t);
    for (const set of this.sessions.values()) for (const s of set) s.destroy();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  /** How long a connect to the primary may be pending before it is suspect (see suspectAfterMs). */
  private suspectThresholdMs(): number {
    // The median of the last connects: a WAN's round trip raises it, one stalled event-loop turn does not.
    const sorted = [...this.recentConnectMs].sort((a, b) => a - b);
    const typical = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
    return Math.min(Math.max(this.o.suspectAfterMs, 4 * typical), this.o.connectTimeoutMs / 2);
  }

  /** A connect to the primary has been pending longer than the suspect threshold (see suspectAfterMs). */
  private primarySuspect(): boolean {
    if (!this.o.suspectAfterMs || this.primaryPending.size === 0) return false;
    const threshold = this.suspectThresholdMs();
    const now = Date.now();
    for (const p of this.primaryPending) if (now - p.at > threshold) return true;
    return false;
  }

  private primaryUsable(): boolean {
    if (this.markedDown) return false;
    if (this.o.primary.healthUrl) return this.health.primary.state === 'up';
    return Date.now() >= this.primarySkipUntil;
  }

  private poll(role: Role, url: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const req = http.get(url, { timeout: Math.max(200, this.o.healthPollMs), agent: false }, (res) => {
        res.resume();
        this.recordHealth(role, res.statusCode === 200, `shim answered ${res.statusCode}`);
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        this.recordHealth(role, false, `shim unreachable: ${(e as NodeJS.ErrnoException).code ?? e.message}`);
        resolve();
      });
    });
  }

  private recordHealth(role: Role, ok: boolean, reason: string): void {
    if (!this.health[role].record({ ok, reason })) return;
    const state = this.health[role].state;
    this.log.info(`${role} ${state}`, { reason });
    this.emit('health', role, state);
    if (role === 'primary' && this.markedDown) {
      // The shim saw the outage and its end: the service is back, and so is the way to it.
      if (state === 'down') this.shimSawDownSinceMark = true;
      else if (this.shimSawDownSinceMark) this.clearMark('its shim reported it down and then up again', false);
    }
    if (role === 'primary' && state === 'up') this.failback();
  }

  private failback(): void {
    this.primarySkipUntil = 0;
    if (!this.o.cutSecondaryOnFailback) return;
    const n = this.sessions.get('secondary')!.size;
    for (const s of this.sessions.get('secondary')!) s.destroy();
    if (n > 0) this.log.info('primary back: closed connections on the secondary', { closed: n });
  }

  private onClient(client: net.Socket): void {
    this.stats.connections++;
    this.stats.active++;
    client.on('error', () => undefined);
    client.once('close', () => this.stats.active--);
    if (this.o.idleTimeoutMs > 0) {
      // Inactivity of the client socket covers both directions: it reads what the client sends and
      // writes what the upstream answers.
      client.setTimeout(this.o.idleTimeoutMs, () => {
        this.stats.idleClosed++;
        client.destroy();
      });
    }
    const suspect = this.primaryUsable() && this.primarySuspect();
    if (suspect) this.stats.suspectSkips++;
    const order: Role[] = this.primaryUsable() && !suspect ? ['primary', 'secondary'] : ['secondary', 'primary'];
    // Only fall back to the primary when it is skipped passively; a shim-reported down primary is not tried.
    const candidates = order.filter((r) => r === 'secondary' || this.primaryUsable() || !this.o.primary.healthUrl);
    void this.connectInOrder(client, candidates);
  }

  private async connectInOrder(client: net.Socket, roles: Role[]): Promise<void> {
    if (roles[0] === 'primary' && roles[1] === 'secondary' && this.o.suspectAfterMs > 0) return this.race(client);
    for (const role of roles) {
      if (client.destroyed) return;
      const upstream = await this.tryConnect(this.o[role], role).promise;
      if (upstream) return this.attach(client, upstream, role);
      if (role === 'primary') this.primaryConnectFailed();
    }
    this.attach(client, undefined, 'secondary');
  }

  /** Joins the client to the upstream that connected (counted per role), or closes it when none did. */
  private attach(client: net.Socket, upstream: net.Socket | undefined, role: Role): void {
    if (!upstream) {
      this.stats.failed++;
      client.destroy();
    } else if (client.destroyed) upstream.destroy();
    else {
      if (role === 'primary') {
        this.stats.toPrimary++;
        this.probation = false;
      } else this.stats.toSecondary++;
      this.splice(client, upstream, role);
    }
  }

  /** The primary's connect failed (refused, timed out, or lost the race): skip it, and count it towards the mark. */
  private primaryConnectFailed(): void {
    this.stats.retried++;
    this.primarySkipUntil = Date.now() + this.o.retryPrimaryAfterMs;
    if (!this.o.primary.healthUrl) this.emit('health', 'primary', 'down');
    this.primaryFailed();
  }

  /**
   * Primary first; if its connect is still pending at the suspect threshold, a connect to the
   * secondary races it, and the first to connect serves the client (the other, still pending, is
   * cancelled). Refused or timed out, the primary hands over to the secondary at once.
   */
  private race(client: net.Socket): Promise<void> {
    return new Promise<void>((done) => {
      let settled = false;
      let primaryState: 'pending' | 'failed' = 'pending';
      let secondaryState: 'none' | 'pending' | 'failed' = 'none';
      let secondary: ReturnType<FailoverProxy['tryConnect']> | undefined;
      const primary = this.tryConnect(this.o.primary, 'primary');
      const finish = (upstream: net.Socket | undefined, role: Role) => {
        settled = true;
        clearTimeout(timer);
        this.attach(client, upstream, role);
        done();
      };
      const startSecondary = () => {
        if (secondary || settled) return;
        secondaryState = 'pending';
        secondary = this.tryConnect(this.o.secondary, 'secondary');
        void secondary.promise.then((up) => {
          if (settled) {
            // The primary won in the same turn: this one connected too and is not needed.
            up?.destroy();
            return;
          }
          if (up) {
            if (primaryState === 'pending') {
              // Nothing has reached IQService on the primary yet: cancel its connect, and count it.
              primary.cancel();
              this.stats.racesLost++;
              this.primaryConnectFailed();
            }
            finish(up, 'secondary');
          } else {
            secondaryState = 'failed';
            if (primaryState === 'failed') finish(undefined, 'secondary');
          }
        });
      };
      const timer = setTimeout(startSecondary, this.suspectThresholdMs());
      void primary.promise.then((up) => {
        if (primary.cancelled) return;
        if (settled) {
          up?.destroy();
          return;
        }
        if (up) {
          secondary?.cancel();
          finish(up, 'primary');
          return;
        }
        primaryState = 'failed';
        this.primaryConnectFailed();
        if (secondaryState === 'none') startSecondary();
        else if (secondaryState === 'failed') finish(undefined, 'primary');
      });
    });
  }

  /** Counts a failed primary connect; marks the primary down at the N-th within the window. */
  private primaryFailed(): void {
    if (!this.o.markDownAfter || this.markedDown) return;
    const now = Date.now();
    this.primaryFailures = [...this.primaryFailures.filter((t) => now - t < this.o.markDownWindowMs), now];
    if (!this.probation && this.primaryFailures.length < this.o.markDownAfter) return;
    const why = this.probation ? 'it failed again after its hold' : `${this.o.markDownAfter} failed connects within ${this.o.markDownWindowMs} ms`;
    this.markStreak = this.probation || now - this.lastMarkEnd < this.o.markDownWindowMs ? Math.min(this.markStreak + 1, 3) : 0;
    const holdMs = this.o.markDownHoldMs * 2 ** this.markStreak;
    this.markedDownSince = now;
    this.primaryFailures = [];
    this.probation = false;
    // A shim that reports the primary down already has seen the outage (connects that started before
    // its "down" can fail after it): its next "up" ends the mark, as a down-then-up after the mark does.
    this.shimSawDownSinceMark = Boolean(this.o.primary.healthUrl) && this.health.primary.state === 'down';
    this.stats.markDowns++;
    this.log.info('primary marked down', {
      reason: why,
      holdMs,
      until: this.o.primary.healthUrl ? 'its shim reports it down and up again' : undefined,
    });
    this.emit('mark', 'down');
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.clearMark(`hold of ${holdMs} ms over: the next connection tries it`, true), holdMs);
  }

  private clearMark(reason: string, probation: boolean): void {
    if (!this.markedDown) return;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.markedDownSince = undefined;
    this.lastMarkEnd = Date.now();
    this.probation = probation;
    this.log.info('primary mark cleared', { reason });
    this.emit('mark', 'up');
    if (this.primaryUsable()) this.failback();
  }

  /** A connect attempt; `cancel()` gives up one still pending (it resolves undefined, counted as neither failure nor timeout). */
  private tryConnect(b: ProxyBackend, role: Role): { promise: Promise<net.Socket | undefined>; cancel: () => void; cancelled: boolean } {
    const attempt = { promise: undefined as unknown as Promise<net.Socket | undefined>, cancel: () => undefined as void, cancelled: false };
    attempt.promise = new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const pending = { at: Date.now() };
      if (role === 'primary') this.primaryPending.add(pending);
      const s = net.connect({ host: b.host, port: b.port, allowHalfOpen: true });
      const cancel = ioTimeout(this.o.connectTimeoutMs, () => {
        this.stats.timeouts++;
        fail();
      });
      const fail = () => {
        this.primaryPending.delete(pending);
        cancel();
        s.removeAllListeners();
        s.on('error', () => undefined);
        s.destroy();
        resolve(undefined);
      };
      attempt.cancel = () => {
        if (s.connecting && !s.destroyed) {
          attempt.cancelled = true;
          fail();
        }
      };
      s.once('error', fail);
      s.once('connect', () => {
        cancel();
        s.removeListener('error', fail);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (role === 'primary') {
          this.primaryPending.delete(pending);
          this.recentConnectMs = [...this.recentConnectMs.slice(-19), seconds * 1000];
        }
        this.observe(role, seconds);
        resolve(s);
      });
    });
    return attempt;
  }

  private observe(role: Role, seconds: number): void {
    const h = this.latency[role];
    CONNECT_BUCKETS_SECONDS.forEach((le, i) => {
      if (seconds <= le) h.counts[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  /** Full-duplex piping with backpressure (pipe) and half-close (end is forwarded, the other way stays open). */
  private splice(client: net.Socket, upstream: net.Socket, role: Role): void {
    const set = this.sessions.get(role)!;
    set.add(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    // A side that closed after a clean end has had its end forwarded by pipe(): let the other side
    // flush. A side that closed without one (reset, cut, killed backend) takes the other down with it.
    client.once('close', () => {
      set.delete(client);
      if (!upstream.writableEnded) upstream.destroy();
    });
    upstream.once('close', () => {
      if (!client.writableEnded) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
