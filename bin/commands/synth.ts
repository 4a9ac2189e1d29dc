import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CONFIG, parsePlatforms } from '../common';

interface SynthArgs {
  config: string;
  platform?: string;
  out: string;
  force: boolean;
}

export const synthCommand: CommandModule<{}, SynthArgs> = {
  command: 'synth',
  describe: 'Synthesize Terraform stacks and config snippets from a topology file',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', requiresArg: true, default: DEFAULT_CONFIG, describe: 'YAML or JSON topology file' })
      .option('platform', {
        alias: 'p',
        type: 'string',
        requiresArg: true,
        describe: 'Comma-separated platforms to render (default: all in the topology)',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        requiresArg: true,
        default: 'cdktf.out',
        describe:
          'Output folder: a new or empty one, or one idha wrote. Files idha did not write in it (Terraform state, .terraform/) are kept; on ' +
          'error it is left as it was',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Write into a non-empty folder idha did not write; every file already in it is kept',
      }) as Argv<SynthArgs>,
  handler: async (args) => {
    // cdktf and the providers are loaded only when the render starts (see synth-client.ts).
    const { formatEstimateTable, synthesizeTopologyInterruptibly } =
      require('../../lib/synth/synth-client') as typeof import('../../lib/synth/synth-client');
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    const topology = loadTopologyFile(args.config);
    const result = await synthesizeTopologyInterruptibly({ topology, outDir: args.out, platforms: parsePlatforms(args.platform), force: args.force });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`Synthesized ${result.files.length} files into ${path.relative(process.cwd(), path.resolve(args.out)) || '.'}:\n`);
    for (const f of result.files) process.stdout.write(`  ${f}\n`);
    if (result.kept.length > 0) process.stdout.write(`Kept ${result.kept.length} entries idha did not write: ${result.kept.join(', ')}\n`);
    if (result.stacks.length > 0) {
      process.stdout.write('\nTerraform state (run terraform in each stack folder):\n');
      for (const s of result.stacks) process.stdout.write(`  ${s.name}: ${s.state}\n`);
    }
    if (result.hosts.length > 0) {
      process.stdout.write('\nSidecar to run on each host (command line, systemd unit and WinSW service in its folder):\n');
      for (const h of result.hosts) {
        process.stdout.write(`  ${h.service} ${h.role} ${h.address}: ${h.command}\n    ${h.folder}/\n`);
        for (const n of h.notes) process.stdout.write(`    ${n}\n`);
      }
    }
    process.stdout.write('\nWorst-case failover and failback times:\n');
    process.stdout.write(formatEstimateTable(result.estimates));
  },
};
