import * as ipaddr from 'ipaddr.js';
import { Problems } from './errors';

/** The kind of a host address. */
export enum AddressKind {
  IPV4 = 'ipv4',
  IPV6 = 'ipv6',
  DNS = 'dns',
}

/** A validated host address. `value` is normalised (IPv6 compressed, DNS lower-cased). */
export interface HostAddress {
  /** IPv4, IPv6 or a DNS name. */
  readonly kind: AddressKind;
  /** The address, normalised. */
  readonly value: string;
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function looksNumeric(s: string): boolean {
  return /^[0-9.]+$/.test(s);
}

/** Parses an IPv4, IPv6 or DNS host name. Returns undefined and records a problem when invalid. */
export function parseHostAddress(problems: Problems, field: string, value: unknown): HostAddress | undefined {
  const allowed = 'an IPv4 address (10.0.1.10), an IPv6 address (fd00::10) or a DNS name (iq1.corp.example)';
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add({ field, value, allowed });
    return undefined;
  }
  const s = value.trim();
  const unusable = (ip: ipaddr.IPv4 | ipaddr.IPv6): boolean => {
    const range = ip.range();
    if (!['unspecified', 'broadcast', 'multicast'].includes(range)) return false;
    problems.add({
      field,
      value,
      allowed: `${allowed}, of one host`,
      fix: `${s} is the ${range} address${range === 'multicast' ? ' range' : ''}, not a host: give the host's own address`,
    });
    return true;
  };
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
    const ip = ipaddr.IPv4.parse(s);
    return unusable(ip) ? undefined : { kind: AddressKind.IPV4, value: ip.toString() };
  }
  if (s.includes(':')) {
    if (ipaddr.IPv6.isValid(s) && !s.includes('%')) {
      const ip = ipaddr.IPv6.parse(s);
      return unusable(ip) ? undefined : { kind: AddressKind.IPV6, value: ip.toString() };
    }
    problems.add({ field, value, allowed, fix: 'check the IPv6 address; zone IDs (%eth0) are not allowed' });
    return undefined;
  }
  const name = s.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  // A dotted-quad-like string that is not a valid IPv4 address is a typo, not a DNS name.
  if (!looksNumeric(name) && name.length <= 253 && labels.every((l) => DNS_LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1])) {
    return { kind: AddressKind.DNS, value: name };
  }
  problems.add({ field, value, allowed, fix: 'an address that looks numeric must be a valid dotted-quad IPv4 address' });
  return undefined;
}

/** Validates an IPv4 or IPv6 CIDR block (e.g. 10.20.0.0/24). Host bits must be zero. */
export function parseCidr(problems: Problems, field: string, value: unknown): string | undefined {
  const allowed = 'an IPv4 or IPv6 CIDR block such as 10.20.0.0/24 or fd00:20::/64';
  if (typeof value !== 'string' || !value.includes('/')) {
    problems.add({ field, value, allowed, fix: 'write a single host as /32 (IPv4) or /128 (IPv6)' });
    return undefined;
  }
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    const [addr, bits] = value.split('/');
    if (!/^[0-9]{1,3}$/.test(bits) || (!addr.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(addr))) throw new Error('bad');
    parsed = ipaddr.parseCIDR(value);
  } catch {
    problems.add({ field, value, allowed });
    return undefined;
  }
  const [addr, bits] = parsed;
  const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(value) : ipaddr.IPv6.networkAddressFromCIDR(value);
  if (network.toString() !== addr.toString()) {
    problems.add({ field, value, allowed: `${allowed}, with the host bits zero`, fix: `use ${network.toString()}/${bits}` });
    return undefined;
  }
  return `${addr.toString()}/${bits}`;
}

/** The family of a CIDR string produced by {@link parseCidr}. */
export function cidrFamily(cidr: string): AddressKind.IPV4 | AddressKind.IPV6 {
  return cidr.includes(':') ? AddressKind.IPV6 : AddressKind.IPV4;
}

/** Whether an address is an IP literal (not a DNS name). */
export function isIp(address: HostAddress): boolean {
  return address.kind !== AddressKind.DNS;
}

/** Whether CIDR block `outer` contains block `inner` (both from {@link parseCidr}, one family). */
export function cidrContains(outer: string, inner: string): boolean {
  const [o, ob] = ipaddr.parseCIDR(outer);
  const [i, ib] = ipaddr.parseCIDR(inner);
  return o.kind() === i.kind() && ib >= ob && (i as ipaddr.IPv4).match(o as ipaddr.IPv4, ob);
}

/**
 * The address a listener binds to: `*` (every address) or an IP address of the host, never a DNS
 * name (a name resolves at start, to whatever it resolves to then). One check for every balancer
 * that binds (HAProxy for services and for web tiers). Returns the address, `*`, or undefined.
 */
export function checkBindAddress(problems: Problems, field: string, value: unknown): HostAddress | '*' | undefined {
  if (value === '*') return '*';
  const scratch = new Problems();
  const a = typeof value === 'string' ? parseHostAddress(scratch, field, value.replace(/^\[(.*)\]$/, '$1')) : undefined;
  if (a && a.kind !== AddressKind.DNS) return a;
  problems.add({
    field,
    value,
    allowed: '"*" (every address) or an IPv4 or IPv6 address of this host',
    fix: 'e.g. "*" or 10.0.0.60; a DNS name is not bound to',
  });
  return undefined;
}

/**
 * A virtual IP is one host's address: never the network address or (IPv4) the broadcast address of
 * its subnet, which the kernel and the switches treat as such. IPv4 /31 and /32 have neither.
 */
export function checkHostInSubnet(problems: Problems, field: string, address: HostAddress, prefixLength: number): boolean {
  if (address.kind !== AddressKind.IPV4 || prefixLength > 30) return true;
  const ip = ipaddr.IPv4.parse(address.value)
    .toByteArray()
    .reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - prefixLength);
  const offset = ip % size;
  if (offset !== 0 && offset !== size - 1) return true;
  problems.add({
    field,
    value: `${address.value}/${prefixLength}`,
    allowed: `a host address of the subnet, not its ${offset === 0 ? 'network' : 'broadcast'} address`,
    fix: `pick a free address between the first and the last of the /${prefixLength}`,
  });
  return false;
}

/** One host as a CIDR: `/32` for an IPv4 address, `/128` for an IPv6 one (a string with a colon). */
export function hostCidr(address: HostAddress | string): string {
  const value = typeof address === 'string' ? address : address.value;
  const v6 = typeof address === 'string' ? address.includes(':') : address.kind === AddressKind.IPV6;
  return `${value}/${v6 ? 128 : 32}`;
}
