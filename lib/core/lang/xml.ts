import { refuse } from './internal';

/**
 * XML text and attribute values (WinSW service definitions, Tomcat's server.xml, the OCF agent's
 * meta-data). XML 1.0 cannot carry most control characters at all: the value grammars refuse them
 * before they get here, and these functions refuse them again, as an internal error.
 */
function checked(s: string): string {
  if (!xmlChars(s)) refuse('XML', 'text', s, 'it holds a character XML 1.0 cannot carry');
  return s;
}

/** Element content: & < > escaped. */
export function xmlText(s: string): string {
  return checked(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** An attribute value (in double or single quotes): & < > " ' escaped. */
export function xmlAttr(s: string): string {
  return checked(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** True when every character of `s` may appear in an XML 1.0 document. */
export function xmlChars(s: string): boolean {
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s);
}

/**
 * Text inside an XML comment. XML 1.0 forbids `--` in a comment (and a `-` just before its end), so
 * a value such as the service name `iq--pair` would make WinSW refuse the whole file: each hyphen
 * that another follows gets a space after it (`iq- -pair`), in comments only; the elements carry the
 * value as written. Entities mean nothing in a comment, so nothing else is escaped.
 */
export function xmlCommentText(s: string): string {
  return checked(s)
    .replace(/-(?=-)/g, '- ')
    .replace(/-$/, '- ');
}
