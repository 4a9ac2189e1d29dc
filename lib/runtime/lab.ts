import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { CLIENT_PROXY_DEFAULTS, proxyArgs } from '../platforms/client-proxy/client-plan';
import { downInterMs, renderHaproxyConfig } from '../platforms/haproxy/haproxy-config';
import { findHaproxy, getJson, sleep, spawnIdha, stopChild, waitForPort } from './children';
import { iqRequest } from './iq-client';
import { WHO_REQUEST } from './mimic';

export type LabBalancer = 'auto' | 'haproxy' | 'proxy';
/** load-balancer: a balancer in front of the pair; client-side: the proxy a client host runs, with its host plan's flags. */
export type LabStrategy = 'load-balancer' | 'client-side';
export type LabAction = 'kill-primary' | 'restore-primary' | 'hang-primary' | 'resume-primary';

export interface LabOptions {
  /** @default auto (HAProxy when installed, else idha proxy) */
  readonly balancer?: LabBalancer;
  /** @default load-balancer */
  readonly strategy?: LabStrategy;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** First of the ports the lab uses (base .. base+49). @default 25050 */
  readonly basePort?: number;
  /** Shim check interval. @default 500 */
  readonly intervalMs?: number;
  /** New client requests per second through the balancer. @default 5 */
  readonly requestsPerSecond?: number;
}

export interface LabHostStatus {
  readonly mimic: 'running' | 'stopped' | 'hung';
  /** `held down`: the service is back, but flap damping keeps the gate closed (see heldDownUntil). */
  readonly shim: 'up' | 'down' | 'held down' | 'unreachable';
  readonly heldDownUntil?: string;
  readonly requests: number | null;
  readonly malformed: number | null;
}

export interface LabStatus {
  readonly balancer: string;
  readonly address: string;
  readonly primary: LabHostStatus;
  readonly secondary: LabHostStatus;
  readonly client: { ok: number; failed: number; lastServedBy: 'primary' | 'secondary' | 'none' };
}

/** Ports of the lab, from its base port. */
export function labPorts(base: number) {
  return {
    balancer: base,
    control: base + 49,
    proxyStats: base + 41,
    primary: { service: base + 1, stats: base + 11, gate: base + 21, health: base + 22, agent: base + 23, report: base + 24, priority: base + 25 },
    secondary: { service: base + 2, stats: base + 12, gate: base + 31, health: base + 32, agent: base + 33, priority: base + 35 },
  };
}

type Role = 'primary' | 'secondary';

/**
 * The whole failover on loopback: two IQService stand-ins, two shims (the secondary in standby
 * mode behind idha proxy; in normal mode behind HAProxy, which has native backup servers), and a
 * balancer (real HAProxy with the generated config when installed, else idha proxy), plus a trickle
 * of client requests. Controlled over HTTP on the control port (`idha lab kill-primary`, ...).
 */
export class Lab {
  public readonly host: string;
  public readonly ports: ReturnType<typeof labPorts>;
  public balancerKind: 'haproxy' | 'proxy' | 'client-side' = 'proxy';
  private readonly children: Partial<Record<string, ChildProcess>> = {};
  private mimicState: Record<Role, 'running' | 'stopped' | 'hung'> = { primary: 'running', secondary: 'running' };
  private readonly client = { ok: 0, failed: 0, lastServedBy: 'none' as 'primary' | 'secondary' | 'none' };
  private loadTimer?: NodeJS.Timeout;
  private control?: http.Server;
  private workDir?: string;
  private readonly o: Required<LabOptions>;

  constructor(options: LabOptions = {}) {
    this.o = { balancer: 'auto', strategy: 'load-balancer', host: '127.0.0.1', basePort: 25050, intervalMs: 500, requestsPerSecond: 5, ...options };
    this.host = this.o.host;
    this.ports = labPorts(this.o.basePort);
  }

  public async start(): Promise<void> {
    const clientSide = this.o.strategy === 'client-side';
    if (clientSide && this.o.balancer === 'haproxy')
      throw new Error('--strategy client-side runs the proxy a client host runs, not HAProxy: leave out --balancer haproxy');
    const haproxy = this.o.balancer === 'proxy' || clientSide ? undefined : findHaproxy();
    if (this.o.balancer === 'haproxy' && !haproxy)
      throw new Error('--balancer haproxy: HAProxy is not installed (apt-get install haproxy), or use --balancer proxy');
    this.balancerKind = haproxy ? 'haproxy' : clientSide ? 'client-side' : 'proxy';
    this.control = http.createServer((req, res) => void this.onControl(req, res));
    await new Promise<void>((resolve, reject) => {
      this.control!.once('error', (e) =>
        reject(new Error(`control port ${this.ports.control} on ${this.host}: ${(e as Error).message} (is another lab running?)`)),
      );
      this.control!.listen(this.ports.control, this.host, () => resolve());
    });
    try {
      this.startMimic('primary');
      this.startMimic('secondary');
      // Never probe a stand-in's service port to see whether it is up: that is exactly the malformed
      // connection the lab counts. Its stats port says the same.
      await Promise.all((['primary', 'secondary'] as Role[]).map((r) => waitForPort(this.host, this.ports[r].stats)));
      this.startShim('primary');
      this.startShim('secondary');
      // Both shims healthy before the balancer starts, so it never sees both hosts down at start.
      await Promise.all((['primary', 'secondary'] as Role[]).map((r) => this.waitForShim(r)));
      if (haproxy) this.startHaproxy(haproxy);
      else if (clientSide) this.startClientProxy();
      else this.startProxy();
      await this.waitForBalancer();
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.loadTimer = setInterval(() => void this.oneRequest(), Math.max(20, Math.round(1000 / this.o.requestsPerSecond)));
  }

  public async stop(): Promise<void> {
    if (this.loadTimer) clearInterval(this.loadTimer);
    await Promise.all(Object.values(this.children).map((c) => stopChild(c)));
    if (this.control) await new Promise<void>((r) => this.control!.close(() => r()));
    if (this.workDir) fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  public async act(action: LabAction): Promise<string> {
    const child = this.children['mimic-primary'];
    switch (action) {
      case 'kill-primary':
        if (this.mimicState.primary === 'stopped') return 'primary already stopped';
        await stopChild(child);
        this.mimicState.primary = 'stopped';
        return 'primary IQService stand-in stopped (port refused)';
      case 'restore-primary':
        if (this.mimicState.primary === 'hung') {
          child?.kill('SIGCONT');
          this.mimicState.primary = 'running';
          return 'primary resumed';
        }
        if (this.mimicState.primary === 'running') return 'primary already running';
        this.startMimic('primary');
        await waitForPort(this.host, this.ports.primary.stats).catch(() => undefined);
        this.mimicState.primary = 'running';
        return 'primary IQService stand-in started';
      case 'hang-primary':
        if (this.mimicState.primary !== 'running') return `primary is ${this.mimicState.primary}`;
        child?.kill('SIGSTOP');
        this.mimicState.primary = 'hung';
        return 'primary hung (SIGSTOP): its socket still listens but nothing accepts';
      case 'resume-primary':
        if (this.mimicState.primary !== 'hung') return `primary is ${this.mimicState.primary}`;
        child?.kill('SIGCONT');
        this.mimicState.primary = 'running';
        return 'primary resumed';
      default:
        throw new Error(`unknown action ${action}`);
    }
  }

  public async status(): Promise<LabStatus> {
    const one = async (role: Role): Promise<LabHostStatus> => {
      const p = this.ports[role];
      const [shim, stats] = await Promise.all([
        getJson(`http://${this.host}:${p.health}/healthz`),
        this.mimicState[role] === 'running' ? getJson(`http://${this.host}:${p.stats}/stats`) : Promise.resolve({ status: 0, body: undefined }),
      ]);
      return {
        mimic: this.mimicState[role],
        shim:
          shim.status === 200
            ? 'up'
            : shim.status === 503
              ? shim.body?.heldDownUntil && shim.body?.service === 'up'
                ? 'held down'
                : 'down'
              : 'unreachable',
        heldDownUntil: shim.body?.heldDownUntil ?? undefined,
        requests: stats.body?.requests ?? null,
        malformed: stats.body?.malformed ?? null,
      };
    };
    const [primary, secondary] = await Promise.all([one('primary'), one('secondary')]);
    return {
      balancer:
        this.balancerKind === 'haproxy'
          ? 'HAProxy (generated config)'
          : this.balancerKind === 'client-side'
            ? `idha proxy as a client host runs it (client-side; /healthz and /metrics on ${this.host}:${this.ports.proxyStats})`
            : 'idha proxy',
      address: `${this.host}:${this.ports.balancer}`,
      primary,
      secondary,
      client: { ...this.client },
    };
  }

  private startMimic(role: Role): void {
    const p = this.ports[role];
    this.children[`mimic-${role}`] = spawnIdha(['mimic', '--listen', `${this.host}:${p.service}`, '--stats-port', String(p.stats), '--name', role]);
  }

  private startShim(role: Role): void {
    const p = this.ports[role];
    const args = [
      'shim',
      '--bind',
      this.host,
      '--service-port',
      String(p.service),
      '--service-host',
      this.host,
      '--gate-port',
      String(p.gate),
      '--priority-port',
      String(p.priority),
      '--health-port',
      String(p.health),
      '--agent-port',
      String(p.agent),
      '--interval',
      String(this.o.intervalMs / 1000),
      '--fall',
      '2',
      '--rise',
      '1',
      '--drain',
      '0',
    ];
    // As the host plan does: the primary hears HAProxy's mark-downs and holds itself down.
    if (role === 'primary') args.push('--report-port', String(this.ports.primary.report), '--report-server', 'lab-iq/primary');
    // As the host plan does: both gates, the role and the peer (HAProxy probes the health gate).
    const other = role === 'primary' ? 'secondary' : 'primary';
    args.push(
      '--role',
      role,
      '--peer',
      `http://${this.host}:${this.ports[other].health}/healthz`,
      '--standby-poll',
      String(this.o.intervalMs / 1000),
    );
    if (role === 'secondary') args.push('--standby-fall', '2', '--standby-rise', '2');
    this.children[`shim-${role}`] = spawnIdha(args);
  }

  private startProxy(): void {
    this.children.balancer = spawnIdha([
      'proxy',
      '--listen',
      `${this.host}:${this.ports.balancer}`,
      '--primary',
      `${this.host}:${this.ports.primary.service}`,
      '--secondary',
      `${this.host}:${this.ports.secondary.service}`,
      '--primary-health',
      `http://${this.host}:${this.ports.primary.health}/healthz`,
      '--health-poll',
      '0.2',
      '--connect-timeout',
      '0.5',
    ]);
  }

  /** The proxy with the flags the client-side host plan writes (its defaults), on the lab's ports. */
  private startClientProxy(): void {
    const at = (port: number) => `${this.host}:${port}`;
    const listener = {
      name: 'iq',
      port: this.ports.balancer,
      tls: false,
      statsPort: this.ports.proxyStats,
      primary: at(this.ports.primary.service),
      secondary: at(this.ports.secondary.service),
    };
    const args = proxyArgs(
      {
        settings: { ...CLIENT_PROXY_DEFAULTS, listenAddress: this.host },
        primaryHealthUrl: `http://${at(this.ports.primary.health)}/healthz`,
        idleTimeoutSeconds: 1800,
        cutSecondaryOnFailback: false,
      },
      listener,
    );
    this.children.balancer = spawnIdha(args);
  }

  private startHaproxy(bin: string): void {
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-lab-'));
    const cfg = path.join(this.workDir, 'haproxy.cfg');
    fs.writeFileSync(cfg, labHaproxyConfig(this.host, this.ports, this.o.intervalMs));
    this.children.balancer = spawn(bin, ['-db', '-f', cfg], { stdio: 'ignore' });
  }

  private async waitForShim(role: Role, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const want = 200;
    while ((await getJson(`http://${this.host}:${this.ports[role].health}/healthz`)).status !== want) {
      if (Date.now() > until) throw new Error(`the ${role} shim did not report ${want} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Until one well-formed request through the balancer is answered (a bare connect would be malformed). */
  private async waitForBalancer(timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await iqRequest({ host: this.host, port: this.ports.balancer, timeoutMs: 2000 }, Buffer.from('lab-ready'));
        return;
      } catch (e) {
        if (Date.now() > until)
          throw new Error(`the balancer on ${this.host}:${this.ports.balancer} answered no request within ${timeoutMs} ms: ${(e as Error).message}`);
        await sleep(100);
      }
    }
  }

  /** One client request through the balancer; the stand-in answers `idha:who` with its role. */
  private async oneRequest(): Promise<void> {
    try {
      // HAProxy waits up to 1 s between retries of a refused connect: give it the time before calling it failed.
      const who = (await iqRequest({ host: this.host, port: this.ports.balancer, timeoutMs: 6000 }, Buffer.from(WHO_REQUEST))).toString();
      this.client.ok++;
      if (who === 'primary' || who === 'secondary') this.client.lastServedBy = who;
    } catch {
      this.client.failed++;
    }
  }

  private async onControl(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const action = (req.url ?? '').replace(/^\//, '');
    try {
      if (req.method === 'GET' && action === 'status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await this.status()) + '\n');
      } else if (req.method === 'POST' && ['kill-primary', 'restore-primary', 'hang-primary', 'resume-primary'].includes(action)) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end((await this.act(action as LabAction)) + '\n');
      } else {
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('GET /status, or POST /kill-primary, /restore-primary, /hang-primary, /resume-primary\n');
      }
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
    }
  }
}

/** The lab's HAProxy config: the same renderer as `idha synth`, with loopback ports per host. */
export function labHaproxyConfig(host: string, ports: ReturnType<typeof labPorts>, intervalMs: number): string {
  return renderHaproxyConfig({
    title: 'idha lab: HAProxy in front of two IQService stand-ins on loopback',
    logTarget: 'stdout',
    maxconn: 1000,
    cutBackupSessionsOnFailback: false,
    shutdownSessionsOnMarkedDown: false,
    observeErrorLimit: 3,
    timing: {
      checkIntervalMs: intervalMs,
      fall: 2,
      rise: 1,
      checkTimeoutMs: 1000,
      agentIntervalMs: downInterMs({ checkIntervalMs: intervalMs }),
      connectTimeoutMs: 500,
      clientTimeoutMs: 60_000,
      serverTimeoutMs: 60_000,
      retries: 3,
    },
    proxies: [
      {
        name: 'lab-iq',
        bindAddress: host,
        bindPort: ports.balancer,
        allowedClients: ['127.0.0.0/8'],
        check: 'tcp',
        reportTo: { address: host, port: ports.primary.report },
        servers: (['primary', 'secondary'] as const).map((r, i) => ({
          name: r,
          address: host,
          port: ports[r].service,
          backup: i > 0,
          checkPort: ports[r].gate,
          agentPort: ports[r].agent,
        })),
      },
    ],
  });
}

/** Renders a status as a small table. */
export function formatLabStatus(s: LabStatus): string {
  const row = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd([11, 9, 13, 10, 9][i] ?? 0))
      .join(' ')
      .trimEnd();
  const host = (name: string, h: LabHostStatus) =>
    row([name, h.mimic, h.shim === 'up' ? 'up (gate open)' : h.shim, String(h.requests ?? '-'), String(h.malformed ?? '-')]) +
    (h.heldDownUntil ? `  (flap damping: held down until ${h.heldDownUntil.slice(11, 19)} UTC)` : '');
  return (
    [
      `balancer: ${s.balancer} on ${s.address}`,
      row(['host', 'mimic', 'shim', 'requests', 'malformed']),
      host('primary', s.primary),
      host('secondary', s.secondary),
      `client requests: ${s.client.ok} ok, ${s.client.failed} failed; last served by ${s.client.lastServedBy}`,
    ].join('\n') + '\n'
  );
}

/** Sends an action (or `status`) to a running lab. */
export function labControl(host: string, basePort: number, action: LabAction | 'status'): Promise<string> {
  const port = labPorts(basePort).control;
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: `/${action}`, method: action === 'status' ? 'GET' : 'POST', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(text.trim()))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) =>
      reject(new Error(`no lab answers on ${host}:${port} (${(e as NodeJS.ErrnoException).code ?? e.message}); start one with idha lab`)),
    );
    req.end();
  });
}

export { sleep };
