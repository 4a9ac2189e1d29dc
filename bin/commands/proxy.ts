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
        describe: 'Serve counters as JSON on GET /stats at this port (listen host)',
      }) as unknown as Argv<ProxyArgs>,
  handler: async (a) => {
    const listen = endpointFlag('--listen', a.listen);
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
          stats = http.createServer((req, res) =>
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...proxy.stats, preferred: proxy.preferred }) + '\n'),
          );
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
    await runUntilSignal(async () => {
      stats?.close();
      await proxy.stop();
    }, log);
  },
};
