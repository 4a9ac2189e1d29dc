import { AddressKind, cidrFamily } from '../../core/address';

/** A security group rule's source or destination for a CIDR of either family (the NLB's and the ALB's). */
export function cidrProps(cidr: string): { cidrIpv4?: string; cidrIpv6?: string } {
  return cidrFamily(cidr) === AddressKind.IPV6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}
