import { TerraformStack, TerraformVariable } from '../framework/cdktf';
import { AwsProvider } from '../framework/provider-aws';
import { AzurermProvider } from '../framework/provider-azurerm';
import { HaStrategy } from '../model/ha-service-model';
import { AwsNlbTarget } from '../platforms/aws-nlb/service-target';
import { AwsRoute53FailoverTarget } from '../platforms/aws-route53/service-target';
import { AzureLoadBalancerTarget } from '../platforms/azure-lb/service-target';
import { AzureTrafficManagerTarget } from '../platforms/azure-traffic-manager/service-target';
import { BigipProvider } from '../platforms/f5/bigip-provider';
import { F5BigIpTarget } from '../platforms/f5/service-target';
import { HaproxyTarget } from '../platforms/haproxy/service-target';
import { ClientProxyTarget } from '../platforms/client-proxy/service-target';
import { IHaTarget } from '../model/service-target';
import { IClusterTarget } from '../model/cluster-model';
import { LoadBalancedClusterTarget } from '../platforms/load-balanced-cluster/cluster-target';
import { KeepalivedTarget } from '../platforms/keepalived/cluster-target';
import { PacemakerTarget } from '../platforms/pacemaker/cluster-target';
import { WindowsFailoverClusterTarget } from '../platforms/wsfc/cluster-target';
import { IWebTierTarget } from '../model/web-tier-model';
import { AwsAlbTarget } from '../platforms/aws-alb/web-target';
import { AzureApplicationGatewayTarget } from '../platforms/azure-appgw/web-target';
import { AzureLoadBalancerWebTarget } from '../platforms/azure-lb/web-target';
import { F5WebTarget } from '../platforms/f5/web-target';
import { HaproxyWebTarget } from '../platforms/haproxy/web-target';
import { ModJkTarget } from '../platforms/mod-jk/web-target';
import { ModProxyBalancerTarget } from '../platforms/mod-proxy-balancer/web-target';

/** Provider settings from a topology file's `providers:` block. */
export interface TopologyProviders {
  readonly azure?: { readonly subscriptionId?: string };
  readonly aws?: { readonly region: string };
  readonly f5?: {
    readonly address: string;
    readonly username?: string;
    readonly port?: string;
    readonly validateCertsDisable?: boolean;
    readonly trustedCertPath?: string;
  };
}

function azurerm(stack: TerraformStack, p: TopologyProviders): void {
  new AzurermProvider(stack, 'azurerm', { features: [{}], subscriptionId: p.azure?.subscriptionId });
}

function aws(stack: TerraformStack, p: TopologyProviders): void {
  new AwsProvider(stack, 'aws', { region: p.aws?.region });
}

function bigip(stack: TerraformStack, p: TopologyProviders): void {
  const password = new TerraformVariable(stack, 'bigip_password', { type: 'string', sensitive: true, description: 'BIG-IP management password' });
  new BigipProvider(stack, 'bigip', {
    address: p.f5?.address,
    username: p.f5?.username ?? 'admin',
    password: password.stringValue,
    port: p.f5?.port,
    validateCertsDisable: p.f5?.validateCertsDisable,
    trustedCertPath: p.f5?.trustedCertPath,
  });
}

/**
 * How a topology file's `<kind>[i].targets.<platform>` block becomes a target of type `T`: the shape
 * shared by the service, cluster and web tier registries.
 */
export interface TopologyTargetEntry<T> {
  readonly platform: string;
  readonly description: string;
  /** JSON Schema of the block in a topology file. */
  readonly topologySchemaRef: string;
  /**
   * The construct props the block feeds, for the generated docs/topology.md (its defaults and texts):
   * `''` for the block itself, a key for a nested block (e.g. `probe`).
   */
  readonly propsStructs: Readonly<Record<string, readonly string[]>>;
  /** Builds the target from the (schema-checked) topology block. */
  fromTopology(block: any): T;
  /**
   * Adds the platform's Terraform provider to a stack `idha synth` creates. Platforms configured by
   * file only (HAProxy, keepalived, mod_jk, ...) have none: they produce snippets and no stack.
   */
  readonly addProvider?: (stack: TerraformStack, providers: TopologyProviders) => void;
}

/**
 * How a topology file's `targets.<platform>` block becomes a target. Adding a platform means adding
 * its folder and one entry here.
 */
export interface PlatformEntry extends TopologyTargetEntry<IHaTarget> {
  /** The strategy the platform's target implements. */
  readonly strategy: HaStrategy;
  /** Snippet kinds this platform offers to `idha snippet`; Terraform JSON when `terraform`. */
  readonly snippetKinds: ReadonlyArray<{ kind: string; terraform?: boolean }>;
}

export const PLATFORMS: readonly PlatformEntry[] = [
  {
    platform: 'azure',
    description: 'Azure Load Balancer (Standard, internal)',
    topologySchemaRef: '#/definitions/azureTarget',
    propsStructs: { '': ['AzureLoadBalancerTargetProps'], probe: ['AzureProbeTimingProps'] },
    strategy: HaStrategy.LOAD_BALANCER,
    fromTopology: (b) => new AzureLoadBalancerTarget(b),
    snippetKinds: [{ kind: 'azure', terraform: true }],
    addProvider: azurerm,
  },
  {
    platform: 'aws',
    description: 'AWS Network Load Balancer (internal)',
    topologySchemaRef: '#/definitions/awsTarget',
    propsStructs: { '': ['AwsNlbTargetProps'], healthCheck: ['AwsHealthCheckProps'] },
    strategy: HaStrategy.LOAD_BALANCER,
    fromTopology: (b) => new AwsNlbTarget(b),
    snippetKinds: [{ kind: 'aws', terraform: true }],
    addProvider: aws,
  },
  {
    platform: 'f5',
    description: 'F5 BIG-IP (AS3, tmsh, bigip_as3)',
    topologySchemaRef: '#/definitions/f5Target',
    propsStructs: { '': ['F5BigIpTargetProps'], monitor: ['F5MonitorTimingProps'] },
    strategy: HaStrategy.LOAD_BALANCER,
    fromTopology: (b) => new F5BigIpTarget(b),
    snippetKinds: [{ kind: 'f5-as3' }, { kind: 'f5-tmsh' }],
    addProvider: bigip,
  },
  {
    platform: 'haproxy',
    description: 'HAProxy (mode tcp, backup server, health from the shim); a haproxy.cfg, no Terraform',
    topologySchemaRef: '#/definitions/haproxyTarget',
    propsStructs: { '': ['HaproxyTargetProps'] },
    strategy: HaStrategy.LOAD_BALANCER,
    fromTopology: (b) => new HaproxyTarget(b),
    snippetKinds: [{ kind: 'haproxy' }],
  },
  {
    platform: 'azure-traffic-manager',
    description: 'Azure Traffic Manager, Priority routing (DNS strategy)',
    topologySchemaRef: '#/definitions/azureTrafficManagerTarget',
    propsStructs: { '': ['AzureTrafficManagerTargetProps'], monitor: ['TrafficManagerMonitorProps'] },
    strategy: HaStrategy.DNS,
    fromTopology: (b) => new AzureTrafficManagerTarget(b),
    snippetKinds: [{ kind: 'azure-traffic-manager', terraform: true }],
    addProvider: azurerm,
  },
  {
    platform: 'aws-route53',
    description: 'AWS Route 53 failover records with health checks (DNS strategy)',
    topologySchemaRef: '#/definitions/awsRoute53Target',
    propsStructs: { '': ['AwsRoute53FailoverTargetProps'], healthCheck: ['Route53HealthCheckProps'], healthMetric: ['Route53HealthMetricProps'] },
    strategy: HaStrategy.DNS,
    fromTopology: (b) => new AwsRoute53FailoverTarget(b),
    snippetKinds: [{ kind: 'aws-route53', terraform: true }],
    addProvider: aws,
  },
  {
    platform: 'client-proxy',
    description: 'idha proxy on every client host, no shared component (client-side strategy); a host plan per client, no Terraform',
    topologySchemaRef: '#/definitions/clientProxyTarget',
    propsStructs: { '': ['ClientProxyTargetProps'], clients: ['ClientHostProps'] },
    strategy: HaStrategy.CLIENT_SIDE,
    fromTopology: (b) => new ClientProxyTarget(b),
    snippetKinds: [{ kind: 'client-proxy' }],
  },
];

export function platformIds(): string[] {
  return PLATFORMS.map((p) => p.platform);
}

export function snippetKinds(): string[] {
  return PLATFORMS.flatMap((p) => p.snippetKinds.map((k) => k.kind));
}

/**
 * How a topology file's `clusters[i].targets.<platform>` block becomes a cluster target. Adding a
 * cluster platform means adding its folder and one entry here.
 */
export type ClusterPlatformEntry = TopologyTargetEntry<IClusterTarget>;

export const CLUSTER_PLATFORMS: readonly ClusterPlatformEntry[] = [
  {
    platform: 'keepalived',
    description: 'keepalived (VRRP) on Linux nodes: one keepalived.conf per node',
    topologySchemaRef: '#/definitions/keepalivedTarget',
    propsStructs: { '': ['KeepalivedTargetProps'] },
    fromTopology: (b) => new KeepalivedTarget(b),
  },
  {
    platform: 'pacemaker',
    description: 'Pacemaker/Corosync: a pcs script and the OCF agent that runs idha check',
    topologySchemaRef: '#/definitions/pacemakerTarget',
    propsStructs: { '': ['PacemakerTargetProps'] },
    fromTopology: (b) => new PacemakerTarget(b),
  },
  {
    platform: 'wsfc',
    description: 'Windows Server Failover Cluster: a PowerShell script and a WinSW check service per node',
    topologySchemaRef: '#/definitions/wsfcTarget',
    propsStructs: { '': ['WindowsFailoverClusterTargetProps'] },
    fromTopology: (b) => new WindowsFailoverClusterTarget(b),
  },
  {
    platform: 'azure',
    description: 'Azure Load Balancer in front of two nodes (no VIP of their own), prefer-primary through the sidecars',
    topologySchemaRef: '#/definitions/azureClusterTarget',
    propsStructs: { '': ['LoadBalancedClusterTargetProps'] },
    fromTopology: (b) =>
      new LoadBalancedClusterTarget({
        loadBalancer: new AzureLoadBalancerTarget(b?.loadBalancer ?? {}),
        allowedClients: b?.allowedClients,
        probe: b?.probe,
      }),
    addProvider: azurerm,
  },
  {
    platform: 'aws',
    description: 'AWS Network Load Balancer in front of two nodes (no VIP of their own), prefer-primary through the sidecars',
    topologySchemaRef: '#/definitions/awsClusterTarget',
    propsStructs: { '': ['LoadBalancedClusterTargetProps'] },
    fromTopology: (b) =>
      new LoadBalancedClusterTarget({ loadBalancer: new AwsNlbTarget(b?.loadBalancer ?? {}), allowedClients: b?.allowedClients, probe: b?.probe }),
    addProvider: aws,
  },
];

/**
 * How a topology file's `webTiers[i].targets.<platform>` block becomes a web tier target. Adding a
 * web platform means adding its folder and one entry here.
 */
export type WebPlatformEntry = TopologyTargetEntry<IWebTierTarget>;

export const WEB_PLATFORMS: readonly WebPlatformEntry[] = [
  {
    platform: 'mod-jk',
    description: 'Apache httpd 2.4 + mod_jk 1.2 (AJP 1.3): workers.properties, uriworkermap, the httpd snippet, Tomcat fragments',
    topologySchemaRef: '#/definitions/modJkTarget',
    propsStructs: { '': ['ModJkTargetProps'] },
    fromTopology: (b) => new ModJkTarget(b),
  },
  {
    platform: 'mod-proxy-balancer',
    description: 'Apache httpd 2.4 + mod_proxy_balancer over HTTP, with mod_proxy_hcheck',
    topologySchemaRef: '#/definitions/modProxyBalancerTarget',
    propsStructs: { '': ['ModProxyBalancerTargetProps'] },
    fromTopology: (b) => new ModProxyBalancerTarget(b ?? {}),
  },
  {
    platform: 'haproxy',
    description: 'HAProxy in mode http: a backend per application, routed by path',
    topologySchemaRef: '#/definitions/haproxyWebTarget',
    propsStructs: { '': ['HaproxyWebTargetProps'] },
    fromTopology: (b) => new HaproxyWebTarget(b ?? {}),
  },
  {
    platform: 'f5',
    description: 'F5 BIG-IP: an AS3 Service_HTTP declaration',
    topologySchemaRef: '#/definitions/f5WebTarget',
    propsStructs: { '': ['F5WebTargetProps'] },
    fromTopology: (b) => new F5WebTarget(b),
  },
  {
    platform: 'aws-alb',
    description: 'AWS Application Load Balancer: a target group per application, rules by path',
    topologySchemaRef: '#/definitions/awsAlbTarget',
    propsStructs: { '': ['AwsAlbTargetProps'] },
    fromTopology: (b) => new AwsAlbTarget(b),
    addProvider: aws,
  },
  {
    platform: 'azure-appgw',
    description: 'Azure Application Gateway v2: cookie affinity, a probe per application, path-based rules',
    topologySchemaRef: '#/definitions/azureAppGwTarget',
    propsStructs: { '': ['AzureApplicationGatewayTargetProps'] },
    fromTopology: (b) => new AzureApplicationGatewayTarget(b),
    addProvider: azurerm,
  },
  {
    platform: 'azure-lb',
    description: 'Azure Standard Load Balancer: an HTTP probe, SourceIPProtocol distribution (one pool)',
    topologySchemaRef: '#/definitions/azureLbWebTarget',
    propsStructs: { '': ['AzureLoadBalancerWebTargetProps'] },
    fromTopology: (b) => new AzureLoadBalancerWebTarget(b),
    addProvider: azurerm,
  },
];
