import { Construct } from 'constructs';
import { Lb, LbBackendAddressPool, LbBackendAddressPoolAddress, LbProbe, LbRule, NetworkSecurityRule } from '../../framework/provider-azurerm';
import { AddressKind, hostCidr } from '../../core/address';
import { lintIgnore, NOISY_PROBE_CHOSEN } from '../../core/lint-ignore';
import { HaServiceModel } from '../../model/ha-service-model';
import { priorityProbe, ProbeKind } from '../../model/probe-policy';
import { ResolvedAzureProps } from './service-target';

export interface AzureLoadBalancerProps {
  readonly model: HaServiceModel;
  readonly target: ResolvedAzureProps;
}

/** The Azure resources of one service: load balancer, pool, probe, rules and NSG rules. */
export class AzureLoadBalancer extends Construct {
  public readonly loadBalancer: Lb;
  public readonly probe: LbProbe;
  public readonly rules: LbRule[] = [];

  constructor(scope: Construct, id: string, props: AzureLoadBalancerProps) {
    super(scope, id);
    const { model, target: t } = props;
    const provider = t.provider;
    const name = model.name;
    const pool0 = model.pools[0];
    const family = pool0.members[0].address.kind;
    const frontendName = `${name}-frontend`;

    this.loadBalancer = new Lb(this, 'lb', {
      provider,
      name: `${name}-lb`,
      resourceGroupName: t.resourceGroupName,
      location: t.location,
      sku: 'Standard',
      tags: t.tags,
      frontendIpConfiguration: [
        {
          name: frontendName,
          subnetId: t.subnetId,
          privateIpAddressVersion: family === AddressKind.IPV6 ? 'IPv6' : 'IPv4',
          privateIpAddressAllocation: t.frontendPrivateIp ? 'Static' : 'Dynamic',
          privateIpAddress: t.frontendPrivateIp,
          zones: t.zones,
        },
      ],
    });

    const probe = pool0.probe;
    // Azure LB sends to every member that passes: it probes the sidecars' priority gate, open on one host at a time.
    const target = priorityProbe(probe) ?? { port: probe.port, path: probe.path };
    this.probe = new LbProbe(this, 'probe', {
      provider,
      name: `${name}-${probe.kind}`,
      loadbalancerId: this.loadBalancer.id,
      protocol: probe.kind === ProbeKind.SIDECAR_HTTP ? 'Http' : 'Tcp',
      port: target.port,
      requestPath: target.path,
      intervalInSeconds: t.intervalSeconds,
      probeThreshold: t.probeThreshold,
    });
    // A probe on the service port only where the topology asked for it: say so where idha lint reads it.
    if (probe.kind === ProbeKind.TCP_CONNECT)
      this.probe.addOverride('//.idha-lint', lintIgnore('IDHA-AZ-001', `${NOISY_PROBE_CHOSEN} in the topology`));

    for (const listener of model.listeners) {
      const pool = model.pools.find((p) => p.name === listener.poolName)!;
      const backend = new LbBackendAddressPool(this, `pool-${pool.name}`, {
        provider,
        name: `${name}-${pool.name}`,
        loadbalancerId: this.loadBalancer.id,
        virtualNetworkId: t.virtualNetworkId,
      });
      for (const m of pool.members) {
        new LbBackendAddressPoolAddress(this, `pool-${pool.name}-${m.name}`, {
          provider,
          name: `${name}-${pool.name}-${m.name}`,
          backendAddressPoolId: backend.id,
          virtualNetworkId: t.virtualNetworkId,
          ipAddress: m.address.value,
        });
      }
      this.rules.push(
        new LbRule(this, `rule-${listener.name}`, {
          provider,
          name: `${name}-${listener.name}-${listener.port}`,
          loadbalancerId: this.loadBalancer.id,
          frontendIpConfigurationName: frontendName,
          protocol: 'Tcp',
          frontendPort: listener.port,
          backendPort: pool.members[0].port,
          backendAddressPoolIds: [backend.id],
          probeId: this.probe.id,
          tcpResetEnabled: true,
          floatingIpEnabled: false,
          idleTimeoutInMinutes: model.connections.idleTimeoutMinutes,
          loadDistribution: 'Default',
          disableOutboundSnat: true,
        }),
      );
    }

    // NSG rules on the hosts: service ports only from the allowed clients, sidecar ports only from
    // the Azure probe source and the peer host (standby polling), everything else on those ports denied.
    const hostPrefixes = pool0.members.map((m) => hostCidr(m.address));
    const servicePorts = model.servicePorts.map(String);
    const sidecarPorts = probe.usesSidecar ? [probe.gatePort, probe.priorityPort, probe.healthPort, probe.agentPort].map(String) : [];
    const common = {
      provider,
      resourceGroupName: t.networkSecurityGroupResourceGroupName,
      networkSecurityGroupName: t.networkSecurityGroupName,
      direction: 'Inbound',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationAddressPrefixes: hostPrefixes,
    };
    const base = t.nsgPriorityBase;
    new NetworkSecurityRule(this, 'nsg-clients', {
      ...common,
      name: `${name}-allow-clients`,
      description: `identity-ha ${name}: IQService ports from allowed clients only`,
      priority: base,
      access: 'Allow',
      sourceAddressPrefixes: [...model.allowedClients],
      destinationPortRanges: servicePorts,
    });
    const probeSourcePorts = probe.usesSidecar ? [String(target.port)] : servicePorts;
    new NetworkSecurityRule(this, 'nsg-probe', {
      ...common,
      name: `${name}-allow-lb-probe`,
      description: `identity-ha ${name}: health probe from Azure Load Balancer`,
      priority: base + 1,
      access: 'Allow',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationPortRanges: probeSourcePorts,
    });
    if (probe.usesSidecar) {
      new NetworkSecurityRule(this, 'nsg-peer', {
        ...common,
        name: `${name}-allow-sidecar-peer`,
        description: `identity-ha ${name}: standby sidecar polls the primary's health port`,
        priority: base + 2,
        access: 'Allow',
        sourceAddressPrefixes: hostPrefixes,
        destinationPortRanges: [String(probe.healthPort)],
      });
    }
    new NetworkSecurityRule(this, 'nsg-deny', {
      ...common,
      name: `${name}-deny-others`,
      description: `identity-ha ${name}: nobody else reaches IQService or its sidecar`,
      priority: base + 4,
      access: 'Deny',
      sourceAddressPrefix: '*',
      destinationPortRanges: [...servicePorts, ...sidecarPorts],
    });
  }
}
