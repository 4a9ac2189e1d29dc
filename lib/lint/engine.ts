import { detectKind } from './detect';
import { parseAs3, parseTmsh } from './documents/f5';
import { parseHaproxy } from './documents/haproxy';
import { parseHttpd, parseJkProperties } from './documents/httpd';
import { parseKeepalived } from './documents/keepalived';
import { parsePcs } from './documents/pcs';
import { parseTerraform } from './documents/terraform';
import { parseTomcat } from './documents/tomcat';
import { RULES } from './packs';
import { type Finding, type LintContext, type LintDocument, LintInputError, type LintKind, type LintRule } from './types';

/** The IQService ports unless told otherwise: the service and its TLS port. */
export const DEFAULT_IQ_PORTS: readonly number[] = [5050, 5051];

/** Largest file read: a plan of a big estate is a few MB; anything near this is not a config. */
export const MAX_LINT_FILE_BYTES = 64 * 1024 * 1024;

export interface LintInput {
  readonly file: string;
  readonly text: string;
  /** Forces the kind; detected from the name and content otherwise. */
  readonly kind?: LintKind;
}

export interface LintOptions {
  readonly iqPorts?: readonly number[];
  /** The rules to run (all by default). */
  readonly rules?: readonly LintRule<any>[];
}

export interface LintResult {
  readonly files: ReadonlyArray<{ readonly file: string; readonly kind: LintKind }>;
  /** Sorted by file, then line, then rule. */
  readonly findings: readonly Finding[];
}

/** Parses one file as `kind`. Throws LintInputError when it is not that kind of file. */
export function parseDocument(file: string, text: string, kind: LintKind): LintDocument {
  switch (kind) {
    case 'haproxy':
      return parseHaproxy(file, text);
    case 'keepalived':
      return parseKeepalived(file, text);
    case 'httpd':
      return parseHttpd(file, text);
    case 'mod-jk':
      return parseJkProperties(file, text);
    case 'tomcat':
      return parseTomcat(file, text);
    case 'as3':
      return parseAs3(file, text);
    case 'tmsh':
      return parseTmsh(file, text);
    case 'terraform':
      return parseTerraform(file, text);
    case 'pcs':
      return parsePcs(file, text);
  }
}

/** Runs the rules over the files. Throws LintInputError on a file it cannot read as any kind. */
export function lint(inputs: readonly LintInput[], options: LintOptions = {}): LintResult {
  const ctx: LintContext = { iqPorts: new Set(options.iqPorts ?? DEFAULT_IQ_PORTS) };
  const rules = options.rules ?? RULES;
  const files: Array<{ file: string; kind: LintKind }> = [];
  const findings: Finding[] = [];
  for (const input of inputs) {
    if (Buffer.byteLength(input.text) > MAX_LINT_FILE_BYTES)
      throw new LintInputError(input.file, `larger than ${MAX_LINT_FILE_BYTES / 1024 / 1024} MiB: not a configuration file`);
    const kind = input.kind ?? detectKind(input.file, input.text);
    if (!kind)
      throw new LintInputError(
        input.file,
        'cannot tell what kind of file this is: give --kind (haproxy, keepalived, mod-jk, httpd, tomcat, as3, tmsh, terraform, pcs)',
      );
    const doc = parseDocument(input.file, input.text, kind);
    files.push({ file: input.file, kind });
    for (const rule of rules) {
      const kinds: readonly LintKind[] = typeof rule.kind === 'string' ? [rule.kind] : rule.kind;
      if (!kinds.includes(kind)) continue;
      for (const hit of rule.check(doc, ctx)) {
        const s = doc.suppressions.find((x) => x.ids.includes(rule.id) && x.reason !== '' && hit.line >= x.fromLine && hit.line <= x.toLine);
        findings.push({
          ruleId: rule.id,
          severity: rule.severity,
          file: input.file,
          line: hit.line,
          message: hit.message ? `${rule.title}: ${hit.message}` : rule.title,
          fix: rule.fix,
          ...(s ? { suppressed: { reason: s.reason, line: s.line } } : {}),
        });
      }
    }
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)));
  return { files, findings };
}
