import * as ipaddr from 'ipaddr.js';
import { AddressKind, HostAddress } from '../../core/address';
import { Problems } from '../../core/errors';
import { HaServiceModel } from '../../model/ha-service-model';
import { ProbeKind, ResolvedProbePolicy } from '../../model/probe-policy';
import { checkClientFamily, checkConnectionResets } from './member-checks';

/** Address ranges that health checkers on the internet cannot reach. */
const UNREACHABLE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);

/** Whether an IP address is one that internet-based health checkers cannot reach. DNS names are assumed reachable. */
export function isUnreachableFromInternet(address: HostAddress): boolean {
  if (address.kind === AddressKind.DNS) return false;
  const range = ipaddr.parse(address.value).range();
  return UNREACHABLE_RANGES.has(range);
}

/**
 * Checks shared by DNS failover services whose health checks come from the internet (Traffic
 * Manager, Route 53 endpoint checks): the probe must not be half-open (both complete the handshake
 * as far as we can tell on Windows), and each member must be reachable from the internet.
 * `fixPrivate` says what to do about a private address.
 */
export function checkDnsHealthChecks(model: HaServiceModel, problems: Problems, service: string, fixPrivate: string): void {
  const kind = model.pools[0].probe.kind;
  if (kind === ProbeKind.TCP_HALF_OPEN) {
    problems.root().add({
      field: 'probe.kind',
      value: kind,
      allowed:
        `"${ProbeKind.SIDECAR_GATE}" (default) or "${ProbeKind.SIDECAR_HTTP}" on ${service}; "${ProbeKind.TCP_CONNECT}" with ` +
        `allowNoisyTcpProbe to watch the service port`,
      fix: `${service} has no half-open probe setting; use the sidecar gate (the default)`,
    });
  }
  for (const m of model.pools[0].members) {
    if (isUnreachableFromInternet(m.address)) {
      problems.root().add({
        field: `${m.name}.address`,
        value: m.address.value,
        allowed: `an address ${service}'s health checkers on the internet can reach (a public IP or a DNS name)`,
        fix: fixPrivate,
      });
    }
  }
}

/**
 * Checks every DNS strategy shares, public or private: clients connect to the hosts themselves, so
 * they must be of the hosts' family, and no connection can be reset by the DNS service.
 */
export function checkDnsClients(model: HaServiceModel, problems: Problems, service: string): void {
  checkConnectionResets(model, problems, service, {
    onFailover: 'clients connect to the hosts directly, and a DNS answer cannot end a connection',
    onFailback: 'clients keep the connections they have; only new lookups get the primary again',
  });
  const families = new Set(model.pools[0].members.map((m) => m.address.kind));
  if (families.size === 1 && !families.has(AddressKind.DNS)) {
    checkClientFamily(
      model,
      problems,
      [...families][0] as AddressKind.IPV4 | AddressKind.IPV6,
      `the hosts' family: with ${service} clients connect to the hosts themselves`,
    );
  }
}

/** What a DNS health check watches, from the probe policy. */
export interface DnsCheckSpec {
  /** `TCP` or `HTTP`. */
  readonly protocol: 'TCP' | 'HTTP';
  readonly port: number;
  /** HTTP only. */
  readonly path?: string;
}

/** Maps the (already validated) probe policy to what a DNS health check watches. */
export function dnsCheckSpec(probe: ResolvedProbePolicy): DnsCheckSpec {
  return probe.kind === ProbeKind.SIDECAR_HTTP ? { protocol: 'HTTP', port: probe.port, path: probe.path } : { protocol: 'TCP', port: probe.port };
}
