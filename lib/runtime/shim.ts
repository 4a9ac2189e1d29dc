import * as dgram from 'dgram';
import { EventEmitter } from 'events';
import * as http from 'http';
import * as net from 'net';
import { readProcNetTcp, TCP_STATE } from './proc-net-tcp';
import { BalancerReport, listenForReports } from './balancer-reports';
import { getJson } from './children';
import { FlapDamping, FlapDampingOptions, PATH_FAULT_WEIGHT } from './flap-damping';
import { HealthState, HealthValue } from './health-state';
import { Logger, silentLogger } from './log';
import { CheckResult, ServiceChecker } from './service-check';
import { ioTimeout } from './io-timeout';

export type ShimRole = 'primary' | 'secondary';

/**
 * The other host of the pair, for the priority gate. The secondary's priority gate opens only while
 * the primary's service is down; the primary's opens only while the secondary's is closed, so that the
 * two priority gates are never open together.
 */
export interface PeerOptions {
  /** This host's role in the pair. */
  readonly role: ShimRole;
  /** The other host's shim health URL, e.g. `http://10.0.2.10:15051/healthz`. */
  readonly healthUrl: string;
  /** @default 1000 */
  readonly pollMs?: number;
  /** Secondary: consecutive polls finding the primary down or unreachable before its priority gate opens. @default 3 */
  readonly fallCount?: number;
  /** Secondary: consecutive polls finding the primary healthy before its priority gate closes again. @default 3 */
  readonly riseCount?: number;
  /** @default 800 */
  readonly timeoutMs?: number;
}

/** Balancer reports (syslog over UDP): see balancer-reports.ts. */
export interface ReportOptions {
  /** UDP port on the --bind address. */
  readonly port: number;
  /** `<backend>/<server>` names of this host in the balancers' configurations. */
  readonly servers: readonly string[];
  /** Accepted senders; empty or absent accepts any. */
  readonly from?: readonly string[];
}

export interface ShimOptions {
  readonly checker: ServiceChecker;
  /** Address the gate, health and agent ports bind to (explicit: never all interfaces by accident). */
  readonly bind: string;
  /**
   * The health gate (TCP): listens only while this host's service is healthy (and not held down by
   * flap damping), whatever the other host does. For balancers with priorities of their own (HAProxy
   * `backup`, F5 priority groups, DNS failover), which then always see the secondary up. 0 disables.
   * @default 15050
   */
  readonly gatePort?: number;
  /**
   * The priority gate (TCP): with a peer, listens on the primary while it is healthy and the
   * secondary's priority gate is closed, and on the secondary only while the primary's service is
   * down. For balancers without priorities (Azure LB, AWS NLB), which send to every member that
   * passes. `GET /priority` on the health port answers the same. Not opened without a peer. 0 disables.
   * @default 15054
   */
  readonly priorityPort?: number;
  /** HTTP `GET /healthz`. 0 disables. @default 15051 */
  readonly healthPort?: number;
  /** HAProxy agent-check. 0 disables. @default 15052 */
  readonly agentPort?: number;
  /** @default 1000 */
  readonly intervalMs?: number;
  /**
   * A check still running after this long counts as failed, with the reason "check timed out"; no
   * new check starts until it has finished (a slow netstat never piles up processes).
   * @default - max(2 x intervalMs, 5000)
   */
  readonly checkTimeoutMs?: number;
  /**
   * Good checks before a down service counts as up again. Flap damping, not rise, is what keeps a
   * flapping service out, so one check is enough.
   * @default 1
   */
  readonly rise?: number;
  /** @default 2 */
  readonly fall?: number;
  /**
   * On stop: how long the gate stays closed, `/healthz` answers 503 and agents are told `drain`
   * before the ports close, so balancers see the shutdown instead of a vanished port.
   * @default 0
   */
  readonly drainMs?: number;
  /** The other host of the pair: enables the priority gate. */
  readonly peer?: PeerOptions;
  /**
   * Flap damping: each time the service goes down adds to a decaying penalty; a second flap within
   * a half-life holds the host down (gate closed, 503, agent `down`) until the penalty decays.
   * `maxHoldDownMs: 0` turns it off.
   * @default - { halfLifeMs: 60000, maxHoldDownMs: 600000 }
   */
  readonly damping?: FlapDampingOptions;
  /** Listen for balancers' reports that they marked this host down (off when absent). */
  readonly reports?: ReportOptions;
  readonly logger?: Logger;
}

/** What `GET /healthz` answers. */
export interface ShimStatus {
  /** The health gate: up while this host's service is healthy and not held down. */
  readonly state: HealthValue;
  /** The priority gate (null without a peer): up while this host is the one to take traffic. */
  readonly priority: HealthValue | null;
  /** The pair role (null without a peer). */
  readonly role: ShimRole | null;
  /**
   * On the secondary: its view of the primary's service (after `--standby-fall`/`--standby-rise`).
   * The primary opens its priority gate only once the secondary's gate is closed **and** this says up,
   * so the secondary cannot open on misses it counted before. Null on the primary and without a peer.
   */
  readonly primary: HealthValue | null;
  /** The local service's own health (the service can be up while the host is held down). */
  readonly service: HealthValue;
  readonly since: string;
  readonly lastCheck: string | null;
  /** While flap damping holds the host down: when the hold-down ends (ISO time); else null. */
  readonly heldDownUntil: string | null;
  /** The flap-damping penalty now (2 or more holds the host down; it is released below 0.75). */
  readonly penalty: number;
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/**
 * The sidecar on an IQService host. It looks at the local service port without connecting to it,
 * keeps a rise/fall state, and publishes two gates from one process, so that one command line serves
 * every mix of balancers:
 * - the **health gate**, this host's own health: a TCP gate port (open only while healthy), HTTP
 *   `GET /healthz` (200/503) and the HAProxy agent-check protocol. Balancers with priorities of their
 *   own probe it, so the secondary is up to them while the primary serves, and they switch at once.
 * - the **priority gate** (with a peer): a TCP port and `GET /priority`, open on exactly one host at a
 *   time, the primary while it is healthy. Balancers without priorities probe it.
 *
 * Events: `change` (health gate), `priority` (priority gate), `check` (each local result).
 */
export class Shim extends EventEmitter {
  public readonly local: HealthState;
  /** The secondary's view of the primary's service (with a peer, on the secondary). */
  public readonly primary?: HealthState;
  private effective: HealthValue = 'down';
  private priorityValue: HealthValue = 'down';
  private effectiveSince = Date.now();
  private stopping = false;
  /** Set once every listener is up: a shim that never started has no balancer to drain. */
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly gate = net.createServer((s) => s.on('error', () => undefined).end());
  private readonly priorityGate = net.createServer((s) => s.on('error', () => undefined).end());
  private priorityOp: Promise<void> = Promise.resolve();
  private readonly health: http.Server;
  private readonly agent: net.Server;
  private gateOp: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly o: Required<Omit<ShimOptions, 'peer' | 'logger' | 'damping' | 'reports'>> & Pick<ShimOptions, 'peer' | 'reports'>;
  /** Flap damping of the local service (and of faults balancers report). */
  public readonly damping: FlapDamping;
  private reportSocket: dgram.Socket | undefined;
  private nextTick: NodeJS.Timeout | undefined;
  /**
   * On the primary: the last answer from the secondary's /healthz, and the healthy period it was asked
   * in. The primary opens its priority gate only on an answer asked for after it last became healthy,
   * saying the secondary's gate is closed and the secondary sees the primary up: an answer from before
   * an outage says nothing about whether the secondary opened during it.
   */
  private secondaryAnswer: { clear: boolean; open: boolean; epoch: number; seq: number } | undefined;
  /** On the primary: counts the times it became healthy (an answer is fresh only within one period). */
  private healthyEpoch = 0;
  private wasHealthy = false;
  private pollSeq = 0;
  /** The check in flight, if any: one at a time. */
  private inFlight: Promise<unknown> | undefined;
  private inFlightSince = 0;
  /** Whether the first check's result was logged (a service down from the start changes no state). */
  private firstReported = false;

  constructor(options: ShimOptions) {
    super();
    this.o = {
      checker: options.checker,
      bind: options.bind,
      peer: options.peer,
      reports: options.reports,
      gatePort: options.gatePort ?? 15050,
      priorityPort: options.priorityPort ?? 15054,
      healthPort: options.healthPort ?? 15051,
      agentPort: options.agentPort ?? 15052,
      intervalMs: options.intervalMs ?? 1000,
      rise: options.rise ?? 1,
      fall: options.fall ?? 2,
      drainMs: options.drainMs ?? 0,
      checkTimeoutMs: options.checkTimeoutMs ?? Math.max(2 * (options.intervalMs ?? 1000), 5000),
    };
    this.log = options.logger ?? silentLogger;
    this.local = new HealthState({ rise: this.o.rise, fall: this.o.fall });
    this.damping = new FlapDamping(options.damping);
    if (options.peer?.role === 'secondary') {
      this.primary = new HealthState({ rise: options.peer.riseCount ?? 3, fall: options.peer.fallCount ?? 3, initial: 'up' });
    }
    this.health = http.createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== '/healthz' && !(url === '/priority' && this.o.peer)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return;
      }
      const body = JSON.stringify(this.status()) + '\n';
      const up = url === '/priority' ? this.priorityReported() === 'up' : this.effective === 'up';
      res.writeHead(up ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    this.health.keepAliveTimeout = 1000;
    this.agent = net.createServer((s) => {
      s.on('error', () => undefined);
      const until = this.heldDownUntil();
      s.end(this.stopping ? 'drain\n' : this.effective === 'up' ? 'up\n' : until ? `down #held down until ${until}\n` : 'down\n');
    });
  }

  /** The published state. */
  public get state(): HealthValue {
    return this.effective;
  }

  /** The priority gate's state (always down without a peer). */
  public get priority(): HealthValue {
    return this.priorityValue;
  }

  /**
   * The priority gate as the peer must see it: up from the moment it is wanted up until its port has
   * really stopped listening (closing is queued behind an open in progress), so an answer never says
   * closed while a balancer can still connect.
   */
  private priorityReported(): HealthValue {
    return this.priorityValue === 'up' || this.priorityGate.listening ? 'up' : 'down';
  }

  public status(): ShimStatus {
    return {
      state: this.effective,
      priority: this.o.peer ? this.priorityReported() : null,
      role: this.o.peer?.role ?? null,
      primary: this.primary ? this.primary.state : null,
      service: this.stopping ? 'down' : this.local.state,
      since: new Date(this.effectiveSince).toISOString(),
      lastCheck: this.local.lastCheckAt ? new Date(this.local.lastCheckAt).toISOString() : null,
      heldDownUntil: this.heldDownUntil() ?? null,
      penalty: Math.round(this.damping.penalty() * 1000) / 1000,
    };
  }

  private heldDownUntil(): string | undefined {
    const t = this.damping.holdDownUntil();
    return t === undefined ? undefined : new Date(t).toISOString();
  }

  /**
   * A balancer marked this host down. The shim checks the service at once:
   * - the service is down (the balancer's traffic saw it first): a confirmed failure, the gate closes
   *   now, and it counts as an ordinary flap;
   * - the service is healthy while the gate is open: the balancer saw something the shim cannot (a
   *   black hole, a firewall, a broken route), and the host is held down (flap damping, weight 2).
   * A mark-down that follows the gate closing is the balancer agreeing, not news.
   */
  public async balancerReport(report: BalancerReport, from: string): Promise<void> {
    if (this.stopping || report.state !== 'down' || this.effective !== 'up') return;
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    let result: CheckResult;
    try {
      result = await this.o.checker.check();
    } catch (e) {
      result = { ok: false, reason: `check failed: ${(e as Error).message}` };
    }
    if (this.stopping || this.effective !== 'up') return;
    if (!result.ok) {
      if (this.local.record({ ...result, confirmed: true })) {
        this.damping.flap();
        this.log.info('service down', { reason: result.reason, reportedBy: from, penalty: this.damping.penalty() });
        this.hurryNextTick();
      }
      await this.reconcile(`${result.reason} (reported by ${from})`);
      return;
    }
    const held = this.damping.flap(PATH_FAULT_WEIGHT);
    this.log.warn('a balancer marked this host down while the service is healthy here: holding it down', {
      balancer: from,
      server: report.server,
      reason: report.reason,
      penalty: this.damping.penalty(),
      heldDownUntil: this.heldDownUntil(),
      newlyHeld: held,
    });
    await this.reconcile(`held down: ${from} marked ${report.server} down (${report.reason || 'no reason given'})`);
  }

  /**
   * Opens the health and agent ports (and the report socket), and tries the gate port once, so that
   * a port this process cannot have fails here, not at the first failover. The error carries the
   * port and the flag that names it (`port`, `flag`); the caller stops what did open.
   */
  public async start(): Promise<void> {
    const tagged = async (flag: string, port: number, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        throw Object.assign(e as Error, { port, flag });
      }
    };
    if (this.o.healthPort) await tagged('--health-port', this.o.healthPort, () => listen(this.health, this.o.healthPort, this.o.bind));
    if (this.o.agentPort) await tagged('--agent-port', this.o.agentPort, () => listen(this.agent, this.o.agentPort, this.o.bind));
    // The gate is never opened to test it (a balancer's probe in that moment would count the host
    // up): where the socket table can be read (Linux), a listener already on the gate port is refused.
    if (this.o.gatePort && process.platform === 'linux') {
      const taken = readProcNetTcp().find(
        (e) =>
          e.state === TCP_STATE.LISTEN &&
          e.localPort === this.o.gatePort &&
          (e.localAddress === this.o.bind || ['0.0.0.0', '::'].includes(e.localAddress) || ['0.0.0.0', '::'].includes(this.o.bind)),
      );
      if (taken)
        throw Object.assign(new Error(`port ${this.o.gatePort} is in use`), { code: 'EADDRINUSE', port: this.o.gatePort, flag: '--gate-port' });
    }
    if (this.o.peer && this.o.priorityPort && process.platform === 'linux') {
      const taken = readProcNetTcp().find(
        (e) =>
          e.state === TCP_STATE.LISTEN &&
          e.localPort === this.o.priorityPort &&
          (e.localAddress === this.o.bind || ['0.0.0.0', '::'].includes(e.localAddress) || ['0.0.0.0', '::'].includes(this.o.bind)),
      );
      if (taken)
        throw Object.assign(new Error(`port ${this.o.priorityPort} is in use`), {
          code: 'EADDRINUSE',
          port: this.o.priorityPort,
          flag: '--priority-port',
        });
    }
    if (this.o.reports) {
      const r = this.o.reports;
      await tagged('--report-port', r.port, async () => {
        this.reportSocket = await listenForReports({
          bind: this.o.bind,
          port: r.port,
          servers: r.servers,
          from: r.from,
          onReport: (report, from) => void this.balancerReport(report, from),
          onIgnored: (why, from) => this.log.info('balancer report ignored', { from, why }),
        });
      });
    }
    this.started = true;
    this.log.info('shim started', {
      bind: this.o.bind,
      gatePort: this.o.gatePort,
      healthPort: this.o.healthPort,
      agentPort: this.o.agentPort,
      check: this.o.checker.method,
      intervalMs: this.o.intervalMs,
      rise: this.o.rise,
      fall: this.o.fall,
      role: this.o.peer?.role,
      peer: this.o.peer?.healthUrl,
      priorityPort: this.o.peer ? this.o.priorityPort : undefined,
      dampingHalfLifeMs: this.damping.halfLifeMs,
      maxHoldDownMs: this.damping.maxHoldDownMs,
      reportPort: this.o.reports?.port,
      reportServers: this.o.reports?.servers,
    });
    await this.tick();
    this.scheduleTick();
    if (this.o.peer) {
      const poll = () => (this.o.peer!.role === 'secondary' ? this.pollPrimary() : this.pollSecondary());
      await poll();
      this.timers.push(setInterval(() => void poll(), this.o.peer.pollMs ?? 1000));
    }
  }

  /** Closes the gate first (balancers stop sending), answers `drain` to agents, then shuts down. */
  public async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all([this.setEffective('down', 'shutting down'), this.setPriority('down', 'shutting down')]);
    if (this.o.drainMs > 0 && this.started) await new Promise((r) => setTimeout(r, this.o.drainMs));
    this.reportSocket?.close();
    await Promise.all([close(this.health), close(this.agent)]);
    this.health.closeAllConnections?.();
    await Promise.all([this.gateOp, this.priorityOp]);
    this.log.info('shim stopped');
  }

  /**
   * Next check after the interval, or after a quarter of it while the service is down, so that a
   * service that comes back is seen within interval/4 (HAProxy's `downinter` idea). Reading the
   * socket table 4 times a second while the service is down costs nothing worth measuring.
   */
  private scheduleTick(): void {
    if (this.stopping) return;
    const ms = this.local.state === 'down' ? Math.max(100, Math.round(this.o.intervalMs / 4)) : this.o.intervalMs;
    const t = setTimeout(() => {
      this.timers = this.timers.filter((x) => x !== t);
      if (this.nextTick === t) this.nextTick = undefined;
      void this.tick().finally(() => this.scheduleTick());
    }, ms);
    this.nextTick = t;
    this.timers.push(t);
  }

  /** The service just went down outside a tick: check again at the fast pace from now. */
  private hurryNextTick(): void {
    if (!this.nextTick) return; // a tick is running; it reschedules at the fast pace itself
    clearTimeout(this.nextTick);
    this.timers = this.timers.filter((x) => x !== this.nextTick);
    this.nextTick = undefined;
    this.scheduleTick();
  }

  private async tick(): Promise<void> {
    let result: CheckResult;
    if (this.inFlight) {
      // One check at a time: a slow one (netstat on a loaded host) is not joined by more. It already
      // outlived the timeout in an earlier tick, so each tick it is still running counts as a failure.
      result = {
        ok: false,
        reason:
          `check timed out: the ${this.o.checker.method} check started ${Date.now() - this.inFlightSince} ms ago is still running (no ` +
          `second one is started)`,
      };
    } else {
      const check = this.o.checker.check();
      this.inFlight = check;
      this.inFlightSince = Date.now();
      void check
        .catch(() => undefined)
        .finally(() => {
          if (this.inFlight === check) this.inFlight = undefined;
        });
      let cancel: (() => void) | undefined;
      const timeout = new Promise<CheckResult>((resolve) => {
        cancel = ioTimeout(this.o.checkTimeoutMs, () =>
          resolve({ ok: false, reason: `check timed out after ${this.o.checkTimeoutMs} ms (${this.o.checker.method})` }),
        );
      });
      try {
        result = await Promise.race([check, timeout]);
      } catch (e) {
        result = { ok: false, reason: `check failed: ${(e as Error).message}` };
      } finally {
        cancel?.();
      }
    }
    if (this.stopping) return;
    const changed = this.local.record(result);
    this.emit('check', result);
    if (changed && this.local.state === 'down') {
      const held = this.damping.flap();
      this.log.info('service down', {
        reason: result.reason,
        penalty: this.damping.penalty(),
        ...(held ? { heldDownUntil: this.heldDownUntil() } : {}),
      });
    } else if (changed) {
      this.log.info('service up', { reason: result.reason, ...(this.damping.suppressed() ? { heldDownUntil: this.heldDownUntil() } : {}) });
    } else if (!this.firstReported && !result.ok) {
      // The state starts down, so a service that is down from the start changes nothing: say why once.
      this.log.info('service down', { reason: result.reason, atStart: true });
    }
    this.firstReported = true;
    await this.reconcile(result.reason);
  }

  /** The secondary judges the primary by its service's health, not by a gate. */
  private pollPrimary(): Promise<void> {
    const sb = this.o.peer!;
    return getJson(sb.healthUrl, sb.timeoutMs ?? 800).then(async (f) => {
      // A primary held down by flap damping counts as down: it will not take traffic until released.
      const r = f.body
        ? {
            ok: f.body.service === 'up' && !f.body.heldDownUntil,
            reason: f.body.heldDownUntil ? `primary shim: held down until ${f.body.heldDownUntil}` : `primary shim: service ${f.body.service}`,
          }
        : { ok: f.status === 200, reason: f.status ? `primary shim answered ${f.status}` : `primary shim unreachable: ${f.error}` };
      if (this.stopping) return;
      if (this.primary!.record(r)) this.log.info(`primary ${this.primary!.state}`, { reason: r.reason });
      await this.reconcile(r.reason);
    });
  }

  /**
   * The primary reads the secondary's priority gate and its view of the primary. An unreachable
   * secondary takes no traffic: its shim, which holds its priority gate, is not answering.
   */
  private pollSecondary(): Promise<void> {
    const peer = this.o.peer!;
    const asked = { epoch: this.healthyEpoch, seq: ++this.pollSeq };
    return getJson(peer.healthUrl, peer.timeoutMs ?? 800).then(async (f) => {
      if (this.stopping) return;
      // Answers can arrive out of order when a poll outlives the interval: keep the newest asked.
      if (this.secondaryAnswer && this.secondaryAnswer.seq > asked.seq) return;
      const open = f.body?.priority === 'up';
      // A secondary from before the `primary` field counts as seeing the primary up (the old rule).
      const seesUsUp = !f.body || f.body.primary !== 'down';
      const clear = !open && seesUsUp;
      const before = this.secondaryAnswer;
      if (!before || before.open !== open)
        this.log.info(open ? 'secondary priority gate open: holding ours closed' : 'secondary priority gate closed', { status: f.status || f.error });
      this.secondaryAnswer = { clear, open, ...asked };
      await this.reconcile(open ? 'the secondary still takes traffic' : clear ? 'secondary closed' : 'the secondary does not yet see this host up');
    });
  }

  /** On the primary: the secondary's gate is closed, as answered after this host last became healthy. */
  private secondaryClear(): boolean {
    const a = this.secondaryAnswer;
    return !!a && a.clear && a.epoch === this.healthyEpoch;
  }

  private async reconcile(reason: string): Promise<void> {
    const localUp = this.local.state === 'up';
    const held = this.damping.suppressed();
    const healthy = localUp && !held;
    const why = !localUp
      ? reason
      : held
        ? `held down by flap damping until ${this.heldDownUntil()} (penalty ${this.damping.penalty().toFixed(2)})`
        : reason;
    const ops = [this.setEffective(healthy ? 'up' : 'down', why)];
    if (this.o.peer?.role === 'primary' && healthy !== this.wasHealthy) {
      this.wasHealthy = healthy;
      if (healthy) {
        // A new healthy period: earlier answers are stale. Ask now rather than at the next interval.
        this.healthyEpoch++;
        if (!this.stopping) void this.pollSecondary();
      }
    }
    if (this.o.peer) {
      const waiting = this.o.peer.role === 'secondary' ? this.primary!.state === 'up' : !this.secondaryClear();
      const pwhy = !healthy
        ? why
        : this.o.peer.role === 'secondary'
          ? waiting
            ? 'the primary is healthy'
            : 'the primary is down'
          : waiting
            ? 'waiting for the secondary to close and to see this host up'
            : reason;
      ops.push(this.setPriority(healthy && !waiting ? 'up' : 'down', pwhy));
    }
    await Promise.all(ops);
  }

  private setPriority(want: HealthValue, reason: string): Promise<void> {
    if (!this.o.peer || want === this.priorityValue) return this.priorityOp;
    this.priorityValue = want;
    this.log.info(want === 'up' ? 'priority gate open' : 'priority gate closed', { reason });
    this.emit('priority', want);
    this.priorityOp = this.priorityOp.then(() => this.applyGate('priority gate', this.priorityGate, this.o.priorityPort, () => this.priorityValue));
    return this.priorityOp;
  }

  /** Makes a gate server's listening follow its state (re-read when the queued operation runs). */
  private async applyGate(name: string, server: net.Server, port: number, state: () => HealthValue): Promise<void> {
    if (!port) return;
    if (state() === 'up' && !server.listening) {
      await listen(server, port, this.o.bind).catch((e) => {
        // A host whose gate cannot open is down to every balancer while it looks up here: say so,
        // and let the process end (its supervisor restarts it and shows the error).
        this.log.error(`cannot open the ${name}`, { error: (e as Error).message, port });
        this.emit('fatal', new Error(`the ${name} port ${port} cannot open (${(e as Error).message})`));
      });
    } else if (state() === 'down' && server.listening) {
      await close(server);
    }
  }

  private setEffective(want: HealthValue, reason: string): Promise<void> {
    if (want === this.effective) return this.gateOp;
    this.effective = want;
    this.effectiveSince = Date.now();
    this.log.info(want === 'up' ? 'healthy: gate open' : 'unhealthy: gate closed', { reason });
    this.emit('change', want);
    this.gateOp = this.gateOp.then(() => this.applyGate('gate', this.gate, this.o.gatePort, () => this.effective));
    return this.gateOp;
  }
}
