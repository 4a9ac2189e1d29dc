import { Token } from '../../framework/cdktf';
import { AddressKind, HostAddress, parseHostAddress } from '../../core/address';
import { Problems } from '../../core/errors';

/**
 * The Azure rules every Azure target (the IQService pair's load balancer, the web tier's load
 * balancer and Application Gateway, the cluster's load balancer) checks the same way: one function
 * per rule, one message per rule.
 */

/** Availability zones: "1", "2" or "3", each once. */
export function checkAzureZones(problems: Problems, field: string, zones: unknown): void {
  if (zones === undefined || Token.isUnresolved(zones)) return;
  if (!Array.isArray(zones)) {
    problems.add({ field, value: zones, allowed: 'a list of zones "1", "2", "3"' });
    return;
  }
  zones.forEach((z, i) => {
    if (!['1', '2', '3'].includes(z))
      problems.add({
        field: `${field}[${i}]`,
        value: z,
        allowed: 'one of "1", "2", "3" (Azure availability zones)',
        fix: 'list ["1", "2", "3"] for a zone-redundant frontend, one zone for a zonal one, or omit zones',
      });
    else if (zones.indexOf(z) !== i)
      problems.add({
        field: `${field}[${i}]`,
        value: z,
        allowed: `a zone not already listed at ${field}[${zones.indexOf(z)}]`,
        fix: 'list each zone once',
      });
  });
}

/**
 * A frontend private IP: an IP address (IPv4 only where the platform says so), not one of the
 * members' own addresses. Returns the parsed address.
 */
export function checkAzureFrontendIp(
  problems: Problems,
  field: string,
  value: unknown,
  opts: { members?: ReadonlyArray<{ name: string; address: HostAddress }>; ipv4Only?: string; optional?: boolean },
): HostAddress | undefined {
  if (value === undefined && opts.optional) return undefined;
  if (typeof value === 'string' && Token.isUnresolved(value)) return undefined;
  const ip = typeof value === 'string' ? parseHostAddress(new Problems(), field, value) : undefined;
  if (!ip || ip.kind === AddressKind.DNS) {
    problems.add({
      field,
      value,
      allowed: `a private ${opts.ipv4Only ? 'IPv4 ' : ''}IP address inside the subnet`,
      fix: opts.optional ? 'omit it for a dynamic frontend IP' : 'the address clients use',
    });
    return undefined;
  }
  if (opts.ipv4Only && ip.kind !== AddressKind.IPV4) {
    problems.add({ field, value, allowed: 'an IPv4 address', fix: opts.ipv4Only });
    return undefined;
  }
  const host = opts.members?.find((m) => m.address.value === ip.value);
  if (host)
    problems.add({
      field,
      value,
      allowed: `a free address, not the ${host.name} host's`,
      fix: 'pick an unused address in the subnet, or omit it for a dynamic one',
    });
  return ip;
}

/** Azure Load Balancer probes: every 5 s or more, and interval x threshold at least 10 s. */
export function checkAzureLbProbe(problems: Problems, intervalField: string, interval: number, thresholdField?: string, threshold?: number): void {
  if (!(Number.isInteger(interval) && interval >= 5)) {
    problems.add({
      field: intervalField,
      value: interval,
      allowed: 'an integer of 5 or more with Azure Load Balancer',
      fix: 'Azure Load Balancer probes at most every 5 seconds',
    });
    return;
  }
  if (thresholdField !== undefined && threshold !== undefined && Number.isInteger(threshold) && interval * threshold < 10) {
    problems.add({
      field: thresholdField,
      value: threshold,
      allowed: `a value with ${intervalField} x ${thresholdField} >= 10 (now ${interval} x ${threshold})`,
      fix: `set it to ${Math.ceil(10 / interval)} or raise the interval`,
    });
  }
}

/** One address family for the clients, the nodes and the frontend of an Azure rule set. */
export function checkAzureOneFamily(problems: Problems, items: ReadonlyArray<{ field: string; value: string; kind: AddressKind }>): void {
  const first = items.find((x) => x.kind !== AddressKind.DNS);
  if (!first) return;
  for (const x of items) {
    if (x.kind !== AddressKind.DNS && x.kind !== first.kind) {
      problems.add({
        field: x.field,
        value: x.value,
        allowed: `an ${first.kind === AddressKind.IPV4 ? 'IPv4' : 'IPv6'} address or block, like ${first.field}`,
        fix: 'an Azure frontend, its rules and its backend pool are of one address family: list IPv4 and IPv6 in separate tiers',
      });
    }
  }
}
