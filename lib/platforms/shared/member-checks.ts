import { AddressKind, cidrFamily } from '../../core/address';
import { Problems } from '../../core/errors';
import { ConnectionAction, HaServiceModel } from '../../model/ha-service-model';
import { ProbeKind } from '../../model/probe-policy';

/** Wording of the platform-specific parts of the shared checks. */
export interface CloudBalancerWords {
  /** e.g. "Azure Load Balancer" */
  readonly name: string;
  /** Why DNS names are refused, e.g. "Azure backend pools by IP address take no DNS names". */
  readonly noDns: string;
  /** Why one family, e.g. "an Azure frontend is IPv4 or IPv6". */
  readonly oneFamily: string;
}

/**
 * Checks shared by balancers that probe with a full TCP handshake and register members by IP
 * (Azure LB, AWS NLB): no half-open probe, IP members only, and one address family.
 */
export function checkIpMembersAndFullHandshakeProbe(model: HaServiceModel, problems: Problems, words: CloudBalancerWords): void {
  const kind = model.pools[0].probe.kind;
  if (kind === ProbeKind.TCP_HALF_OPEN) {
    problems.root().add({
      field: 'probe.kind',
      value: kind,
      allowed: `"${ProbeKind.SIDECAR_GATE}", "${ProbeKind.SIDECAR_HTTP}" on ${words.name}`,
      fix: `${words.name} probes complete the TCP handshake; it has no half-open probe. Use the sidecar gate (the default)`,
    });
  }
  const families = new Set<string>();
  for (const m of model.pools[0].members) {
    if (m.address.kind === AddressKind.DNS) {
      problems.root().add({
        field: `${m.name}.address`,
        value: m.address.value,
        allowed: `an IP address (${words.noDns})`,
        fix: `give the ${m.name} host's private IP`,
      });
    } else families.add(m.address.kind);
  }
  if (families.size === 1)
    checkClientFamily(
      model,
      problems,
      [...families][0] as AddressKind.IPV4 | AddressKind.IPV6,
      `the hosts' family: the ${words.name} frontend is of the hosts' family`,
    );
  if (families.size > 1) {
    problems.root().add({
      field: 'secondary.address',
      value: model.pools[0].members[1].address.value,
      allowed: 'the same IP family as primary.address',
      fix: `${words.oneFamily}; give both hosts addresses of one family`,
    });
  }
}

/**
 * Every platform takes clients of one family only: the family of the address they connect to (a
 * frontend, a virtual server, a bind address, or the hosts themselves with DNS). `why` names it.
 */
export function checkClientFamily(model: HaServiceModel, problems: Problems, family: AddressKind.IPV4 | AddressKind.IPV6, why: string): void {
  const name = family === AddressKind.IPV4 ? 'IPv4' : 'IPv6';
  model.allowedClients.forEach((c, i) => {
    if (cidrFamily(c) !== family) {
      problems.root().add({
        field: `allowedClients[${i}]`,
        value: c,
        allowed: `${name} blocks (${why})`,
        fix: `clients of the other family cannot reach it: list ${name} blocks, or give the service addresses of the clients' family`,
      });
    }
  });
}

/**
 * Refuses `reset` for the connection moves a platform cannot reset, naming what the platform does.
 * `cannot` maps onFailover / onFailback to that platform's behaviour.
 */
export function checkConnectionResets(
  model: HaServiceModel,
  problems: Problems,
  platform: string,
  cannot: { onFailover?: string; onFailback?: string },
): void {
  for (const key of ['onFailover', 'onFailback'] as const) {
    const behaviour = cannot[key];
    if (behaviour && model.connections[key] === ConnectionAction.RESET) {
      problems.root().add({
        field: key,
        value: ConnectionAction.RESET,
        allowed: `"keep" on ${platform}`,
        fix: `${platform} cannot reset them: ${behaviour}. Set ${key}: keep (or leave it out), or render this service without ${platform}`,
      });
    }
  }
}
