import { AwsNlbTarget } from './aws/aws-nlb-target';
import { AzureLoadBalancerTarget } from './azure/azure-load-balancer-target';
import { F5BigIpTarget } from './f5/f5-big-ip-target';
import { IHaTarget } from './target';

/**
 * How a topology file's `targets.<platform>` block becomes a target. Adding a platform means adding
 * its folder and one entry here.
 */
export interface PlatformEntry {
  readonly platform: string;
  readonly description: string;
  /** JSON Schema of the `targets.<platform>` block in a topology file. */
  readonly topologySchemaRef: string;
  /** Builds the target from the (schema-checked) topology block. */
  fromTopology(block: any): IHaTarget;
  /** Snippet kinds this platform offers to `idha snippet`; Terraform JSON when `terraform`. */
  readonly snippetKinds: ReadonlyArray<{ kind: string; terraform?: boolean }>;
}

export const PLATFORMS: readonly PlatformEntry[] = [
  {
    platform: 'azure',
    description: 'Azure Load Balancer (Standard, internal)',
    topologySchemaRef: '#/definitions/azureTarget',
    fromTopology: (b) => new AzureLoadBalancerTarget(b),
    snippetKinds: [{ kind: 'azure', terraform: true }],
  },
  {
    platform: 'aws',
    description: 'AWS Network Load Balancer (internal)',
    topologySchemaRef: '#/definitions/awsTarget',
    fromTopology: (b) => new AwsNlbTarget(b),
    snippetKinds: [{ kind: 'aws', terraform: true }],
  },
  {
    platform: 'f5',
    description: 'F5 BIG-IP (AS3, tmsh, bigip_as3)',
    topologySchemaRef: '#/definitions/f5Target',
    fromTopology: (b) => new F5BigIpTarget(b),
    snippetKinds: [{ kind: 'f5-as3' }, { kind: 'f5-tmsh' }],
  },
];

export function platformIds(): string[] {
  return PLATFORMS.map((p) => p.platform);
}

export function snippetKinds(): string[] {
  return PLATFORMS.flatMap((p) => p.snippetKinds.map((k) => k.kind));
}
