import type { Argv, CommandModule } from 'yargs';
import { jsonLogger } from '../../lib/runtime/log';
import { Mimic } from '../../lib/runtime/mimic';
import { endpointFlag, runUntilSignal, startOrUsageError } from './runtime-common';

interface MimicArgs {
  listen: string;
  'stats-port'?: number;
  name: string;
}

export const mimicCommand: CommandModule<{}, MimicArgs> = {
  command: 'mimic',
  describe: "Run an IQService stand-in: length-framed requests, answers, and IQService's malformed-request log line",
  builder: (y: Argv) =>
    y
      .option('listen', { type: 'string', default: '127.0.0.1:5050', describe: 'host:port to listen on' })
      .option('name', { type: 'string', default: 'mimic', describe: 'Answer to a request whose payload is "idha:who"' })
      .option('stats-port', {
        type: 'number',
        describe: 'Serve counters as JSON on GET /stats at this port (same host); SIGUSR1 prints them too',
      }) as unknown as Argv<MimicArgs>,
  handler: async (a) => {
    const { host, port } = endpointFlag('--listen', a.listen);
    const log = jsonLogger('mimic', process.stderr);
    const mimic = new Mimic({ host, port, statsPort: a['stats-port'], name: a.name, logger: log });
    await startOrUsageError(
      () =>
        mimic.start().catch((e) => {
          throw Object.assign(e, { flag: '--listen', port });
        }),
      () => mimic.stop(),
      host,
      '--listen',
    );
    process.on('SIGUSR1', () => process.stdout.write(JSON.stringify({ stats: mimic.stats }) + '\n'));
    await runUntilSignal(() => mimic.stop(), log);
    process.stdout.write(JSON.stringify({ stats: mimic.stats }) + '\n');
  },
};
