import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CONFIG, parsePlatforms } from '../common';

interface SynthArgs {
  config: string;
  platform?: string;
  out: string;
  force: boolean;
  check: boolean;
  format: 'text' | 'json';
  strict: boolean;
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
      })
      .option('check', {
        type: 'boolean',
        default: false,
        describe: 'Write nothing: exit 0 when the output folder is what a synth would write, 1 (naming the files) when it differs',
      })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'json: the result as one JSON object on stdout' })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: 'Count warnings as errors: with any, nothing is written (exit 2)',
      }) as unknown as Argv<SynthArgs>,
  handler: async (args) => {
    if (args.check && args.force) {
      const { IdhaValidationError } = require('../../lib/core/errors') as typeof import('../../lib/core/errors');
      throw new IdhaValidationError([{ field: '--force', value: true, allowed: 'not with --check, which writes nothing', fix: 'drop --force' }]);
    }
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    const topology = loadTopologyFile(args.config);
    const platforms = parsePlatforms(args.platform);
    if (args.check) return check(topology, args, platforms);
    // cdktf and the providers are loaded only when the render starts (see synth-client.ts).
    const { formatEstimateTable, synthesizeTopologyInterruptibly } =
      require('../../lib/synth/synth-client') as typeof import('../../lib/synth/synth-client');
    const result = await synthesizeTopologyInterruptibly({ topology, outDir: args.out, platforms, force: args.force, strict: args.strict });
    if (args.format === 'json') {
      const out = path.relative(process.cwd(), path.resolve(args.out)) || '.';
      const { files, stacks, hosts, estimates, warnings, kept } = result;
      process.stdout.write(JSON.stringify({ out, files, stacks, hosts, estimates, warnings, kept }, null, 2) + '\n');
      return;
    }
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

/** `idha synth --check`: render in memory and compare; the output folder is only read. */
function check(topology: import('../../lib/topology/topology').TopologyDocument, args: SynthArgs, platforms: string[] | undefined): void {
  const { checkSynth } = require('../../lib/synth/preview') as typeof import('../../lib/synth/preview');
  const { WarningsAsErrorsError } = require('../../lib/core/errors') as typeof import('../../lib/core/errors');
  const r = checkSynth(topology, args.out, platforms);
  if (args.strict && r.warnings.length) throw new WarningsAsErrorsError(r.warnings);
  const out = path.relative(process.cwd(), path.resolve(args.out)) || '.';
  if (args.format === 'json') {
    const { inSync, changed, added, removed, warnings } = r;
    process.stdout.write(JSON.stringify({ out, inSync, changed, added, removed, warnings }, null, 2) + '\n');
  } else {
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    if (r.inSync) process.stdout.write(`${out} is what idha synth would write.\n`);
    else {
      process.stdout.write(`${out} differs from what idha synth would write (run idha synth to update it):\n`);
      for (const f of r.changed) process.stdout.write(`  changed: ${f}\n`);
      for (const f of r.added) process.stdout.write(`  added: ${f}\n`);
      for (const f of r.removed) process.stdout.write(`  removed: ${f}\n`);
    }
  }
  process.exitCode = r.inSync ? 0 : 1;
}
