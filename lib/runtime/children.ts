import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

/** Path of the `idha` entry script in this package. */
export const IDHA_BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'idha.js');

/** Starts `idha <args>` as a child process (output discarded unless `inherit`). */
export function spawnIdha(args: string[], inherit = false): ChildProcess {
  return spawn(process.execPath, [IDHA_BIN, ...args], { stdio: inherit ? 'inherit' : ['ignore', 'ignore', 'ignore'] });
}

/** The HAProxy binary, when installed. */
export function findHaproxy(): string | undefined {
  for (const candidate of [process.env.IDHA_HAPROXY, 'haproxy', '/usr/sbin/haproxy'].filter(Boolean) as string[]) {
    const r = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (r.status === 0 && /HAProxy version/.test(r.stdout)) return candidate;
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once something accepts on host:port; rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** GET a URL; resolves to status and parsed JSON body (or undefined), never rejects (status 0 and the error code instead). */
export function getJson(url: string, timeoutMs = 500): Promise<{ status: number; body?: any; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}

/** Sends SIGTERM and waits for the exit (SIGKILL after graceMs). */
export function stopChild(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    try {
      child.kill('SIGCONT');
    } catch {
      /* not stopped */
    }
    child.kill('SIGTERM');
  });
}
