/**
 * Mermaid flowcharts (`idha peers --format mermaid`). A node ID is letters, digits and `_`; a label
 * is a double-quoted string in which Mermaid reads `"` as its end and `#...;` as an entity, and the
 * browser reads `<` `>` `&` as HTML. Labels are written with those as entities.
 */
import { refuse } from './internal';

export function mermaidId(s: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(s)) refuse('Mermaid', 'a node ID', s, 'an ID is a letter, then letters, digits and _');
  return s;
}

/** A quoted label; `<br/>` between the lines given. */
export function mermaidLabel(...lines: string[]): string {
  return `"${lines.map((l) => l.replace(/[#"<>&\r\n]/g, (c) => `#${c.charCodeAt(0)};`)).join('<br/>')}"`;
}
