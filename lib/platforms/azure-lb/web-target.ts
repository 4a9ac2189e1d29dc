import { TerraformProvider } from '../../framework/cdktf';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { Construct } from 'constructs';
import { Lb, LbBackendAddressPool, LbBackendAddressPoolAddress, LbProbe, LbRule, NetworkSecurityRule } from '../../framework/provider-azurerm';
import { checkInteger, checkRequiredId } from '../../core/checks';
import { Problems } from '../../core/errors';
import { WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { checkAzureFrontendIp, checkAzureLbProbe, checkAzureOneFamily, checkAzureZones } from '../shared/azure-checks';
import { cidrFamily, hostCidr, parseCidr } from '../../core/address';
import { checkAllowedClients, checkIpNodes, checkNoStandbys, tomcatHttpSnippets } from '../shared/web-checks';

/** Where and how the web tier gets a Standard internal Azure Load Balancer (HTTP probes, no cookies). */
export interface AzureLoadBalancerWebTargetProps {
  /** Resource group the load balancer is created in. */
  readonly resourceGroupName: string;
  /** Azure region of the load balancer, e.g. `westeurope`. */
  readonly location: string;
  /** Existing subnet for the internal frontend. */
  readonly subnetId: string;
  /** The virtual network of the Tomcats (for IP-based backend addresses). */
  readonly virtualNetworkId: string;
  /** Static frontend address. @default dynamic */
  readonly frontendPrivateIp?: string;
  /** The Tomcats' NSG: the allowed clients and the probe are let in on the HTTP port. */
  readonly networkSecurityGroupName: string;
  /**
   * Resource group of `networkSecurityGroupName`.
   * @default - resourceGroupName
   */
  readonly networkSecurityGroupResourceGroupName?: string;
  /** First of the NSG's priorities (up to four), 100-4093. @default 1200 */
  readonly nsgPriorityBase?: number;
  /**
   * Sources that reach the Tomcats' HTTP port directly, not through this load balancer (another
   * balancer of the tier, monitoring), as CIDR blocks: let in before the Deny that closes the port to
   * everyone but the allowed clients and the Azure probe.
   * @default - none
   */
  readonly directSources?: string[];
  /**
   * Availability zones of the frontend IP, e.g. `["1", "2", "3"]`.
   * @default - none (regional)
   */
  readonly zones?: string[];
  /**
   * The azurerm provider to create the resources with.
   * @default - the stack's default azurerm provider
   */
  readonly provider?: TerraformProvider;
  /**
   * Tags on every resource created.
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

/**
 * Azure Standard Load Balancer for sites without an Application Gateway: one pool, an HTTP probe on
 * the health path, and a rule with `SourceIPProtocol` distribution, which keeps a client (by source
 * address) on one Tomcat. It works at layer 4: it cannot route by path or read JSESSIONID, so every
 * application must be served by the same nodes, and hot standbys are refused.
 */
export class AzureLoadBalancerWebTarget extends WebTierTargetBase {
  public readonly platform = 'azure-lb';

  /** The props the target was created with. */
  public readonly props: AzureLoadBalancerWebTargetProps;

  constructor(props: AzureLoadBalancerWebTargetProps) {
    super();
    this.props = props;
  }

  public validate(model: WebTierModel, problems: Problems): void {
    const p = this.props;
    checkRequiredId(problems, 'resourceGroupName', p.resourceGroupName, 'resource group');
    checkRequiredId(problems, 'location', p.location, 'Azure region (e.g. westeurope)');
    checkRequiredId(problems, 'subnetId', p.subnetId, 'subnet');
    checkRequiredId(problems, 'virtualNetworkId', p.virtualNetworkId, 'virtual network');
    checkRequiredId(problems, 'networkSecurityGroupName', p.networkSecurityGroupName, 'network security group on the Tomcats');
    checkInteger(problems, 'nsgPriorityBase', p.nsgPriorityBase ?? 1200, 100, 4093);
    (Array.isArray(p.directSources) ? p.directSources : []).forEach((c, i) => parseCidr(problems, `directSources[${i}]`, c));
    checkAllowedClients(model, problems, 'azure-lb', 'the NSG lets only these clients reach the Tomcats through the load balancer');
    checkIpNodes(model, problems, 'azure-lb');
    checkNoStandbys(model, problems, 'azure-lb', 'spreads over every member that passes its probe');
    const first = model.pools[0];
    if (!first) return;
    const key = (members: { name: string }[]) =>
      members
        .map((m) => m.name)
        .sort()
        .join(',');
    model.pools.forEach((pool, i) => {
      if (i > 0 && key(pool.members) !== key(first.members)) {
        problems.root().add({
          field: `applications[${i}].nodes`,
          value: pool.members.map((m) => m.name),
          allowed: `the same nodes as applications[0] (${first.members.map((m) => m.name).join(', ')}) with azure-lb`,
          fix: 'a layer-4 load balancer cannot route by path: use azure-appgw for separated pools',
        });
      }
    });
    checkAzureZones(problems, 'zones', p.zones);
    checkAzureFrontendIp(problems, 'frontendPrivateIp', p.frontendPrivateIp, { members: model.nodes, optional: true });
    const h = first.health;
    checkAzureLbProbe(problems.root(), 'healthCheck.intervalSeconds', h.intervalSeconds, 'healthCheck.fall', h.fall);
    checkAzureOneFamily(problems.root(), [
      ...model.nodes.map((n, i) => ({ field: `nodes[${i}].address`, value: n.address.value, kind: n.address.kind })),
      ...model.allowedClients.map((c, i) => ({ field: `allowedClients[${i}]`, value: c, kind: cidrFamily(c) })),
      ...(Array.isArray(p.directSources) ? p.directSources : [])
        .filter((c) => typeof c === 'string' && c.includes('/'))
        .map((c, i) => ({ field: `directSources[${i}]`, value: c, kind: cidrFamily(c) })),
    ]);
    if (new Set(model.nodes.map((n) => n.httpPort)).size > 1)
      problems.root().add({
        field: 'nodes',
        value: model.nodes.map((n) => n.httpPort),
        allowed: 'one httpPort for every node with azure-lb',
        fix: 'a load balancing rule has one backend port',
      });
  }

  public render(scope: Construct, model: WebTierModel): void {
    const p = this.props;
    const provider = p.provider;
    const frontend = `${model.name}-frontend`;
    const c = new Construct(scope, 'azure-lb');
    const lb = new Lb(c, 'lb', {
      provider,
      name: `${model.name}-lb`,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      sku: 'Standard',
      tags: p.tags,
      frontendIpConfiguration: [
        {
          name: frontend,
          subnetId: p.subnetId,
          privateIpAddressAllocation: p.frontendPrivateIp ? 'Static' : 'Dynamic',
          privateIpAddress: p.frontendPrivateIp,
          zones: p.zones,
        },
      ],
    });
    const h = model.pools[0].health;
    const port = model.nodes[0].httpPort;
    const probe = new LbProbe(c, 'probe', {
      provider,
      name: `${model.name}-http`,
      loadbalancerId: lb.id,
      protocol: 'Http',
      port,
      requestPath: h.path,
      intervalInSeconds: h.intervalSeconds,
      probeThreshold: h.fall,
    });
    const pool = new LbBackendAddressPool(c, 'pool', {
      provider,
      name: `${model.name}-tomcats`,
      loadbalancerId: lb.id,
      virtualNetworkId: p.virtualNetworkId,
    });
    for (const m of model.pools[0].members) {
      new LbBackendAddressPoolAddress(c, `pool-${m.name}`, {
        provider,
        name: `${model.name}-${m.name}`,
        backendAddressPoolId: pool.id,
        virtualNetworkId: p.virtualNetworkId,
        ipAddress: m.address.value,
      });
    }
    new LbRule(c, 'rule', {
      provider,
      name: `${model.name}-http-${model.frontendPort}`,
      loadbalancerId: lb.id,
      frontendIpConfigurationName: frontend,
      protocol: 'Tcp',
      frontendPort: model.frontendPort,
      backendPort: port,
      backendAddressPoolIds: [pool.id],
      probeId: probe.id,
      // A client (source address and protocol) stays on one Tomcat: the layer-4 stand-in for JSESSIONID.
      loadDistribution: 'SourceIPProtocol',
      idleTimeoutInMinutes: Math.min(100, Math.max(4, Math.round(model.connectionTimeoutSeconds / 60))),
      tcpResetEnabled: true,
      disableOutboundSnat: true,
    });
    const common = {
      provider,
      resourceGroupName: p.networkSecurityGroupResourceGroupName ?? p.resourceGroupName,
      networkSecurityGroupName: p.networkSecurityGroupName,
      direction: 'Inbound',
      protocol: 'Tcp',
      sourcePortRange: '*',
      access: 'Allow',
      destinationAddressPrefixes: model.nodes.map((n) => hostCidr(n.address)),
      destinationPortRange: String(port),
    };
    const base = p.nsgPriorityBase ?? 1200;
    new NetworkSecurityRule(c, 'nsg-clients', {
      ...common,
      name: `${model.name}-allow-clients`,
      description: `identity-ha ${model.name}: HTTP from allowed clients`,
      priority: base,
      sourceAddressPrefixes: [...model.allowedClients],
    });
    new NetworkSecurityRule(c, 'nsg-probe', {
      ...common,
      name: `${model.name}-allow-lb-probe`,
      description: `identity-ha ${model.name}: HTTP probe from Azure Load Balancer`,
      priority: base + 1,
      sourceAddressPrefix: 'AzureLoadBalancer',
    });
    if (p.directSources?.length) {
      new NetworkSecurityRule(c, 'nsg-direct', {
        ...common,
        name: `${model.name}-allow-direct`,
        description: `identity-ha ${model.name}: HTTP from sources that bypass the load balancer`,
        priority: base + 2,
        sourceAddressPrefixes: [...p.directSources],
      });
    }
    // After the Allows: the default AllowVnetInBound (65000) would let every VNet and peered source in.
    new NetworkSecurityRule(c, 'nsg-deny', {
      ...common,
      name: `${model.name}-deny-others`,
      description: `identity-ha ${model.name}: nobody else reaches the Tomcats' HTTP port`,
      priority: base + 3,
      access: 'Deny',
      sourceAddressPrefix: '*',
    });
  }

  public warnings(model: WebTierModel): string[] {
    return [
      `azure-lb: the load balancer keeps a client on one Tomcat by source address (SourceIPProtocol), not by ${model.stickiness.cookieName}: ` +
        `clients behind one NAT share a node, and a session moves when a client's address changes`,
      `azure-lb: one HTTP probe (${model.pools[0].health.path}) decides for every application; Azure takes a node back after probeThreshold ` +
        `good probes`,
      `azure-lb: the HTTP probe passes only on status 200 (Azure's rule), not on every 2xx as the other balancers' checks: a health path ` +
        `answering 204 or a redirect counts as down`,
      `azure-lb: the Tomcats' NSG closes HTTP port ${model.nodes[0]?.httpPort} to everyone but allowedClients, the Azure ` +
        `probe${this.props.directSources?.length ? ' and directSources' : ''}: another balancer or monitoring that reaches the Tomcats ` +
        `directly must be listed in directSources`,
    ];
  }

  public snippets(model: WebTierModel): Snippet[] {
    return tomcatHttpSnippets(model);
  }

  public estimate(model: WebTierModel): FailoverEstimate {
    const h = model.pools[0].health;
    const down = h.intervalSeconds * h.fall + h.intervalSeconds;
    return figuresEstimate(model.name, {
      platform: this.platform,
      seconds: down,
      formula: `${h.intervalSeconds}s x ${h.fall} probes + ${h.intervalSeconds}s in flight = ${down}`,
      failbackSeconds: h.intervalSeconds * h.fall,
      failbackFormula: `${h.intervalSeconds}s x ${h.fall} good probes (probeThreshold) = ${h.intervalSeconds * h.fall}`,
    });
  }
}
