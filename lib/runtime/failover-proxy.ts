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
}

type Role = 'primary' | 'secondary';

/**
 * A local prefer-primary failover proxy (emulates the load balancer). Each new client connection goes
 * to the primary; if the primary refuses or times out, the same client connection is sent to the
 * secondary, so the client sees no error. Data is piped in both directions with backpressure and
 * half-close; nothing is written to a backend before it accepted, so no byte is lost or reordered.
 */
export class FailoverProxy extends EventEmitter {
  public readonly stats: ProxyStats = { connections: 0, toPrimary: 0, toSecondary: 0, failed: 0, retried: 0, active: 0 };
  private readonly server: net.Server;
  private readonly sessions = new Map<Role, Set<net.Socket>>([
    ['primary', new Set()],
    ['secondary', new Set()],
  ]);
  private readonly health: Record<Role, HealthState>;
  private primarySkipUntil = 0;
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
      ...options,
    } as Required<Omit<FailoverProxyOptions, 'logger'>>;
    this.log = options.logger ?? silentLogger;
    this.health = {
      primary: new HealthState({ rise: this.o.rise, fall: this.o.fall, initial: 'up' }),
      secondary: new HealthState({ rise: this.o.rise, fall: this.o.fall, initial: 'up' }),
    };
    this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (c) => this.onClient(c));
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

  public async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const set of this.sessions.values()) for (const s of set) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private primaryUsable(): boolean {
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
    const order: Role[] = this.primaryUsable() ? ['primary', 'secondary'] : ['secondary', 'primary'];
    // Only fall back to the primary when it is skipped passively; a shim-reported down primary is not tried.
    const candidates = order.filter((r) => r === 'secondary' || this.primaryUsable() || !this.o.primary.healthUrl);
    void this.connectInOrder(client, candidates);
  }

  private async connectInOrder(client: net.Socket, roles: Role[]): Promise<void> {
    for (const role of roles) {
      if (client.destroyed) return;
      const upstream = await this.tryConnect(this.o[role]);
      if (upstream) {
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        if (role === 'primary') this.stats.toPrimary++;
        else this.stats.toSecondary++;
        this.splice(client, upstream, role);
        return;
      }
      if (role === 'primary') {
        this.stats.retried++;
        this.primarySkipUntil = Date.now() + this.o.retryPrimaryAfterMs;
        if (!this.o.primary.healthUrl) this.emit('health', 'primary', 'down');
      }
    }
    this.stats.failed++;
    client.destroy();
  }

  private tryConnect(b: ProxyBackend): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
      const s = net.connect({ host: b.host, port: b.port, allowHalfOpen: true });
      const cancel = ioTimeout(this.o.connectTimeoutMs, () => fail());
      const fail = () => {
        cancel();
        s.removeAllListeners();
        s.on('error', () => undefined);
        s.destroy();
        resolve(undefined);
      };
      s.once('error', fail);
      s.once('connect', () => {
        cancel();
        s.removeListener('error', fail);
        resolve(s);
      });
    });
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
