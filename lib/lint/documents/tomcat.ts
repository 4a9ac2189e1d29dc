import * as sax from 'sax';
import { lineIndex, parseSuppression } from '../text';
import { type LintDocument, LintInputError, type Suppression } from '../types';

/** An element of server.xml: its name, attributes and the line its tag starts on. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface TomcatDocument extends LintDocument {
  readonly kind: 'tomcat';
  readonly elements: readonly XmlElement[];
}

/** Tomcat's server.xml (or a fragment of it: several top-level elements are accepted). */
export function parseTomcat(file: string, text: string): TomcatDocument {
  const elements: XmlElement[] = [];
  const suppressions: Suppression[] = [];
  let pending: Array<{ ids: string[]; reason: string; line: number }> = [];
  // A fragment (two Connectors, as identity-ha writes them) is wrapped so the parser sees one root.
  const body = text.replace(/^\s*<\?xml[^>]*\?>/, '');
  // A fragment may also leave a tag open on purpose (identity-ha writes the Engine's opening tag alone),
  // so the root is not closed, and tags still open at the end are not an error.
  const wrapped = `<idha-lint-root>${body}`;
  let ending = false;
  const lineOf = lineIndex(wrapped);
  const prefixNewlines = text.length - body.length === 0 ? 0 : (text.slice(0, text.length - body.length).match(/\n/g) ?? []).length;
  const lineAt = (pos: number) => lineOf(pos) + prefixNewlines;
  const parser = sax.parser(true, { position: true });
  parser.onerror = (e) => {
    if (ending && /Unclosed root tag|Unexpected end/.test(e.message)) {
      (parser as { error: Error | null }).error = null;
      return;
    }
    throw new LintInputError(file, `not well-formed XML: ${e.message.split('\n')[0]}`);
  };
  parser.oncomment = (c) => {
    const s = parseSuppression(c);
    if (s) pending.push({ ...s, line: lineAt(parser.position) });
  };
  parser.onopentag = (tag) => {
    if (tag.name === 'idha-lint-root') return;
    const line = lineAt(parser.startTagPosition - 1);
    elements.push({ name: tag.name, attributes: tag.attributes as Record<string, string>, line });
    for (const p of pending) suppressions.push({ ...p, fromLine: line, toLine: lineAt(parser.position) });
    pending = [];
  };
  parser.write(wrapped);
  ending = true;
  parser.close();
  return { kind: 'tomcat', file, elements, suppressions };
}

/** The AJP connectors (`protocol` AJP/1.3 or a class name with Ajp in it). */
export function ajpConnectors(doc: TomcatDocument): XmlElement[] {
  return doc.elements.filter((e) => e.name === 'Connector' && /^AJP\/|Ajp/.test(e.attributes.protocol ?? ''));
}
