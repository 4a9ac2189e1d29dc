import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Logger, silentLogger } from './log';
import { ioTimeout } from './io-timeout';
import { parseNetstat } from './netstat';
import { ProcTcpEntry, readProcNetTcp, TCP_STATE } from './proc-net-tcp';

/** The outcome of one look at the local service. */
export interface CheckResult {
  readonly ok: boolean;
  readonly reason: string;
  /**
   * A failure already confirmed over time (a connection left in the accept queue since the previous
   * check): the state machine marks the service down at once instead of counting falls.
   */
  readonly confirmed?: boolean;
}

/** How the shim looks at the local service port. */
export interface ServiceChecker {
  /** `proc-net-tcp`, `netstat` or `connect`. */
  readonly method: string;
  check(): Promise<CheckResult>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/**
 * An address in one form for comparing: no zone id, IPv6 compressed, IPv4-mapped IPv6 as IPv4.
 * Undefined for anything that is not an IP address (a name such as "localhost" never matches a
 * socket table, which holds addresses).
 */
export function canonicalAddress(value: string): string | undefined {
  const bare = value
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%[^%]*$/, '');
  if (net.isIPv4(bare)) return bare;
  if (!net.isIPv6(bare)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1];
  // Expand to 8 groups, then let the URL parser write the canonical compressed form.
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

function sameAddress(a: string, b: string): boolean {
  const x = canonicalAddress(a);
  return x !== undefined && x === canonicalAddress(b);
}

export interface ProcNetTcpCheckerOptions {
  readonly port: number;
  /** Only listeners on this address (or a wildcard) count. @default - any address */
  readonly host?: string;
  /** Where the tables come from (tests pass captured tables). @default /proc/net/tcp and tcp6 */
  readonly read?: () => ProcTcpEntry[];
}

/**
 * Linux: reads the LISTEN entries of /proc/net/tcp and tcp6 without opening a connection or
 * sending a byte. Unhealthy when nothing listens on the port, or when the process stops accepting
 * while its socket stays in LISTEN: a connection the kernel completed is still waiting to be
 * accepted (inode 0) at the next check, or the listener's accept queue is non-empty at two checks in
 * a row without shrinking.
 */
export class ProcNetTcpChecker implements ServiceChecker {
  public readonly method = 'proc-net-tcp';
  private waiting = new Set<string>();
  private previousQueue = 0;

  constructor(private readonly options: ProcNetTcpCheckerOptions) {}

  public async check(): Promise<CheckResult> {
    const { port, host } = this.options;
    const entries = (this.options.read ?? readProcNetTcp)();
    const listeners = entries.filter(
      (e) =>
        e.state === TCP_STATE.LISTEN &&
        e.localPort === port &&
        (host === undefined || WILDCARDS.has(e.localAddress) || sameAddress(e.localAddress, host)),
    );
    // Only connections to one of these listeners: another address with the same port is another service.
    const wildcard = listeners.some((l) => WILDCARDS.has(l.localAddress));
    const waitingNow = new Set(
      entries
        .filter(
          (e) =>
            (e.state === TCP_STATE.ESTABLISHED || e.state === TCP_STATE.CLOSE_WAIT) &&
            e.localPort === port &&
            e.inode === 0 &&
            (wildcard ? host === undefined || sameAddress(e.localAddress, host) : listeners.some((l) => sameAddress(l.localAddress, e.localAddress))),
        )
        .map((e) => `${e.localAddress}:${e.localPort}<${e.remoteAddress}:${e.remotePort}`),
    );
    const stuck = [...waitingNow].filter((k) => this.waiting.has(k));
    this.waiting = waitingNow;
    if (listeners.length === 0) {
      this.previousQueue = 0;
      return { ok: false, reason: `nothing listens on port ${port}${host ? ` at ${host}` : ''}` };
    }
    if (stuck.length > 0) {
      this.previousQueue = listeners.reduce((sum, l) => sum + l.rxQueue, 0);
      return {
        ok: false,
        confirmed: true,
        reason: `${stuck.length} connection(s) still waiting to be accepted since the previous check: the process is not accepting`,
      };
    }
    // Connections the client already gave up on can drop out of the table while still counted in
    // the listener's queue: a queue that is non-empty at two checks in a row and did not shrink is
    // not being drained either. A process that accepts drains it within microseconds.
    const queued = listeners.reduce((s, l) => s + l.rxQueue, 0);
    const previous = this.previousQueue;
    this.previousQueue = queued;
    if (queued > 0 && previous > 0 && queued >= previous) {
      return { ok: false, confirmed: true, reason: `accept queue not draining (${previous} then ${queued} waiting): the process is not accepting` };
    }
    return { ok: true, reason: `listening on port ${port} (accept queue ${queued})` };
  }
}

export interface NetstatCheckerOptions {
  readonly port: number;
  readonly host?: string;
  /** Produces `netstat -ano -p tcp` output (tests pass captured output). @default - runs netstat.exe */
  readonly run?: () => Promise<string>;
}

/**
 * The netstat to run: on Windows `%SystemRoot%\System32\netstat.exe` by absolute path (a PATH
 * lookup can find another netstat, or none); elsewhere `netstat` from PATH.
 */
export function netstatExecutable(platform: string = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return platform === 'win32' ? path.win32.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', 'netstat.exe') : 'netstat';
}

/** Whether an executable of this name is in one of PATH's folders. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => {
    try {
      fs.accessSync(path.join(d, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function runNetstat(): Promise<string> {
  const exe = netstatExecutable();
  const one = (proto: string) =>
    new Promise<string>((resolve, reject) => {
      // A safety net only: the shim names a slow check "check timed out" well before this.
      execFile(exe, ['-ano', '-p', proto], { windowsHide: true, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
  return Promise.all([one('tcp'), one('tcpv6')]).then((parts) => parts.join('\n'));
}

/**
 * Windows: parses `netstat -ano -p tcp` / `tcpv6` (no connection, no byte sent). Healthy while a
 * socket listens on the port. netstat does not show accept queues, so a hung IQService that still
 * listens is not detected on Windows; see docs/concepts.md (limitations).
 */
export class NetstatChecker implements ServiceChecker {
  public readonly method = 'netstat';

  constructor(private readonly options: NetstatCheckerOptions) {}

  public async check(): Promise<CheckResult> {
    const { port, host } = this.options;
    const table = parseNetstat(await (this.options.run ?? runNetstat)());
    const l = table.listening.find(
      (s) => s.localPort === port && (host === undefined || WILDCARDS.has(s.localAddress) || sameAddress(s.localAddress, host)),
    );
    return l
      ? { ok: true, reason: `listening on port ${port} (pid ${l.pid})` }
      : { ok: false, reason: `nothing listens on port ${port}${host ? ` at ${host}` : ''}` };
  }
}

export interface ConnectCheckerOptions {
  readonly host: string;
  readonly port: number;
  /** @default 1000 */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Fallback, only when asked for by name: opens a TCP connection to the service and resets it.
 * IQService logs a malformed request for every such check.
 */
export class ConnectChecker implements ServiceChecker {
  public readonly method = 'connect';

  constructor(private readonly options: ConnectCheckerOptions) {
    (options.logger ?? silentLogger).warn(
      'connect check selected: every check opens a connection to the service, and IQService logs "Malformed request received from client" ' +
        'for each one',
      { port: options.port },
    );
  }

  public check(): Promise<CheckResult> {
    const { host, port, timeoutMs = 1000 } = this.options;
    return new Promise((resolve) => {
      const s = net.connect({ host, port });
      const done = (r: CheckResult) => {
        cancel();
        s.removeAllListeners();
        s.on('error', () => undefined);
        s.resetAndDestroy();
        resolve(r);
      };
      const cancel = ioTimeout(timeoutMs, () => done({ ok: false, reason: `no answer from ${host}:${port} within ${timeoutMs} ms` }));
      s.once('connect', () => done({ ok: true, reason: `connected to ${host}:${port}` }));
      s.once('error', (e) => done({ ok: false, reason: `${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
    });
  }
}

export type CheckMethod = 'auto' | 'proc-net-tcp' | 'netstat' | 'connect';

/** Picks the checker for this platform (`auto`), or the one named. */
export function createChecker(method: CheckMethod, port: number, host: string | undefined, logger: Logger): ServiceChecker {
  const m = method === 'auto' ? (process.platform === 'win32' ? 'netstat' : 'proc-net-tcp') : method;
  switch (m) {
    case 'proc-net-tcp':
      return new ProcNetTcpChecker({ port, host });
    case 'netstat': {
      // Checked once at start: a missing netstat would otherwise report the service down forever.
      const exe = netstatExecutable();
      if (process.platform === 'win32' ? !fs.existsSync(exe) : !onPath(exe)) {
        throw new Error(
          `--check netstat: ${process.platform === 'win32' ? `${exe} does not exist` : `no ${exe} on PATH`}; the shim cannot see the service ` +
            `without it`,
        );
      }
      return new NetstatChecker({ port, host });
    }
    case 'connect':
      return new ConnectChecker({ host: host && !WILDCARDS.has(host) ? host : '127.0.0.1', port, logger });
    default:
      throw new Error(`unknown check method ${method}`);
  }
}
