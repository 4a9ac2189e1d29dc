import * as http from 'http';
import * as https from 'https';
import { silentLogger } from './log';
import { CheckMethod, CheckResult, createChecker } from './service-check';

/** What `idha check` looks at: an HTTP URL, or a local port watched without connecting. */
export interface OneShotCheckOptions {
  /** `http(s)://...`: healthy on a 2xx answer within the timeout. */
  readonly http?: string;
  /** A local TCP port: healthy while something listens and accepts (read from the socket table). */
  readonly listeningPort?: number;
  /** With listeningPort: only a listener on this address (or a wildcard) counts. */
  readonly host?: string;
  /** @default 'auto' */
  readonly method?: CheckMethod;
  /** @default 2000 */
  readonly timeoutMs?: number;
  /**
   * With listeningPort: the gap between the two looks at the socket table that hung detection needs
   * (a connection still unaccepted, or an accept queue that did not shrink, across both).
   * @default 300
   */
  readonly settleMs?: number;
}

function httpCheck(url: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 300 ? { ok: true, reason: `${url} answered ${code}` } : { ok: false, reason: `${url} answered ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, reason: `${url}: ${e.message}` }));
  });
}

/**
 * One health check, for keepalived's `track_script` and Pacemaker: the shim's checks without the
 * shim. A listening port is looked at twice, `settleMs` apart, so a hung process (its socket still
 * listening, its accept queue not draining) counts as down, as it does in the shim.
 */
export async function checkOnce(o: OneShotCheckOptions): Promise<CheckResult> {
  if (o.http !== undefined) return httpCheck(o.http, o.timeoutMs ?? 2000);
  if (o.listeningPort === undefined) throw new Error('checkOnce needs http or listeningPort');
  const checker = createChecker(o.method ?? 'auto', o.listeningPort, o.host, silentLogger);
  const first = await checker.check();
  if (!first.ok) return first;
  await new Promise((r) => setTimeout(r, o.settleMs ?? 300));
  return checker.check();
}

/** How `idha check --watch` repeats the check. */
export interface WatchOptions {
  /** Milliseconds between checks. */
  readonly intervalMs: number;
  /** Consecutive failed checks that end the watch. */
  readonly fall: number;
  /** Ends the watch early (a service stop): the promise resolves with `stopped`. */
  readonly signal?: AbortSignal;
  /** Called with every result; `counted` is false for a failure inside the start period. */
  readonly onResult?: (r: CheckResult, counted: boolean) => void;
  /**
   * Milliseconds from the watch's start during which failures do not count, until the first
   * success (a service that is still starting: Tomcat deploying its webapps). 0: every failure counts.
   */
  readonly startPeriodMs?: number;
}

/**
 * Repeats the check until it fails `fall` times in a row (or `signal` aborts); failures inside the
 * start period, before the first success, do not count. This is what a
 * Windows Server Failover Cluster runs as a Generic Service resource: the process ends when the
 * service is unhealthy, the cluster sees the resource fail and moves the role.
 */
export async function watchChecks(o: OneShotCheckOptions, w: WatchOptions): Promise<{ stopped: boolean; last?: CheckResult }> {
  let failures = 0;
  let last: CheckResult | undefined;
  const started = Date.now();
  let passed = false;
  while (!w.signal?.aborted) {
    last = await checkOnce(o);
    passed ||= last.ok;
    const counted = !last.ok && (passed || Date.now() - started >= (w.startPeriodMs ?? 0));
    w.onResult?.(last, counted);
    failures = last.ok ? 0 : counted ? failures + 1 : 0;
    if (failures >= w.fall) return { stopped: false, last };
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, w.intervalMs);
      w.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
  return { stopped: true, last };
}
