import { Problems } from '../errors';

/**
 * The grammar of the paths and URLs identity-ha writes into balancer configs and check commands.
 * One grammar for every consumer (httpd, mod_jk, HAProxy, the ALB, keepalived, Pacemaker, WSFC):
 * a path that two consumers could read differently is refused everywhere, with the fix.
 *
 * Refused in a path, because a balancer and Tomcat would disagree on which application it names:
 * dot segments (`.`, `..`), `;` (Tomcat's path parameters: `/a/..;/b` is `/b` to Tomcat), empty
 * segments, `\`, and the percent-encodings of `.`, `/`, `\`, `;` and `%` (`%2e%2e` is `..` once
 * decoded). Refused everywhere, because a config language gives them a meaning: quotes, whitespace,
 * `$` (keepalived expands `$NAME`), `*` (a wildcard to httpd's <Location> and JkMount), `` ` ``,
 * `{`, `}`, `#`, `<`, `>`, `|`, `^` and control characters.
 */

/** Characters a path segment may hold (RFC 3986 pchar less the ones above); `%XX` is checked apart. */
const PATH_CHARS = /^[A-Za-z0-9._~!+,=:@/%&()-]*$/;
/** Characters a query may hold. */
const QUERY_CHARS = /^[A-Za-z0-9._~!*+,=:@/?%&;()-]*$/;
/** Percent-encodings that hide a separator, a dot or another escape. */
const HIDDEN = /%(2e|2f|5c|3b|25|00)/i;

/** Why `path` is not a safe absolute path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it must start with /';
  if (!PATH_CHARS.test(path))
    return `it holds ${describeChar(path.match(/[^A-Za-z0-9._~!+,=:@/%&()-]/)![0])}, which a balancer or Tomcat reads differently`;
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return 'it holds a % that starts no %XX escape';
  if (HIDDEN.test(path))
    return `it holds ${path.match(HIDDEN)![0]}, an encoded . / \\ ; or %, which Tomcat decodes after the balancer chose the pool`;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return 'it has a dot segment (. or ..), which Tomcat resolves after the balancer chose the pool';
  if (segments.slice(0, -1).some((s) => s === '')) return 'it has an empty segment (//)';
  return undefined;
}

/** What to tell the user about one character. */
export function describeChar(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp < 0x21 || (cp >= 0x7f && cp <= 0xa0) || cp > 0x7e ? `the character U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `"${c}"`;
}

/** Records a problem unless `value` is a safe absolute path; returns true when it is. */
export function checkPath(problems: Problems, field: string, value: unknown, example = '/identity/'): value is string {
  const why = typeof value === 'string' ? (value.length > 512 ? 'it is longer than 512 characters' : pathProblem(value)) : 'it is not a string';
  if (why === undefined) return true;
  problems.add({
    field,
    value,
    allowed:
      `an absolute URL path of letters, digits and - . _ ~ ! + , = : @ & ( ) and %XX escapes, with no dot segments, ; or encoded ` +
      `separators (${why})`,
    fix: `e.g. ${example}`,
  });
  return false;
}

/** The placeholder a cluster health URL may hold for each node's address. */
export const ADDRESS_PLACEHOLDER = '{address}';

/**
 * Records a problem unless `value` is an http(s) health URL in this grammar: scheme, a host (an
 * address, a DNS name or `{address}`), an optional port, a safe path and an optional query
 * (`?a=1&b=2`), no fragment and no user info. Returns true when it is.
 */
export function checkHealthUrl(problems: Problems, field: string, value: unknown, example = 'http://{address}:8080/identity/'): value is string {
  const why = healthUrlProblem(value);
  if (why === undefined) return true;
  problems.add({
    field,
    value,
    allowed: `an http:// or https:// URL: a host ({address}, an IP address or a DNS name), an optional port, a path and an optional query (${why})`,
    fix: `e.g. ${example}; write other characters as %XX escapes`,
  });
  return false;
}

function healthUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'it is not a string';
  if (value.length > 1024) return 'it is longer than 1024 characters';
  const m = /^(https?):\/\/(\{address\}|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[^?]*)?(?:\?(.*))?$/.exec(value);
  if (!m) {
    const odd = value.match(/[^A-Za-z0-9._~!*+,=:@/?%&;()[\]{}-]/);
    return odd ? `it holds ${describeChar(odd[0])}` : 'it is not scheme://host[:port][/path][?query]';
  }
  const [, , , port, path, query] = m;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is not 1-65535`;
  if (path !== undefined) {
    const p = pathProblem(path);
    if (p) return `its path: ${p}`;
  }
  if (query !== undefined && !QUERY_CHARS.test(query)) return `its query holds ${describeChar(query.match(/[^A-Za-z0-9._~!*+,=:@/?%&;()-]/)![0])}`;
  if (query !== undefined && /%(?![0-9A-Fa-f]{2})|%00/i.test(query)) return 'its query holds a % that starts no %XX escape, or %00';
  return undefined;
}

/** The URL with `{address}` replaced by a node's address (brackets around IPv6). */
export function urlForNode(template: string, address: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return template.split(ADDRESS_PLACEHOLDER).join(host);
}
