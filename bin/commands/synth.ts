import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CONFIG, parsePlatforms } from '../common';

interface SynthArgs { config: string; platform?: string; out: string }

export const synthCommand: CommandModule<{}, SynthArgs> = {
  command: 'synth',
  describe: 'Synthesize Terraform stacks and config snippets from a topology file',
  builder: (y: Argv) => y
    .option('config', { alias: 'c', type: 'string', default: DEFAULT_CONFIG, describe: 'YAML or JSON topology file' })
    .option('platform', { alias: 'p', type: 'string', describe: 'Comma-separated platforms to render (default: all in the topology)' })
    .option('out', { alias: 'o', type: 'string', default: 'cdktf.out', describe: 'Output folder; replaced on success, untouched on error' }) as Argv<SynthArgs>,
  handler: (args) => {
    // Loaded here, not at the top: cdktf and the providers are needed only by this command.
    const { formatEstimateTable, synthesizeTopology } = require('../../lib/synth/synthesize') as typeof import('../../lib/synth/synthesize');
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    const topology = loadTopologyFile(args.config);
    const result = synthesizeTopology({ topology, outDir: args.out, platforms: parsePlatforms(args.platform) });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`Synthesized ${result.files.length} files into ${path.relative(process.cwd(), path.resolve(args.out)) || '.'}:\n`);
    for (const f of result.files) process.stdout.write(`  ${f}\n`);
    process.stdout.write('\nWorst-case failover detection time:\n');
    process.stdout.write(formatEstimateTable(result.estimates));
  },
};
