import { AddressKind } from '../core/address';
import { Problems } from '../core/errors';
import { WebTierModel } from '../model/web-tier-model';
import type { WebTierEstimate } from '../web-tier/ha-web-tier';

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
      problems.root().add({ field: `nodes[${i}].address`, value: n.address.value, allowed: `an IPv4 or IPv6 address with ${platform}`, fix: `${platform} registers its targets by IP address` });
    }
  });
}

/** A balancer that filters clients itself needs them listed; `fix` says where the list goes. */
export function checkAllowedClients(model: WebTierModel, problems: Problems, platform: string, fix: string): void {
  if (model.allowedClients.length === 0) problems.root().add({ field: 'allowedClients', value: [], allowed: `one or more CIDR blocks with ${platform}`, fix });
}

/** A platform without priorities refuses hot standbys, saying what it would do instead. */
export function checkNoStandbys(model: WebTierModel, problems: Problems, platform: string, instead: string): void {
  model.pools.forEach((p, i) => {
    if (p.members.some((m) => m.priority === 0)) {
      problems.root().add({ field: `applications[${i}].standbyNodes`, value: p.members.filter((m) => m.priority === 0).map((m) => m.name), allowed: `no standby nodes with ${platform}`, fix: `${platform} ${instead}: remove standbyNodes for this target, or render the tier with mod-jk, mod-proxy-balancer, haproxy or f5, which keep standbys idle` });
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
export function httpCheckEstimate(platform: string, model: WebTierModel, note?: string): WebTierEstimate {
  const h = model.pools[0].health;
  const down = h.intervalSeconds * h.fall + h.timeoutSeconds;
  return {
    platform, seconds: down, formula: `${h.intervalSeconds}s x ${h.fall} checks + ${h.timeoutSeconds}s timeout = ${down}${note ? ` (${note})` : ''}`,
    failbackSeconds: h.intervalSeconds * h.rise, failbackFormula: `${h.intervalSeconds}s x ${h.rise} checks = ${h.intervalSeconds * h.rise}`,
  };
}
