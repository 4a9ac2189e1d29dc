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

export interface StandbyOptions {
  /** The primary's shim health URL, e.g. `http://10.0.1.10:15051/healthz`. */
  readonly primaryHealthUrl: string;
  /** @default 1000 */
  readonly pollMs?: number;
  /** Consecutive polls finding the primary unhealthy or unreachable before the standby opens. @default 3 */
  readonly fallCount?: number;
  /** Consecutive polls finding the primary healthy before the standby closes again. @default 3 */
  readonly riseCount?: number;
  /** @default 800 */
  readonly timeoutMs?: number;
}

export interface PeerOptions {
  /** The standby shim's health URL, e.g. `http://10.0.2.10:15051/healthz`. */
  readonly standbyHealthUrl: string;
  /** @default 1000 */
  readonly pollMs?: number;
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
  /** TCP gate: listens only while healthy. 0 disables. @default 15050 */
  readonly gatePort?: number;
  /** HTTP `GET /healthz`. 0 disables. @default 15051 */
  readonly healthPort?: number;
  /** HAProxy agent-check. 0 disables. @default 15052 */
  readonly agentPort?: number;
  /** @default 1000 */
  readonly intervalMs?: number;
  /**
   * A check still running after this long counts as failed, with the reason "check timed out"; no
   * new check starts until it has finished (a slow netstat never piles up processes).
   * @default max(2 x intervalMs, 5000)
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
  /** Standby mode (secondary host): healthy only while the primary is not. */
  readonly standby?: StandbyOptions;
  /**
   * Primary with a standby: open the gate only while the standby's gate is closed (or the standby
   * cannot be reached), so that on failback the two gates are never open together.
   */
  readonly peer?: PeerOptions;
  /**
   * Flap damping: each time the service goes down adds to a decaying penalty; a second flap within
   * a half-life holds the host down (gate closed, 503, agent `down`) until the penalty decays.
   * `maxHoldDownMs: 0` turns it off.
   * @default { halfLifeMs: 60000, maxHoldDownMs: 600000 }
   */
  readonly damping?: FlapDampingOptions;
  /** Listen for balancers' reports that they marked this host down (off when absent). */
  readonly reports?: ReportOptions;
  readonly logger?: Logger;
}

/** What `GET /healthz` answers. */
export interface ShimStatus {
  /** Whether this host takes traffic (the gate is open). */
  readonly state: HealthValue;
  /** The local service's own health (a standby's service can be up while its state is down). */
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
 * keeps a rise/fall state, and publishes that state as a TCP gate port (open only while healthy),
 * HTTP `GET /healthz` (200/503) and the HAProxy agent-check protocol. In standby mode it is healthy
 * only while the primary's shim says the primary is not (or cannot be reached), with hysteresis.
 *
 * Events: `change` (effective state), `check` (each local result).
 */
export class Shim extends EventEmitter {
  public readonly local: HealthState;
  public readonly primary?: HealthState;
  private effective: HealthValue = 'down';
  private effectiveSince = Date.now();
  private stopping = false;
  /** Set once every listener is up: a shim that never started has no balancer to drain. */
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly gate = net.createServer((s) => s.on('error', () => undefined).end());
  private readonly health: http.Server;
  private readonly agent: net.Server;
  private gateOp: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly o: Required<Omit<ShimOptions, 'standby' | 'peer' | 'logger' | 'damping' | 'reports'>> & Pick<ShimOptions, 'standby' | 'peer' | 'reports'>;
  /** Flap damping of the local service (and of faults balancers report). */
  public readonly damping: FlapDamping;
  private reportSocket: dgram.Socket | undefined;
  private nextTick: NodeJS.Timeout | undefined;
  private standbyOpen = false;
  /** The check in flight, if any: one at a time. */
  private inFlight: Promise<unknown> | undefined;
  private inFlightSince = 0;
  /** Whether the first check's result was logged (a service down from the start changes no state). */
  private firstReported = false;

  constructor(options: ShimOptions) {
    super();
    this.o = {
      checker: options.checker, bind: options.bind, standby: options.standby, peer: options.peer,
      reports: options.reports,
      gatePort: options.gatePort ?? 15050, healthPort: options.healthPort ?? 15051, agentPort: options.agentPort ?? 15052,
      intervalMs: options.intervalMs ?? 1000, rise: options.rise ?? 1, fall: options.fall ?? 2, drainMs: options.drainMs ?? 0,
      checkTimeoutMs: options.checkTimeoutMs ?? Math.max(2 * (options.intervalMs ?? 1000), 5000),
    };
    this.log = options.logger ?? silentLogger;
    this.local = new HealthState({ rise: this.o.rise, fall: this.o.fall });
    this.damping = new FlapDamping(options.damping);
    if (options.standby) {
      this.primary = new HealthState({ rise: options.standby.riseCount ?? 3, fall: options.standby.fallCount ?? 3, initial: 'up' });
    }
    this.health = http.createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== '/healthz') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return;
      }
      const body = JSON.stringify(this.status()) + '\n';
      res.writeHead(this.effective === 'up' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
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

  public status(): ShimStatus {
    return {
      state: this.effective,
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
      balancer: from, server: report.server, reason: report.reason, penalty: this.damping.penalty(), heldDownUntil: this.heldDownUntil(), newlyHeld: held,
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
      const taken = readProcNetTcp().find((e) => e.state === TCP_STATE.LISTEN && e.localPort === this.o.gatePort
        && (e.localAddress === this.o.bind || ['0.0.0.0', '::'].includes(e.localAddress) || ['0.0.0.0', '::'].includes(this.o.bind)));
      if (taken) throw Object.assign(new Error(`port ${this.o.gatePort} is in use`), { code: 'EADDRINUSE', port: this.o.gatePort, flag: '--gate-port' });
    }
    if (this.o.reports) {
      const r = this.o.reports;
      await tagged('--report-port', r.port, async () => { this.reportSocket = await listenForReports({
        bind: this.o.bind, port: r.port, servers: r.servers, from: r.from,
        onReport: (report, from) => void this.balancerReport(report, from),
        onIgnored: (why, from) => this.log.info('balancer report ignored', { from, why }),
      }); });
    }
    this.started = true;
    this.log.info('shim started', {
      bind: this.o.bind, gatePort: this.o.gatePort, healthPort: this.o.healthPort, agentPort: this.o.agentPort,
      check: this.o.checker.method, intervalMs: this.o.intervalMs, rise: this.o.rise, fall: this.o.fall,
      mode: this.o.standby ? 'standby' : 'normal', primary: this.o.standby?.primaryHealthUrl,
      dampingHalfLifeMs: this.damping.halfLifeMs, maxHoldDownMs: this.damping.maxHoldDownMs,
      reportPort: this.o.reports?.port, reportServers: this.o.reports?.servers,
    });
    await this.tick();
    this.scheduleTick();
    if (this.o.standby) {
      await this.pollPrimary();
      this.timers.push(setInterval(() => void this.pollPrimary(), this.o.standby.pollMs ?? 1000));
    }
    if (this.o.peer) {
      await this.pollStandby();
      this.timers.push(setInterval(() => void this.pollStandby(), this.o.peer.pollMs ?? 1000));
    }
  }

  /** Closes the gate first (balancers stop sending), answers `drain` to agents, then shuts down. */
  public async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.setEffective('down', 'shutting down');
    if (this.o.drainMs > 0 && this.started) await new Promise((r) => setTimeout(r, this.o.drainMs));
    this.reportSocket?.close();
    await Promise.all([close(this.health), close(this.agent)]);
    this.health.closeAllConnections?.();
    await this.gateOp;
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
      result = { ok: false, reason: `check timed out: the ${this.o.checker.method} check started ${Date.now() - this.inFlightSince} ms ago is still running (no second one is started)` };
    } else {
      const check = this.o.checker.check();
      this.inFlight = check;
      this.inFlightSince = Date.now();
      void check.catch(() => undefined).finally(() => { if (this.inFlight === check) this.inFlight = undefined; });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, reason: `check timed out after ${this.o.checkTimeoutMs} ms (${this.o.checker.method})` }), this.o.checkTimeoutMs);
      });
      try {
        result = await Promise.race([check, timeout]);
      } catch (e) {
        result = { ok: false, reason: `check failed: ${(e as Error).message}` };
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.stopping) return;
    const changed = this.local.record(result);
    this.emit('check', result);
    if (changed && this.local.state === 'down') {
      const held = this.damping.flap();
      this.log.info('service down', { reason: result.reason, penalty: this.damping.penalty(), ...(held ? { heldDownUntil: this.heldDownUntil() } : {}) });
    } else if (changed) {
      this.log.info('service up', { reason: result.reason, ...(this.damping.suppressed() ? { heldDownUntil: this.heldDownUntil() } : {}) });
    } else if (!this.firstReported && !result.ok) {
      // The state starts down, so a service that is down from the start changes nothing: say why once.
      this.log.info('service down', { reason: result.reason, atStart: true });
    }
    this.firstReported = true;
    await this.reconcile(result.reason);
  }

  /** The standby judges the primary by its service's health, not its gate (which may wait for the standby). */
  private pollPrimary(): Promise<void> {
    const sb = this.o.standby!;
    return getJson(sb.primaryHealthUrl, sb.timeoutMs ?? 800).then(async (f) => {
      // A primary held down by flap damping counts as down: it will not take traffic until released.
      const r = f.body
        ? { ok: f.body.service === 'up' && !f.body.heldDownUntil, reason: f.body.heldDownUntil ? `primary shim: held down until ${f.body.heldDownUntil}` : `primary shim: service ${f.body.service}` }
        : { ok: f.status === 200, reason: f.status ? `primary shim answered ${f.status}` : `primary shim unreachable: ${f.error}` };
      if (this.stopping) return;
      if (this.primary!.record(r)) this.log.info(`primary ${this.primary!.state}`, { reason: r.reason });
      await this.reconcile(r.reason);
    });
  }

  private pollStandby(): Promise<void> {
    const peer = this.o.peer!;
    return getJson(peer.standbyHealthUrl, peer.timeoutMs ?? 800).then(async (f) => {
      if (this.stopping) return;
      const open = f.status === 200;
      if (open !== this.standbyOpen) this.log.info(open ? 'standby gate open: holding ours closed' : 'standby gate closed', { status: f.status || f.error });
      this.standbyOpen = open;
      await this.reconcile(open ? 'the standby still takes traffic' : 'standby closed');
    });
  }

  private async reconcile(reason: string): Promise<void> {
    const localUp = this.local.state === 'up';
    const held = this.damping.suppressed();
    const want: HealthValue = localUp && !held && (!this.primary || this.primary.state === 'down') && !this.standbyOpen ? 'up' : 'down';
    const why = !localUp ? reason : held ? `held down by flap damping until ${this.heldDownUntil()} (penalty ${this.damping.penalty().toFixed(2)})` : this.primary?.state === 'up' ? 'standby: the primary is healthy' : this.standbyOpen ? 'waiting for the standby to close' : reason;
    await this.setEffective(want, why);
  }

  private setEffective(want: HealthValue, reason: string): Promise<void> {
    if (want === this.effective) return this.gateOp;
    this.effective = want;
    this.effectiveSince = Date.now();
    this.log.info(want === 'up' ? 'healthy: gate open' : 'unhealthy: gate closed', { reason });
    this.emit('change', want);
    this.gateOp = this.gateOp.then(async () => {
      if (!this.o.gatePort) return;
      if (this.effective === 'up' && !this.gate.listening) {
        await listen(this.gate, this.o.gatePort, this.o.bind).catch((e) => {
          // A host whose gate cannot open is down to every balancer while it looks up here: say so,
          // and let the process end (its supervisor restarts it and shows the error).
          this.log.error('cannot open gate', { error: (e as Error).message, port: this.o.gatePort });
          this.emit('fatal', e);
        });
      } else if (this.effective === 'down' && this.gate.listening) {
        await close(this.gate);
      }
    });
    return this.gateOp;
  }
}

