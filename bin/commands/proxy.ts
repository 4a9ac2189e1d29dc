import * as http from 'http';
import type { Argv, CommandModule } from 'yargs';
import { FailoverProxy } from '../../lib/runtime/failover-proxy';
import { jsonLogger, parseEndpoint } from '../../lib/runtime/log';
import { runUntilSignal, secondsToMs } from './runtime-common';

interface ProxyArgs {
  listen: string; primary: string; secondary: string; 'primary-health'?: string;
  'connect-timeout': number; 'health-poll': number; 'retry-primary-after': number; 'cut-secondary-on-failback': boolean; 'stats-port'?: number;
}

export const proxyCommand: CommandModule<{}, ProxyArgs> = {
  command: 'proxy',
  describe: 'Run a local prefer-primary failover proxy (emulates the load balancer)',
  builder: (y: Argv) => y
    .option('listen', { type: 'string', default: '127.0.0.1:5050', describe: 'host:port clients connect to' })
    .option('primary', { type: 'string', demandOption: true, describe: 'host:port of the primary' })
    .option('secondary', { type: 'string', demandOption: true, describe: 'host:port of the secondary' })
    .option('primary-health', { type: 'string', describe: 'The primary shim\'s /healthz URL (else passive: failed connects only)' })
    .option('connect-timeout', { type: 'number', default: 1, describe: 'Seconds before a connect attempt counts as failed' })
    .option('health-poll', { type: 'number', default: 0.25, describe: 'Seconds between shim polls' })
    .option('retry-primary-after', { type: 'number', default: 2, describe: 'Passive mode: seconds to skip a primary that refused' })
    .option('cut-secondary-on-failback', { type: 'boolean', default: false, describe: 'Close connections on the secondary when the primary is back' })
    .option('stats-port', { type: 'number', describe: 'Serve counters as JSON on GET /stats at this port (listen host)' }) as unknown as Argv<ProxyArgs>,
  handler: async (a) => {
    const listen = parseEndpoint(a.listen);
    const log = jsonLogger('proxy', process.stderr);
    const proxy = new FailoverProxy({
      listenHost: listen.host, listenPort: listen.port,
      primary: { ...parseEndpoint(a.primary), healthUrl: a['primary-health'] },
      secondary: parseEndpoint(a.secondary),
      connectTimeoutMs: secondsToMs('connect-timeout', a['connect-timeout']),
      healthPollMs: secondsToMs('health-poll', a['health-poll']),
      retryPrimaryAfterMs: secondsToMs('retry-primary-after', a['retry-primary-after']),
      cutSecondaryOnFailback: a['cut-secondary-on-failback'],
      logger: log,
    });
    await proxy.start();
    let stats: http.Server | undefined;
    if (a['stats-port']) {
      stats = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...proxy.stats, preferred: proxy.preferred }) + '\n'));
      await new Promise<void>((r) => stats!.listen(a['stats-port'], listen.host, () => r()));
    }
    await runUntilSignal(async () => {
      stats?.close();
      await proxy.stop();
    }, log);
  },
};
