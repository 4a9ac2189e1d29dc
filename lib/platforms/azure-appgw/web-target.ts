import { TerraformProvider } from '../../framework/cdktf';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { Construct } from 'constructs';
import { ApplicationGateway, NetworkSecurityRule } from '../../framework/provider-azurerm';
import { AddressKind } from '../../core/address';
import { checkInteger, checkRequiredId } from '../../core/checks';
import { Problems } from '../../core/errors';
import { WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { checkAzureFrontendIp, checkAzureZones } from '../shared/azure-checks';
import { checkIpNodes, checkNoStandbys, contextPathBase, ident, tomcatHttpSnippets } from '../shared/web-checks';

/** The backend HTTP settings and path prefix of the path map's default: a Tomcat answers 404 there. */
const UNMATCHED_SETTINGS = 'unmatched-http';
export const UNMATCHED_PREFIX = '/idha-no-application/';

/** Where and how the web tier gets an Azure Application Gateway (v2). */
export interface AzureApplicationGatewayTargetProps {
  /** Resource group the gateway and its public IP (if any) are created in. */
  readonly resourceGroupName: string;
  /** Azure region of the gateway, e.g. `westeurope`. */
  readonly location: string;
  /** An existing subnet dedicated to Application Gateways. */
  readonly subnetId: string;
  /** The gateway's private frontend address, in that subnet. */
  readonly frontendPrivateIp: string;
  /**
   * An existing Standard public IP for the public frontend configuration that Application Gateway v2
   * requires unless the subscription has private-only deployment (EnableApplicationGatewayNetworkIsolation).
   * Clients still use the private frontend: the listener is bound to it.
   * @default - none (private-only deployment)
   */
  readonly publicIpAddressId?: string;
  /** Instances, 1-125 (2 or more for an SLA). @default 2 */
  readonly capacity?: number;
  /** The Tomcats' network security group: ingress from the gateway subnet on their HTTP ports is added. @default - none added */
  readonly networkSecurityGroupName?: string;
  /**
   * Resource group of `networkSecurityGroupName`.
   * @default - resourceGroupName
   */
  readonly networkSecurityGroupResourceGroupName?: string;
  /** The gateway subnet's address prefix, the source of that NSG rule. @default - none (then no NSG rule) */
  readonly gatewaySubnetPrefix?: string;
  /** Priority of the NSG rule, 100-4096. @default 1100 */
  readonly nsgPriority?: number;
  /**
   * The existing NSG on the gateway subnet. Two rules go into it for the listener's port: Allow from
   * the tier's `allowedClients`, then Deny from everyone else, so only those clients reach the
   * gateway. The ports Application Gateway itself needs (65200-65535 from GatewayManager, the
   * AzureLoadBalancer probe) are other ports and stay as they are.
   * @default - none: then `allowedClients` must be empty, and anyone who reaches the subnet reaches the gateway
   */
  readonly gatewayNetworkSecurityGroupName?: string;
  /**
   * Resource group of `gatewayNetworkSecurityGroupName`.
   * @default - resourceGroupName
   */
  readonly gatewayNetworkSecurityGroupResourceGroupName?: string;
  /** First of the two priorities in the gateway subnet's NSG, 100-4095. @default 1110 */
  readonly gatewayNsgPriorityBase?: number;
  /**
   * Availability zones of the gateway, e.g. `["1", "2"]`.
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
 * Azure Application Gateway v2: a backend pool, HTTP settings with cookie-based affinity and a probe
 * on the health path per application, and a path-based rule sending each context path to its pool.
 * No priorities, so hot standbys are refused.
 */
export class AzureApplicationGatewayTarget extends WebTierTargetBase {
  public readonly platform = 'azure-appgw';

  /** The props the target was created with. */
  public readonly props: AzureApplicationGatewayTargetProps;

  constructor(props: AzureApplicationGatewayTargetProps) {
    super();
    this.props = props;
  }

  public validate(model: WebTierModel, problems: Problems): void {
    const p = this.props;
    checkRequiredId(problems, 'resourceGroupName', p.resourceGroupName, 'resource group');
    checkRequiredId(problems, 'location', p.location, 'Azure region (e.g. westeurope)');
    checkRequiredId(problems, 'subnetId', p.subnetId, 'Application Gateway subnet');
    checkAzureFrontendIp(problems, 'frontendPrivateIp', p.frontendPrivateIp, {
      members: model.nodes,
      ipv4Only: "an Application Gateway's private frontend is IPv4",
    });
    checkAzureZones(problems, 'zones', p.zones);
    checkInteger(problems, 'capacity', p.capacity ?? 2, 1, 125);
    checkInteger(problems, 'nsgPriority', p.nsgPriority ?? 1100, 100, 4096);
    if (p.networkSecurityGroupName !== undefined && p.gatewaySubnetPrefix === undefined) {
      problems.add({
        field: 'gatewaySubnetPrefix',
        value: undefined,
        allowed: "the gateway subnet's prefix with networkSecurityGroupName",
        fix: 'the NSG rule lets the gateway subnet reach the Tomcats',
      });
    }
    checkInteger(problems, 'gatewayNsgPriorityBase', p.gatewayNsgPriorityBase ?? 1110, 100, 4095);
    if (p.gatewayNetworkSecurityGroupName !== undefined)
      checkRequiredId(problems, 'gatewayNetworkSecurityGroupName', p.gatewayNetworkSecurityGroupName, 'network security group on the gateway subnet');
    if (model.allowedClients.length > 0 && p.gatewayNetworkSecurityGroupName === undefined) {
      problems.add({
        field: 'gatewayNetworkSecurityGroupName',
        value: undefined,
        allowed: `the NSG on the gateway subnet, with allowedClients (${model.allowedClients.join(', ')})`,
        fix:
          "Application Gateway v2 filters no client itself: name the gateway subnet's NSG, where the listener port is opened to " +
          'allowedClients and closed to everyone else, or leave allowedClients empty to let every source that reaches the subnet in',
      });
    }
    if (model.allowedClients.length === 0 && p.gatewayNetworkSecurityGroupName !== undefined) {
      problems.add({
        field: 'gatewayNetworkSecurityGroupName',
        value: p.gatewayNetworkSecurityGroupName,
        allowed: 'unset while allowedClients is empty',
        fix: 'list the clients in allowedClients: the NSG rules let only them in',
      });
    }
    checkIpNodes(model, problems, 'azure-appgw');
    model.nodes.forEach((n, i) => {
      if (n.address.kind === AddressKind.IPV6)
        problems.root().add({ field: `nodes[${i}].address`, value: n.address.value, allowed: 'an IPv4 address with azure-appgw' });
    });
    checkNoStandbys(model, problems, 'azure-appgw', 'sends to every healthy member of a pool');
    model.pools.forEach((pool, i) => {
      if (new Set(pool.members.map((m) => m.httpPort)).size > 1) {
        problems.root().add({
          field: `applications[${i}].nodes`,
          value: pool.members.map((m) => `${m.name}:${m.httpPort}`),
          allowed: 'nodes on one HTTP port with azure-appgw',
          fix: 'the HTTP settings of a pool name one backend port: give these Tomcats the same httpPort',
        });
      }
    });
  }

  public render(scope: Construct, model: WebTierModel): void {
    const p = this.props;
    const name = `${model.name}-appgw`;
    const pools = model.pools.map((pool) => {
      const id = ident(pool.name);
      return { pool, backend: `${id}-pool`, settings: `${id}-http`, probe: `${id}-probe` };
    });
    const frontends = [{ name: 'private', subnetId: p.subnetId, privateIpAddress: p.frontendPrivateIp, privateIpAddressAllocation: 'Static' }];
    if (p.publicIpAddressId) frontends.push({ name: 'public', publicIpAddressId: p.publicIpAddressId } as never);
    new ApplicationGateway(scope, 'appgw', {
      provider: p.provider,
      name,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      zones: p.zones,
      tags: p.tags,
      sku: { name: 'Standard_v2', tier: 'Standard_v2', capacity: p.capacity ?? 2 },
      gatewayIpConfiguration: [{ name: 'gateway', subnetId: p.subnetId }],
      frontendIpConfiguration: frontends,
      frontendPort: [{ name: 'http', port: model.frontendPort }],
      backendAddressPool: pools.map((x) => ({ name: x.backend, ipAddresses: x.pool.members.map((m) => m.address.value) })),
      probe: pools.map((x) => ({
        name: x.probe,
        protocol: 'Http',
        host: '127.0.0.1',
        path: x.pool.health.path,
        port: x.pool.members[0].httpPort,
        interval: x.pool.health.intervalSeconds,
        timeout: x.pool.health.timeoutSeconds,
        unhealthyThreshold: x.pool.health.fall,
        match: { statusCode: ['200-299'] },
      })),
      // Cookie-based affinity: the gateway's own cookie keeps a session on its Tomcat.
      backendHttpSettings: pools
        .map((x) => ({
          name: x.settings,
          port: x.pool.members[0].httpPort,
          protocol: 'Http',
          cookieBasedAffinity: 'Enabled',
          affinityCookieName: `IDHA_${ident(x.pool.name).toUpperCase()}`,
          requestTimeout: model.responseTimeoutSeconds,
          probeName: x.probe,
        }))
        .concat([
          {
            // A path no application serves: Application Gateway has no fixed response without WAF, and a
            // path map must have a default. This one forwards under a prefix no application uses, so a
            // Tomcat answers 404 (as the ALB and HAProxy do), instead of the first application serving it.
            name: UNMATCHED_SETTINGS,
            port: pools[0].pool.members[0].httpPort,
            protocol: 'Http',
            cookieBasedAffinity: 'Disabled',
            path: UNMATCHED_PREFIX,
            requestTimeout: 30,
            probeName: pools[0].probe,
          } as never,
        ]),
      httpListener: [{ name: 'http', frontendIpConfigurationName: 'private', frontendPortName: 'http', protocol: 'Http' }],
      urlPathMap: [
        {
          name: 'paths',
          defaultBackendAddressPoolName: pools[0].backend,
          defaultBackendHttpSettingsName: UNMATCHED_SETTINGS,
          pathRule: pools.map((x) => ({
            name: ident(x.pool.name),
            paths: x.pool.paths.flatMap((path) => [contextPathBase(path) || '/', `${contextPathBase(path)}/*`]),
            backendAddressPoolName: x.backend,
            backendHttpSettingsName: x.settings,
          })),
        },
      ],
      requestRoutingRule: [{ name: 'paths', ruleType: 'PathBasedRouting', httpListenerName: 'http', urlPathMapName: 'paths', priority: 100 }],
    });
    if (p.gatewayNetworkSecurityGroupName && model.allowedClients.length > 0) {
      const gw = {
        provider: p.provider,
        resourceGroupName: p.gatewayNetworkSecurityGroupResourceGroupName ?? p.resourceGroupName,
        networkSecurityGroupName: p.gatewayNetworkSecurityGroupName,
        direction: 'Inbound',
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: String(model.frontendPort),
      };
      const base = p.gatewayNsgPriorityBase ?? 1110;
      new NetworkSecurityRule(scope, 'nsg-gw-clients', {
        ...gw,
        name: `${model.name}-appgw-allow-clients`,
        description: `identity-ha ${model.name}: the gateway's listener from allowed clients`,
        priority: base,
        access: 'Allow',
        sourceAddressPrefixes: [...model.allowedClients],
      });
      // After the Allow: the default AllowVnetInBound (65000) would let every VNet and peered source in.
      new NetworkSecurityRule(scope, 'nsg-gw-deny', {
        ...gw,
        name: `${model.name}-appgw-deny-others`,
        description: `identity-ha ${model.name}: nobody else reaches the gateway's listener`,
        priority: base + 1,
        access: 'Deny',
        sourceAddressPrefix: '*',
      });
    }
    if (p.networkSecurityGroupName && p.gatewaySubnetPrefix) {
      new NetworkSecurityRule(scope, 'nsg-appgw', {
        provider: p.provider,
        name: `${model.name}-allow-appgw`,
        description: `identity-ha ${model.name}: the Application Gateway to the Tomcats`,
        resourceGroupName: p.networkSecurityGroupResourceGroupName ?? p.resourceGroupName,
        networkSecurityGroupName: p.networkSecurityGroupName,
        priority: p.nsgPriority ?? 1100,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourcePortRange: '*',
        sourceAddressPrefix: p.gatewaySubnetPrefix,
        destinationAddressPrefixes: model.nodes.map((n) => `${n.address.value}/32`),
        destinationPortRanges: [...new Set(model.nodes.map((n) => String(n.httpPort)))],
      });
    }
  }

  public warnings(model: WebTierModel): string[] {
    const w = [
      `azure-appgw: a path no application serves goes to ${model.pools[0].name}'s Tomcats under ${UNMATCHED_PREFIX}, where Tomcat answers ` +
        `404 (deploy nothing at that path)`,
      "azure-appgw: the gateway keeps a session on its Tomcat with its own affinity cookie (IDHA_<application>), set beside Tomcat's " +
        'JSESSIONID, not by the jvmRoute suffix',
    ];
    if (model.pools[0].health.rise > 1)
      w.push(`azure-appgw: Application Gateway takes a node back after one good probe, not healthCheck.rise (${model.pools[0].health.rise})`);
    if (model.pools.length > 1)
      w.push(
        'azure-appgw: Application Gateway without WAF has no rule that refuses a request path, so dot segments are refused by each Tomcat ' +
          'instead: install the connector of tomcat/<node>-*-http-server.xml (rejectSuspiciousURIs answers 400 to ..;, %2e%2e, .; and an ' +
          'encoded / or \\); a plain /../ reaches the path Tomcat resolves, on the Tomcats of the pool the raw path chose',
      );
    if (!this.props.publicIpAddressId)
      w.push(
        'azure-appgw: no publicIpAddressId: Application Gateway v2 accepts a private-only frontend only where the subscription has ' +
          'EnableApplicationGatewayNetworkIsolation registered',
      );
    return w;
  }

  public snippets(model: WebTierModel): Snippet[] {
    return tomcatHttpSnippets(model);
  }

  public estimate(model: WebTierModel): FailoverEstimate {
    const h = model.pools[0].health;
    const down = h.intervalSeconds * h.fall + h.timeoutSeconds;
    return figuresEstimate(model.name, {
      platform: this.platform,
      seconds: down,
      formula: `${h.intervalSeconds}s x ${h.fall} probes + ${h.timeoutSeconds}s timeout = ${down}`,
      failbackSeconds: h.intervalSeconds,
      failbackFormula: `${h.intervalSeconds}s: one good probe`,
    });
  }
}
