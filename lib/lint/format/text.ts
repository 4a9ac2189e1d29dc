import type { Finding } from '../types';

/** Findings grouped by file, each with its line, rule, message and fix; suppressed ones with their reason. */
export function formatText(findings: readonly Finding[], fileCount: number): string {
  const out: string[] = [];
  let file: string | undefined;
  for (const f of findings) {
    if (f.file !== file) {
      if (file !== undefined) out.push('');
      out.push(f.file);
      file = f.file;
    }
    const tag = f.suppressed ? `suppressed (line ${f.suppressed.line}: ${f.suppressed.reason})` : f.severity;
    out.push(`  ${f.line}: ${tag} ${f.ruleId} ${f.message}`);
    if (!f.suppressed) out.push(`      fix: ${f.fix}`);
  }
  const open = findings.filter((f) => !f.suppressed);
  const count = (s: string) => open.filter((f) => f.severity === s).length;
  if (out.length) out.push('');
  out.push(
    `${fileCount} file${fileCount === 1 ? '' : 's'}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('note')} note(s)` +
      `${findings.length > open.length ? `, ${findings.length - open.length} suppressed` : ''}`,
  );
  return out.join('\n') + '\n';
}
