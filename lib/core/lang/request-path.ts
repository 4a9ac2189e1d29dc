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
