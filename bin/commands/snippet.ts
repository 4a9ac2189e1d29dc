import type { Argv, CommandModule } from 'yargs';
// The synth side (cdktf, providers) is loaded only when this command runs, so `idha shim` starts fast.
const registry = () => require('../../lib/topology/registry') as typeof import('../../lib/topology/registry');
import { DEFAULT_CONFIG } from '../common';

interface SnippetArgs {
  kind: string;
  config: string;
  service?: string;
}

export const snippetCommand: CommandModule<{}, SnippetArgs> = {
  command: 'snippet <kind>',
  describe: 'Print one config snippet to stdout',
  builder: (y: Argv) =>
    y
      .positional('kind', { type: 'string', choices: registry().snippetKinds(), describe: 'Which snippet', demandOption: true })
      .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG, describe: 'YAML or JSON topology file' })
      .option('service', { alias: 's', type: 'string', describe: 'Service name (needed when the topology has several)' }) as Argv<SnippetArgs>,
  handler: (args) => {
    const { renderSnippet } = require('../../lib/synth/snippet') as typeof import('../../lib/synth/snippet');
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    process.stdout.write(renderSnippet(loadTopologyFile(args.config), args.kind, args.service));
  },
};
