/**
 * What a balancer must refuse in a client's request path so that it and Tomcat agree on the
 * application a request is for. Tomcat resolves `.` and `..` segments, also written with path
 * parameters (`..;x`) or percent-encoded (`%2e%2e`), after the balancer has chosen the pool by the
 * raw path: `/identity/..;/other/` goes to the identity pool and reaches Tomcat's /other. mod_jk
 * normalises as Tomcat does; httpd's mod_proxy and HAProxy do not, so their configs refuse such
 * requests with 400 before choosing a pool. Tomcat itself answers 400 to an encoded / or \ (its
 * default), so refusing those too changes nothing a client could rely on.
 */

/** PCRE (HAProxy's path_reg, httpd's LocationMatch), case-insensitive: a dot segment in any spelling, or an encoded / or \. */
export const DOT_SEGMENT_REGEX = '(^|/)(\\.|%2e){1,2}(;[^/]*)?(/|$)|%2f|%5c';

/** A dot segment in each spelling Tomcat resolves, lower case (`.`, `..`, and their %2e forms). */
export const DOT_SEGMENTS = ['.', '..', '%2e', '%2e%2e', '.%2e', '%2e.'] as const;

/**
 * The same refusal as substring tests, for balancers that match without regexes (F5 LTM policies,
 * case-insensitive): a request path that contains one of `contains` or ends with one of `endsWith`.
 */
export const DOT_SEGMENT_MATCH = {
  contains: [...DOT_SEGMENTS.flatMap((x) => [`/${x}/`, `/${x};`]), '%2f', '%5c'],
  endsWith: DOT_SEGMENTS.map((x) => `/${x}`),
} as const;

/**
 * The same refusal as ALB path patterns (case-sensitive, `*` any characters): every percent-encoded
 * `.`, `/` and `\` in either case (a Tomcat path has no need of them), and the plain and `;` forms
 * of `.` and `..` segments.
 */
export const DOT_SEGMENT_WILDCARDS = [
  '*/../*',
  '*/..;*',
  '*/./*',
  '*/.;*',
  '*/..',
  '*/.',
  '*%2e*',
  '*%2E*',
  '*%2f*',
  '*%2F*',
  '*%5c*',
  '*%5C*',
] as const;
