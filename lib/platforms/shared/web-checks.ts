import { AddressKind } from '../../core/address';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { Problems } from '../../core/errors';
import { WebTierModel } from '../../model/web-tier-model';
import { xmlAttr, xmlCommentText } from '../../core/lang/xml';
import type { Snippet } from '../../model/snippet';

/** Absolute POSIX paths without spaces or quotes (httpd and HAProxy take them as one word). */
export const ABS_PATH = /^\/[A-Za-z0-9_./@%+:-]*$/;

/** Records a problem when `value` is given and not an absolute path without spaces. */
export function checkAbsPath(problems: Problems, field: string, value: unknown, required: boolean, fix?: string): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !ABS_PATH.test(value)) problems.add({ field, value, allowed: 'an absolute path without spaces or quotes', fix });
}

/** Cloud balancers address targets by IP: a DNS-named node is refused, naming the platform. */
export function checkIpNodes(model: WebTierModel, problems: Problems, platform: string): void {
  model.nodes.forEach((n, i) => {
    if (n.address.kind === AddressKind.DNS) {
      problems.root().add({
        field: `nodes[${i}].address`,
        value: n.address.value,
        allowed: `an IPv4 or IPv6 address with ${platform}`,
        fix: `${platform} registers its targets by IP address`,
      });
    }
  });
}

/** A balancer that filters clients itself needs them listed; `fix` says where the list goes. */
export function checkAllowedClients(model: WebTierModel, problems: Problems, platform: string, fix: string): void {
  if (model.allowedClients.length === 0)
    problems.root().add({ field: 'allowedClients', value: [], allowed: `one or more CIDR blocks with ${platform}`, fix });
}

/** A platform without priorities refuses hot standbys, saying what it would do instead. */
export function checkNoStandbys(model: WebTierModel, problems: Problems, platform: string, instead: string): void {
  model.pools.forEach((p, i) => {
    if (p.members.some((m) => m.priority === 0)) {
      problems.root().add({
        field: `applications[${i}].standbyNodes`,
        value: p.members.filter((m) => m.priority === 0).map((m) => m.name),
        allowed: `no standby nodes with ${platform}`,
        fix:
          `${platform} ${instead}: remove standbyNodes for this target, or render the tier with mod-jk, mod-proxy-balancer, haproxy or ` +
          `f5, which keep standbys idle`,
      });
    }
  });
}

/** The node worker / section name for a node in an application's pool: letters, digits and underscores. */
export function ident(...parts: string[]): string {
  return parts.map((p) => p.replace(/-/g, '_')).join('__');
}

/**
 * The estimate of a balancer that checks the health path itself, `fall` checks an interval apart
 * plus the last one's timeout to take a node out, `rise` checks to take it back; `note` says what a
 * refused connection costs on the platform.
 */
export function httpCheckEstimate(platform: string, model: WebTierModel, note?: string): FailoverEstimate {
  const h = model.pools[0].health;
  const down = h.intervalSeconds * h.fall + h.timeoutSeconds;
  return figuresEstimate(model.name, {
    platform,
    seconds: down,
    formula: `${h.intervalSeconds}s x ${h.fall} checks + ${h.timeoutSeconds}s timeout = ${down}${note ? ` (${note})` : ''}`,
    failbackSeconds: h.intervalSeconds * h.rise,
    failbackFormula: `${h.intervalSeconds}s x ${h.rise} checks = ${h.intervalSeconds * h.rise}`,
  });
}

/**
 * Each Tomcat's HTTP connector behind an HTTP balancer (HAProxy, mod_proxy_balancer, the ALB,
 * Application Gateway, the Azure LB, F5): `jvmRoute` on the Engine, and `rejectSuspiciousURIs`, so
 * that Tomcat answers 400 to a request path it would resolve differently from the balancer (`..;`,
 * `%2e%2e`, an encoded `/` or `\`), whichever balancer chose the pool. One file per node; every
 * HTTP target of a tier writes the same one.
 */
export function tomcatHttpSnippets(model: WebTierModel): Snippet[] {
  return model.nodes.map((n) => ({
    kind: 'tomcat',
    fileName: `tomcat/${n.name}-${n.address.value.replace(/:/g, '-')}-http-server.xml`,
    content: [
      `<!-- identity-ha ${xmlCommentText(model.name)}: Tomcat ${xmlCommentText(n.name)} (${xmlCommentText(n.address.value)}) behind an HTTP ` +
        'balancer. In conf/server.xml:',
      '     1. use this Connector for the port the balancer sends to (or add its rejectSuspiciousURIs to yours) inside <Service name="Catalina">;',
      `     2. set jvmRoute="${xmlCommentText(n.route)}" on the Engine (its opening tag below): session ids end in ` +
        `.${xmlCommentText(n.route)}, the key that keeps a session on this node.`,
      '     rejectSuspiciousURIs="true" (Tomcat 10.1 and later; checked with 10.1.60): Tomcat answers 400 to ..;, %2e%2e, .; and an encoded',
      '     / or \\ in a request path, which a balancer that chose the pool by the raw path would have sent to the wrong application. -->',
      `<Connector protocol="HTTP/1.1" address="${xmlAttr(n.address.value)}" port="${n.httpPort}" rejectSuspiciousURIs="true" ` +
        `connectionTimeout="${model.connectionTimeoutSeconds * 1000}" />`,
      `<Engine name="Catalina" defaultHost="localhost" jvmRoute="${xmlAttr(n.route)}">`,
      '',
    ].join('\n'),
  }));
}

/** A context path without its trailing slashes ('' for the root): the base every balancer's match is built on. */
export function contextPathBase(path: string): string {
  return path.replace(/\/+$/, '');
}
