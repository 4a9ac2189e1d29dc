/**
 * A name or number a target takes in a namespace that several services, clusters or tiers of one
 * topology share: an F5 tenant, the rule priorities of an NSG, a Traffic Manager DNS name, a Route 53
 * record, a VRRP router id on a link. Two holders of one key would overwrite or confuse each other;
 * `idha synth` reports the second one (one generic check in lib/topology/, from what each target
 * declares, so a platform's facts stay in its folder).
 */
export interface Claim {
  /** The shared namespace, as a user reads it, e.g. `F5 tenant` or `rule priority in NSG rg-net/nsg-iq`. */
  readonly scope: string;
  /** The value taken in it, e.g. `idha_iqservice` or `1003`. */
  readonly key: string;
  /** The target's field that sets it, relative to the target, e.g. `tenant`. */
  readonly field: string;
  /** What the field says (or its default), as shown in the problem. */
  readonly value: string;
  /** How to resolve a clash, e.g. `AS3 replaces a whole tenant per declaration: give each pair its own`. */
  readonly fix: string;
}
