import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';

/** The bundled session-failover example. */
const DEFAULT_PEERS_CONFIG =
  path.relative(process.cwd(), path.resolve(__dirname, '..', '..', '..', 'examples', 'session-failover.yaml')) || 'examples/session-failover.yaml';

interface PeersArgs {
  config: string;
  format: 'table' | 'json' | 'mermaid';
  json: boolean;
}

export const peersCommand: CommandModule<{}, PeersArgs> = {
  command: 'peers',
  describe: "Plan Identity Server session failover: each server's peers, memory, replication traffic and survival",
  builder: (y: Argv) =>
    y
      .option('config', {
        alias: 'c',
        type: 'string',
        requiresArg: true,
        default: DEFAULT_PEERS_CONFIG,
        describe: 'Topology file with a sessionFailover block',
      })
      .option('format', { alias: 'f', choices: ['table', 'json', 'mermaid'] as const, default: 'table' as const, describe: 'Output format' })
      .option('json', { type: 'boolean', default: false, describe: 'Same as --format json' }) as Argv<PeersArgs>,
  handler: (args) => {
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    const { planSessionFailover } =
      require('../../lib/session-failover/session-failover-plan') as typeof import('../../lib/session-failover/session-failover-plan');
    const plan = planSessionFailover(loadTopologyFile(args.config));
    const format = args.json ? 'json' : args.format;
    process.stdout.write(format === 'json' ? plan.toJson() : format === 'mermaid' ? plan.toMermaid() : plan.toTable());
  },
};
