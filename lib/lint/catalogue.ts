import { PACKS } from './packs';
import { LINT_KINDS } from './types';

/** Where the generated part of docs/lint.md starts and ends. */
export const CATALOGUE_BEGIN = '<!-- rules:begin (generated from lib/lint/rules by npm run docs; do not edit) -->';
export const CATALOGUE_END = '<!-- rules:end -->';

/** The rule catalogue of docs/lint.md, from the rules' own metadata: one section per pack, one per rule. */
export function renderCatalogue(): string {
  const out: string[] = [CATALOGUE_BEGIN, ''];
  out.push('| rule | severity | kinds | title |', '|---|---|---|---|');
  for (const p of PACKS)
    for (const r of p.rules) out.push(`| [${r.id}](#${r.id.toLowerCase()}) | ${r.severity} | ${kinds(r.kind)} | ${cell(r.title)} |`);
  for (const p of PACKS) {
    out.push('', `### Pack \`${p.name}\``, '', p.description);
    for (const r of p.rules) {
      out.push(
        '',
        `#### ${r.id}`,
        '',
        `**${r.title}** (${r.severity}; ${kinds(r.kind)})`,
        '',
        `Why: ${r.why}`,
        '',
        `Fix: ${r.fix}`,
        '',
        `Source: ${r.source}`,
      );
    }
  }
  out.push('', CATALOGUE_END);
  return out.join('\n') + '\n';
}

function kinds(k: string | readonly string[]): string {
  const list = typeof k === 'string' ? [k] : [...k];
  if (list.length === LINT_KINDS.length) return 'every kind';
  return list.map((x) => `\`${x}\``).join(', ');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}
