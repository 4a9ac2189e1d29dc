import type { Finding, LintKind } from '../types';

/** `idha lint --format json`: the files with their kinds, and every finding. */
export function formatJson(files: ReadonlyArray<{ file: string; kind: LintKind }>, findings: readonly Finding[]): string {
  return JSON.stringify({ files, findings }, null, 2) + '\n';
}
