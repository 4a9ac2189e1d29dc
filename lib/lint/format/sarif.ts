import type { Finding, LintRule } from '../types';

/** The help page every rule links to. */
const HELP = 'https://github.com/identity-ha/identity-ha/blob/main/docs/lint.md';

/**
 * SARIF 2.1.0 (the format GitHub code scanning and most CI dashboards read): one run, the rules that
 * were run in `tool.driver.rules`, and one result per finding. A suppressed finding carries an
 * `inSource` suppression with its reason.
 */
export function formatSarif(rules: readonly LintRule<any>[], findings: readonly Finding[], version: string): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'idha lint',
            informationUri: HELP,
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/-/g, ''),
              shortDescription: { text: r.title },
              fullDescription: { text: r.why },
              help: { text: `${r.fix}\nSource: ${r.source}` },
              helpUri: `${HELP}#${r.id.toLowerCase()}`,
              defaultConfiguration: { level: r.severity },
              properties: { source: r.source },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: f.severity,
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: toUri(f.file) }, region: { startLine: f.line } } }],
          ...(f.suppressed ? { suppressions: [{ kind: 'inSource', justification: f.suppressed.reason }] } : {}),
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

/** A relative path as a URI reference (forward slashes, each segment percent-encoded). */
function toUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
