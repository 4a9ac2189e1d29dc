import * as http from 'http';
import type { Argv, CommandModule } from 'yargs';
import { FailoverProxy } from '../../lib/runtime/failover-proxy';
import { jsonLogger } from '../../lib/runtime/log';
import { IdhaValidationError } from '../../lib/core/errors';
import { endpointFlag, runUntilSignal, secondsToMs, startOrUsageError } from './runtime-common';

interface ProxyArgs {
  listen: string;
  primary: string;
  secondary: string;
  'primary-health'?: string;
  'connect-timeout': number;
  'health-poll': number;
  'retry-primary-after': number;
  'cut-secondary-on-failback': boolean;
  'stats-port'?: number;
  'mark-down-after': number;
  'mark-down-window': number;
  'mark-down-hold': number;
  'max-connections': number;
  'suspect-after': number;
  'idle-timeout': number;
  drain: number;
}

export const proxyCommand: CommandModule<{}, ProxyArgs> = {
  command: 'proxy',
  describe: 'Run a local prefer-primary failover proxy (emulates the load balancer)',
  builder: (y: Argv) =>
    y
      .option('listen', { type: 'string', default: '127.0.0.1:5050', describe: 'host:port clients connect to' })
      .option('primary', { type: 'string', demandOption: true, describe: 'host:port of the primary' })
      .option('secondary', { type: 'string', demandOption: true, describe: 'host:port of the secondary' })
      .option('primary-health', { type: 'string', describe: "The primary shim's /healthz URL (else passive: failed connects only)" })
      .option('connect-timeout', { type: 'number', default: 1, describe: 'Seconds before a connect attempt counts as failed' })
      .option('health-poll', { type: 'number', default: 0.25, describe: 'Seconds between shim polls' })
      .option('retry-primary-after', { type: 'number', default: 2, describe: 'Passive mode: seconds to skip a primary that refused' })
      .option('cut-secondary-on-failback', {
        type: 'boolean',
        default: false,
        describe: 'Close connections on the secondary when the primary is back',
      })
      .option('stats-port', {
        type: 'number',
        describe: 'Serve GET /healthz, /metrics (Prometheus) and /stats (JSON) at this port, on the listen host',
      })
      .option('mark-down-after', {
        type: 'number',
        default: 3,
        describe: 'Skip the primary without trying it after this many failed connects within --mark-down-window (0: never)',
      })
      .option('mark-down-window', { type: 'number', default: 10, describe: 'Seconds in which --mark-down-after failures count' })
      .option('mark-down-hold', {
        type: 'number',
        default: 60,
        describe: "Seconds a mark lasts unless the primary's shim reports it down and up again; doubles when marked again soon",
      })
      .option('suspect-after', {
        type: 'number',
        default: 0.1,
        describe:
          'Seconds a connect to the primary may be pending before the client connection races the secondary and new connections go ' +
          'there at once (grows to 4 x the median recent connect, at most half --connect-timeout; 0: off)',
      })
      .option('max-connections', {
        type: 'number',
        default: 1000,
        describe: 'Client connections open at once; one more is closed at once and counted (0: no limit)',
      })
      .option('idle-timeout', {
        type: 'number',
        default: 0,
        describe: "Close a connection idle this many seconds both ways (the topology's idleTimeoutMinutes x 60; 0: never)",
      })
      .option('drain', {
        type: 'number',
        default: 5,
        describe: 'On SIGTERM: stop accepting, and give open connections this many seconds to finish before closing them',
      }) as unknown as Argv<ProxyArgs>,
  handler: async (a) => {
    const listen = endpointFlag('--listen', a.listen);
    const drainMs = secondsToMs('drain', a.drain, 300);
    const log = jsonLogger('proxy', process.stderr);
    const proxy = new FailoverProxy({
      listenHost: listen.host,
      listenPort: listen.port,
      primary: { ...endpointFlag('--primary', a.primary), healthUrl: a['primary-health'] },
      secondary: endpointFlag('--secondary', a.secondary),
      connectTimeoutMs: secondsToMs('connect-timeout', a['connect-timeout']),
      healthPollMs: secondsToMs('health-poll', a['health-poll']),
      retryPrimaryAfterMs: secondsToMs('retry-primary-after', a['retry-primary-after']),
      cutSecondaryOnFailback: a['cut-secondary-on-failback'],
      markDownAfter: countFlag('--mark-down-after', a['mark-down-after']),
      markDownWindowMs: secondsToMs('mark-down-window', a['mark-down-window']),
      markDownHoldMs: secondsToMs('mark-down-hold', a['mark-down-hold']),
      suspectAfterMs: a['suspect-after'] === 0 ? 0 : secondsToMs('suspect-after', a['suspect-after'], 30),
      maxConnections: countFlag('--max-connections', a['max-connections'], 1_000_000),
      idleTimeoutMs: a['idle-timeout'] === 0 ? 0 : secondsToMs('idle-timeout', a['idle-timeout'], 86_400),
      logger: log,
    });
    const statsPort = a['stats-port'];
    if (statsPort !== undefined && !(Number.isInteger(statsPort) && statsPort >= 1 && statsPort <= 65535 && statsPort !== listen.port)) {
      throw new IdhaValidationError([
        { field: '--stats-port', value: statsPort, allowed: `a port from 1 to 65535 other than --listen's (${listen.port})` },
      ]);
    }
    let stats: http.Server | undefined;
    await startOrUsageError(
      async () => {
        await proxy.start().catch((e) => {
          throw Object.assign(e, { flag: '--listen', port: listen.port });
        });
        if (statsPort) {
          stats = http.createServer((req, res) => statsPage(proxy, req, res));
          await new Promise<void>((resolve, reject) => {
            stats!.once('error', (e) => reject(Object.assign(e, { flag: '--stats-port', port: statsPort })));
            stats!.listen(statsPort, listen.host, () => resolve());
          });
        }
      },
      async () => {
        stats?.close();
        await proxy.stop();
      },
      listen.host,
      '--listen',
    );
    await runUntilSignal(
      async () => {
        await proxy.drain(drainMs);
        stats?.close();
      },
      log,
      drainMs + 2000,
    );
  },
};

/** A count: an integer from 0 (off) to `max`. */
function countFlag(flag: string, value: number, max = 100): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new IdhaValidationError([{ field: flag, value, allowed: `an integer from 0 (off) to ${max}`, fix: `e.g. ${flag} 3` }]);
  return value;
}

/** The stats port: /healthz (the proxy runs, and where it sends), /metrics (Prometheus text), /stats (JSON). */
function statsPage(proxy: FailoverProxy, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(proxy.metrics());
  } else if (url === '/healthz' || url === '/stats') {
    const body =
      url === '/healthz'
        ? { state: 'up', preferred: proxy.preferred, primary: proxy.primaryHealth, markedDown: proxy.markedDown }
        : { ...proxy.stats, preferred: proxy.preferred, markedDown: proxy.markedDown };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body) + '\n');
  } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /healthz, /metrics or /stats\n');
}
