import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { FrameReader, frame, getJson, iqRequest } from '../lib/runtime';
import { IDHA } from './helpers';

/** A started child with its output captured. */
export interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const p: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((r) =>
      child.once('exit', () => {
        live.delete(child);
        r();
      }),
    ),
  };
  child.stdout!.on('data', (d) => (p.stdout += d));
  child.stderr!.on('data', (d) => (p.stderr += d));
  return p;
}

export function idha(args: string[]): Proc {
  return start(process.execPath, [IDHA, ...args]);
}

/** SIGTERM (after SIGCONT, in case it was stopped) and wait for the exit. */
export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    p.child.kill('SIGCONT');
  } catch {
    /* not stopped */
  }
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(t);
}

/**
 * Where test processes claim the ports freePorts hands out: one file per port, holding the claimant's
 * pid. node --test runs 3 files at a time, each in its own process, and a port is often bound seconds
 * after it is picked (a Tomcat, HAProxy or keepalived starting): without a claim, a neighbour's
 * freePorts saw such a port free and took it too. A claim lasts until its process exits; a claim
 * whose process is gone (killed before its exit handler ran) is taken over.
 */
const PORT_CLAIMS = path.join(os.tmpdir(), 'idha-test-ports');
const claimed = new Set<number>();
process.on('exit', () => {
  for (const port of claimed) {
    try {
      if (fs.readFileSync(path.join(PORT_CLAIMS, String(port)), 'utf8') === String(process.pid)) fs.unlinkSync(path.join(PORT_CLAIMS, String(port)));
    } catch {
      /* already gone */
    }
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims a port for this process, or says another live test process holds it. */
function claim(port: number): boolean {
  if (claimed.has(port)) return false; // never the same port twice in one process either
  fs.mkdirSync(PORT_CLAIMS, { recursive: true });
  const file = path.join(PORT_CLAIMS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      claimed.add(port);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder > 0 && alive(holder)) return false;
      // A claim left by a process that is gone: remove it once, then race for it like anyone else.
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

/** Ports nobody listens on now (on 127.0.0.1), claimed for this test process (see PORT_CLAIMS). */
export async function freePorts(n: number): Promise<number[]> {
  // Below Linux's ephemeral range (32768-60999): a port the kernel gave us with listen(0) is one it
  // may also give any outgoing connection of a test running beside this one, before our server binds
  // it (a test once found another process answering on its HAProxy port). 10000-19999 is left to this
  // function; idha lab's tests take blocks from 20000 up.
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    if (tries > 1000) throw new Error(`no ${n} free ports in 10000-19999 after 1000 tries`);
    const port = 10000 + Math.floor(Math.random() * 10000);
    if (ports.includes(port) || !claim(port)) continue;
    const free = await new Promise<boolean>((r) => {
      const s = net.createServer();
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
    });
    if (free) ports.push(port);
  }
  return ports;
}

/** One port nobody listens on now (on 127.0.0.1). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service check whose answer the test sets (`c.ok = false`), for a shim in process. */
export function fakeChecker(initial: boolean) {
  const c = { ok: initial, method: 'fake', check: async () => ({ ok: c.ok, reason: c.ok ? 'fake ok' : 'fake down' }) };
  return c;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Mimic counters from its stats port (undefined when it does not answer). */
export async function mimicStats(host: string, statsPort: number): Promise<{ connections: number; requests: number; malformed: number } | undefined> {
  const r = await getJson(`http://${host}:${statsPort}/stats`);
  return r.status === 200 ? r.body : undefined;
}

/** One request through `port`; resolves to true on an answer equal to the payload. */
export async function ask(host: string, port: number, timeoutMs = 8000): Promise<boolean> {
  const payload = crypto.randomBytes(32);
  const answer = await iqRequest({ host, port, timeoutMs }, payload);
  return answer.equals(payload);
}

export function haproxyBin(): string | undefined {
  const r = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? 'haproxy' : undefined;
}

export function tmpFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-e2e-'));
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

export interface StreamResult {
  readonly ok: boolean;
  readonly identical: boolean;
  readonly error?: string;
  readonly bytes: number;
}

/**
 * Sends `size` random bytes as one framed request, written in chunks of `chunk` bytes with `pauseMs`
 * between them (so the transfer spans time), half-closes, and compares the SHA-256 of the echo.
 */
export function stream(host: string, port: number, size: number, chunk: number, pauseMs: number): Promise<StreamResult> {
  const payload = crypto.randomBytes(size);
  const want = crypto.createHash('sha256').update(payload).digest('hex');
  return new Promise((resolve) => {
    const s = net.connect({ host, port, allowHalfOpen: true });
    const reader = new FrameReader();
    const got = crypto.createHash('sha256');
    let received = 0;
    let answered = false;
    let done = false;
    const finish = (r: StreamResult) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(r);
    };
    s.on('error', (e) => finish({ ok: false, identical: false, error: (e as NodeJS.ErrnoException).code ?? e.message, bytes: received }));
    s.on('data', (d: Buffer) => {
      received += d.length;
      for (const p of reader.push(d)) {
        got.update(p);
        answered = true;
      }
    });
    s.on('end', () => {
      if (!answered) return finish({ ok: false, identical: false, error: 'closed before the answer', bytes: received });
      finish({ ok: true, identical: got.digest('hex') === want, bytes: received });
    });
    s.on('connect', async () => {
      const data = frame(payload);
      for (let off = 0; off < data.length && !done; off += chunk) {
        const more = s.write(data.subarray(off, off + chunk));
        if (!more) await new Promise((r) => s.once('drain', r));
        if (pauseMs) await sleep(pauseMs);
      }
      if (!done) s.end();
    });
  });
}
