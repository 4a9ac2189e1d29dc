import * as os from 'os';
import type { Argv, CommandModule } from 'yargs';
import { IdhaValidationError, Problem } from '../../lib/core/errors';
import { checkOnce, watchChecks } from '../../lib/runtime/one-shot-check';
import { canonicalAddress, CheckMethod } from '../../lib/runtime/service-check';

interface CheckArgs {
  http?: string;
  listening?: number;
  holds?: string;
  host?: string;
  check: CheckMethod;
  timeout: number;
  watch: boolean;
  interval: number;
  fall: number;
  startPeriod: number;
}

export const checkCommand: CommandModule<{}, CheckArgs> = {
  command: 'check',
  describe: "One health check, exit 0 (healthy) or 1 (not): what keepalived's track_script and Pacemaker call",
  builder: (y: Argv) =>
    y
      .option('http', {
        type: 'string',
        requiresArg: true,
        describe: 'Healthy when this URL answers 2xx (e.g. Tomcat: http://127.0.0.1:8080/identity/health)',
      })
      .option('listening', {
        type: 'number',
        requiresArg: true,
        describe:
          'Healthy while this local TCP port listens and accepts; read from the socket table, never connected to (hung processes count as down)',
      })
      .option('holds', {
        type: 'string',
        requiresArg: true,
        describe:
          "Healthy while an interface of this host (this network namespace) has this address: what keepalived's preemption off runs to give " +
          'the VIP holder its priority bonus',
      })
      .option('host', { type: 'string', requiresArg: true, describe: 'With --listening: only a listener on this IP address (or a wildcard) counts' })
      .option('check', {
        choices: ['auto', 'proc-net-tcp', 'netstat'] as const,
        default: 'auto' as CheckMethod,
        describe: 'With --listening: how to read the socket table',
      })
      .option('timeout', { type: 'number', default: 2, describe: 'With --http: seconds to wait for the answer' })
      .option('watch', {
        type: 'boolean',
        default: false,
        describe:
          'Check every --interval seconds; exit 1 after --fall failures in a row (what a Windows failover cluster runs as a Generic Service ' +
          'resource); exit 0 on SIGTERM or SIGINT',
      })
      .option('interval', { type: 'number', default: 2, describe: 'With --watch: seconds between checks' })
      .option('fall', { type: 'number', default: 2, describe: 'With --watch: failed checks in a row that end the watch' })
      .option('start-period', {
        type: 'number',
        default: 0,
        describe: 'With --watch: seconds from the start during which failures do not count, until the first success (a service still starting)',
      }) as unknown as Argv<CheckArgs>,
  handler: async (a) => {
    const problems: Problem[] = [];
    if ([a.http, a.listening, a.holds].filter((x) => x !== undefined).length !== 1) {
      problems.push({
        field: '--http / --listening / --holds',
        value: a.http ?? a.listening ?? a.holds,
        allowed: 'exactly one of them',
        fix: 'e.g. idha check --listening 5050, or idha check --http http://127.0.0.1:8080/',
      });
    }
    const holds = a.holds === undefined ? undefined : canonicalAddress(a.holds);
    if (a.holds !== undefined && holds === undefined) problems.push({ field: '--holds', value: a.holds, allowed: 'an IPv4 or IPv6 address' });
    if (a.holds !== undefined && a.watch)
      problems.push({ field: '--holds', value: a.holds, allowed: 'without --watch', fix: 'a single look at the interfaces' });
    if (a.http !== undefined && !/^https?:\/\/[^/\s]+/.test(a.http))
      problems.push({ field: '--http', value: a.http, allowed: 'an http:// or https:// URL' });
    if (a.listening !== undefined && (!Number.isInteger(a.listening) || a.listening < 1 || a.listening > 65535))
      problems.push({ field: '--listening', value: a.listening, allowed: 'an integer from 1 to 65535' });
    const host = a.host === undefined ? undefined : canonicalAddress(a.host);
    if (a.host !== undefined && host === undefined)
      problems.push({ field: '--host', value: a.host, allowed: 'an IPv4 or IPv6 address (the socket table holds addresses)' });
    if (!(a.timeout > 0 && a.timeout <= 60)) problems.push({ field: '--timeout', value: a.timeout, allowed: 'seconds above 0, at most 60' });
    if (a.watch && !(a.interval >= 0.1 && a.interval <= 60))
      problems.push({ field: '--interval', value: a.interval, allowed: 'seconds from 0.1 to 60' });
    if (a.watch && !(Number.isInteger(a.fall) && a.fall >= 1 && a.fall <= 10))
      problems.push({ field: '--fall', value: a.fall, allowed: 'an integer from 1 to 10' });
    if (a.watch && !(a.startPeriod >= 0 && a.startPeriod <= 3600))
      problems.push({ field: '--start-period', value: a.startPeriod, allowed: 'seconds from 0 to 3600' });
    if (!a.watch && a.startPeriod !== 0)
      problems.push({ field: '--start-period', value: a.startPeriod, allowed: 'only with --watch', fix: 'add --watch, or leave --start-period out' });
    if (problems.length) throw new IdhaValidationError(problems);
    if (a.watch) {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const w = await watchChecks(
        { http: a.http, listeningPort: a.listening, host, method: a.check, timeoutMs: Math.round(a.timeout * 1000) },
        {
          intervalMs: Math.round(a.interval * 1000),
          fall: a.fall,
          signal: stop.signal,
          startPeriodMs: Math.round(a.startPeriod * 1000),
          onResult: (r, counted) => {
            if (!r.ok) process.stdout.write(`${counted ? 'unhealthy' : 'starting (not counted)'}: ${r.reason}\n`);
          },
        },
      );
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.stdout.write(w.stopped ? 'stopped\n' : `unhealthy ${a.fall} times in a row: ${w.last?.reason}\n`);
      process.exitCode = w.stopped ? 0 : 1;
      return;
    }
    if (holds !== undefined) {
      const held = Object.entries(os.networkInterfaces()).find(([, list]) => (list ?? []).some((i) => canonicalAddress(i.address) === holds));
      process.stdout.write(held ? `healthy: ${holds} is on ${held[0]}\n` : `unhealthy: no interface has ${holds}\n`);
      process.exitCode = held ? 0 : 1;
      return;
    }
    const r = await checkOnce({ http: a.http, listeningPort: a.listening, host, method: a.check, timeoutMs: Math.round(a.timeout * 1000) });
    process.stdout.write(`${r.ok ? 'healthy' : 'unhealthy'}: ${r.reason}\n`);
    process.exitCode = r.ok ? 0 : 1;
  },
};
