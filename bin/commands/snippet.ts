import type { Argv, CommandModule } from 'yargs';
import { snippetKinds } from '../../lib/platforms/registry';
import { renderSnippet } from '../../lib/synth/snippet';
import { loadTopologyFile } from '../../lib/topology/topology';
import { DEFAULT_CONFIG } from '../common';

interface SnippetArgs { kind: string; config: string; service?: string }

export const snippetCommand: CommandModule<{}, SnippetArgs> = {
  command: 'snippet <kind>',
  describe: 'Print one config snippet to stdout',
  builder: (y: Argv) => y
    .positional('kind', { type: 'string', choices: snippetKinds(), describe: 'Which snippet', demandOption: true })
    .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG, describe: 'YAML or JSON topology file' })
    .option('service', { alias: 's', type: 'string', describe: 'Service name (needed when the topology has several)' }) as Argv<SnippetArgs>,
  handler: (args) => {
    process.stdout.write(renderSnippet(loadTopologyFile(args.config), args.kind, args.service));
  },
};
