import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CONFIG, parsePlatforms } from '../common';

interface ValidateArgs {
  config: string;
  platform?: string;
  format: 'text' | 'json';
  strict: boolean;
}

export const validateCommand: CommandModule<{}, ValidateArgs> = {
  command: 'validate',
  describe: 'Check a topology file (schema and every check synth makes) without writing anything',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', requiresArg: true, default: DEFAULT_CONFIG, describe: 'YAML or JSON topology file' })
      .option('platform', { alias: 'p', type: 'string', requiresArg: true, describe: 'Comma-separated platforms to check (default: all)' })
      .option('format', {
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'json: valid, error_count, warning_count and diagnostics, as terraform validate -json',
      })
      .option('strict', { type: 'boolean', default: false, describe: 'Count warnings as errors' })
      .epilogue(
        'Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 a file that cannot be read or a usage error.',
      ) as unknown as Argv<ValidateArgs>,
  handler: (args) => {
    const { loadTopologyFile } = require('../../lib/topology/topology') as typeof import('../../lib/topology/topology');
    const { IdhaValidationError } = require('../../lib/core/errors') as typeof import('../../lib/core/errors');
    const preview = require('../../lib/synth/preview') as typeof import('../../lib/synth/preview');
    let report: import('../../lib/synth/preview').ValidateReport;
    try {
      report = preview.validateTopology(loadTopologyFile(args.config), { platforms: parsePlatforms(args.platform), strict: args.strict });
    } catch (e) {
      // A file that cannot be read is a usage error (exit 2); a file that reads but is wrong is invalid.
      if (!(e instanceof IdhaValidationError) || e.problems.some((p) => p.field === '--config')) throw e;
      report = preview.report(e.problems.map(preview.problemDiagnostic), args.strict);
    }
    if (args.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const d of report.diagnostics) {
        const summary = d.summary.startsWith(`${d.path}: `) ? d.summary.slice(d.path.length + 2) : d.summary;
        process.stdout.write(`${d.severity}: ${d.path ? `${d.path}: ` : ''}${summary}\n${d.detail ? `  fix: ${d.detail}\n` : ''}`);
      }
      const counts = `${report.error_count} error(s), ${report.warning_count} warning(s)${args.strict ? ', --strict' : ''}`;
      process.stdout.write(`${args.config}: ${report.valid ? 'valid' : 'invalid'} (${counts})\n`);
    }
    process.exitCode = report.valid ? 0 : 1;
  },
};
