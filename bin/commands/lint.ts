import * as fs from 'fs';
import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';
import type { LintKind, Severity } from '../../lib/lint/types';

interface LintArgs {
  files: string[];
  kind?: LintKind;
  format: 'text' | 'json' | 'sarif';
  failOn: Severity | 'none';
  iqservicePort?: string;
}

/** Most files one run reads from the folders it is given. */
const MAX_FILES = 20_000;

const KINDS: readonly LintKind[] = ['haproxy', 'keepalived', 'mod-jk', 'httpd', 'tomcat', 'as3', 'tmsh', 'terraform', 'pcs'];

export const lintCommand: CommandModule<{}, LintArgs> = {
  command: 'lint <files..>',
  describe: 'Find HA pitfalls in configs you already run (HAProxy, F5, Terraform, keepalived, mod_jk, httpd, Tomcat, pcs)',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Files, or folders to read every known kind of file in' })
      .option('kind', { alias: 'k', choices: KINDS, describe: 'Read every file as this kind instead of detecting it' })
      .option('format', { alias: 'f', choices: ['text', 'json', 'sarif'] as const, default: 'text' as const, describe: 'Output format (stdout)' })
      .option('fail-on', {
        choices: ['error', 'warning', 'note', 'none'] as const,
        default: 'error' as const,
        describe: 'Exit 1 when an unsuppressed finding is at least this severe',
      })
      .option('iqservice-port', {
        type: 'string',
        requiresArg: true,
        describe: 'IQService ports, comma-separated (default 5050,5051: the service and its TLS port)',
      })
      .epilogue(
        'Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a file that cannot be read. Rules: docs/lint.md.',
      ) as unknown as Argv<LintArgs>,
  handler: (args) => {
    const { lint, DEFAULT_IQ_PORTS, MAX_LINT_FILE_BYTES } = require('../../lib/lint/engine') as typeof import('../../lib/lint/engine');
    const { detectKind } = require('../../lib/lint/detect') as typeof import('../../lib/lint/detect');
    const { LintInputError, SEVERITY_RANK } = require('../../lib/lint/types') as typeof import('../../lib/lint/types');
    const words = args.iqservicePort === undefined ? DEFAULT_IQ_PORTS.map(String) : args.iqservicePort.split(',').map((s) => s.trim());
    const bad = words.find((w) => !/^\d{1,5}$/.test(w) || Number(w) < 1 || Number(w) > 65535);
    if (bad !== undefined)
      return fail(`--iqservice-port ${JSON.stringify(bad)}: a port is an integer from 1 to 65535 (e.g. --iqservice-port 5050,5051)`);
    const ports = words.map(Number);
    let inputs: Array<{ file: string; text: string; kind?: LintKind }>;
    try {
      inputs = collect(args.files, args.kind, detectKind, MAX_LINT_FILE_BYTES);
    } catch (e) {
      return fail((e as Error).message);
    }
    let result: ReturnType<typeof lint>;
    try {
      result = lint(inputs, { iqPorts: ports });
    } catch (e) {
      if (e instanceof LintInputError) return fail(e.message);
      throw e;
    }
    if (args.format === 'json') {
      const { formatJson } = require('../../lib/lint/format/json') as typeof import('../../lib/lint/format/json');
      process.stdout.write(formatJson(result.files, result.findings));
    } else if (args.format === 'sarif') {
      const { formatSarif } = require('../../lib/lint/format/sarif') as typeof import('../../lib/lint/format/sarif');
      const { RULES } = require('../../lib/lint/packs') as typeof import('../../lib/lint/packs');
      process.stdout.write(formatSarif(RULES, result.findings, packageVersion()));
    } else {
      const { formatText } = require('../../lib/lint/format/text') as typeof import('../../lib/lint/format/text');
      process.stdout.write(formatText(result.findings, result.files.length));
    }
    const failOn = args.failOn;
    const failing = failOn !== 'none' && result.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
    process.exitCode = failing ? 1 : 0;
  },
};

function fail(message: string): void {
  process.stderr.write(`idha lint: ${message}\n`);
  process.exitCode = 2;
}

/**
 * The files to read: each file named, and in each folder named every file whose kind is known (or
 * every file, with --kind). A file named that does not exist is an error; nothing is read twice.
 */
function collect(
  names: readonly string[],
  kind: LintKind | undefined,
  detect: (file: string, text: string) => LintKind | undefined,
  maxBytes: number,
): Array<{ file: string; text: string; kind?: LintKind }> {
  const out: Array<{ file: string; text: string; kind?: LintKind }> = [];
  const seen = new Set<string>();
  const read = (file: string, fromFolder: boolean) => {
    const real = fs.realpathSync(file);
    if (seen.has(real)) return;
    seen.add(real);
    if (out.length >= MAX_FILES) throw new Error(`more than ${MAX_FILES} files: lint a narrower folder`);
    // Refused before it is read: memory stays bounded whatever the file.
    if (fs.statSync(file).size > maxBytes) throw new Error(`${file}: larger than ${maxBytes / 1024 / 1024} MiB: not a configuration file`);
    const text = fs.readFileSync(file, 'utf8');
    if (fromFolder && !kind && !detect(file, text)) return;
    out.push({ file, text, ...(kind ? { kind } : {}) });
  };
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) read(p, true);
    }
  };
  for (const name of names) {
    let st: fs.Stats;
    try {
      st = fs.statSync(name);
    } catch (e) {
      throw new Error(`${name}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
    }
    if (st.isDirectory()) walk(name);
    else read(name, false);
  }
  if (!out.length) throw new Error(`no file of a known kind in ${names.join(', ')}: name the files, or give --kind`);
  return out;
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
