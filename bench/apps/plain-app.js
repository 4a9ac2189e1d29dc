// A cdktf app that creates, directly and without identity-ha, the same Azure + AWS resources that
// `idha synth --platform azure,aws` renders for N IQService pairs. IMPORTS=barrel uses
// `import * as aws from '@cdktf/provider-aws'`; IMPORTS=deep uses deep paths. One stack per platform,
// as idha does. Usage: node plain-app.js <pairs> <outdir>
'use strict';
const { App, TerraformStack, LocalBackend } = require('cdktf');
const barrel = process.env.IMPORTS === 'barrel';
const az = barrel ? require('@cdktf/provider-azurerm') : {
  provider: require('@cdktf/provider-azurerm/lib/provider'), lb: require('@cdktf/provider-azurerm/lib/lb'),
  lbProbe: require('@cdktf/provider-azurerm/lib/lb-probe'), lbRule: require('@cdktf/provider-azurerm/lib/lb-rule'),
  lbBackendAddressPool: require('@cdktf/provider-azurerm/lib/lb-backend-address-pool'),
  lbBackendAddressPoolAddress: require('@cdktf/provider-azurerm/lib/lb-backend-address-pool-address'),
  networkSecurityRule: require('@cdktf/provider-azurerm/lib/network-security-rule'),
};
const aws = barrel ? require('@cdktf/provider-aws') : {
  provider: require('@cdktf/provider-aws/lib/provider'), lb: require('@cdktf/provider-aws/lib/lb'),
  lbListener: require('@cdktf/provider-aws/lib/lb-listener'), lbTargetGroup: require('@cdktf/provider-aws/lib/lb-target-group'),
  lbTargetGroupAttachment: require('@cdktf/provider-aws/lib/lb-target-group-attachment'), securityGroup: require('@cdktf/provider-aws/lib/security-group'),
  vpcSecurityGroupIngressRule: require('@cdktf/provider-aws/lib/vpc-security-group-ingress-rule'),
  vpcSecurityGroupEgressRule: require('@cdktf/provider-aws/lib/vpc-security-group-egress-rule'),
};
const { Construct } = require('constructs');

const pairs = Number(process.argv[2] || 1);
const app = new App({ outdir: process.argv[3] || 'plain.out' });
const hosts = (i) => [`10.${(i >> 8) & 255}.${i & 255}.10`, `10.${(i >> 8) & 255}.${i & 255}.20`];
const ports = [5050, 5051];

const azs = new TerraformStack(app, 'plain-azure');
new LocalBackend(azs, { path: 'terraform.plain-azure.tfstate' });
new az.provider.AzurermProvider(azs, 'azurerm', { features: [{}] });
const vnet = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v';
for (let i = 0; i < pairs; i++) {
  const s = new Construct(azs, `iq${i}`); const name = `iq${i}`; const h = hosts(i);
  const lb = new az.lb.Lb(s, 'lb', { name: `${name}-lb`, resourceGroupName: 'rg', location: 'westeurope', sku: 'Standard',
    frontendIpConfiguration: [{ name: `${name}-fe`, subnetId: `${vnet}/subnets/s`, privateIpAddressVersion: 'IPv4', privateIpAddressAllocation: 'Dynamic' }] });
  const probe = new az.lbProbe.LbProbe(s, 'probe', { name: `${name}-gate`, loadbalancerId: lb.id, protocol: 'Tcp', port: 15050, intervalInSeconds: 5, numberOfProbes: 2, probeThreshold: 2 });
  for (const port of ports) {
    const pool = new az.lbBackendAddressPool.LbBackendAddressPool(s, `pool${port}`, { name: `${name}-${port}`, loadbalancerId: lb.id, virtualNetworkId: vnet });
    h.forEach((ip, k) => new az.lbBackendAddressPoolAddress.LbBackendAddressPoolAddress(s, `addr${port}-${k}`, { name: `${name}-${port}-${k}`, backendAddressPoolId: pool.id, virtualNetworkId: vnet, ipAddress: ip }));
    new az.lbRule.LbRule(s, `rule${port}`, { name: `${name}-${port}`, loadbalancerId: lb.id, frontendIpConfigurationName: `${name}-fe`, protocol: 'Tcp', frontendPort: port, backendPort: port,
      backendAddressPoolIds: [pool.id], probeId: probe.id, tcpResetEnabled: true, floatingIpEnabled: false, idleTimeoutInMinutes: 30, loadDistribution: 'Default', disableOutboundSnat: true });
  }
  const common = { resourceGroupName: 'rg', networkSecurityGroupName: `nsg${i}`, direction: 'Inbound', protocol: 'Tcp', sourcePortRange: '*', destinationAddressPrefixes: h.map((x) => `${x}/32`) };
  new az.networkSecurityRule.NetworkSecurityRule(s, 'nsg1', { ...common, name: `${name}-a`, priority: 1000, access: 'Allow', sourceAddressPrefixes: ['10.250.0.0/24'], destinationPortRanges: ['5050', '5051'] });
  new az.networkSecurityRule.NetworkSecurityRule(s, 'nsg2', { ...common, name: `${name}-b`, priority: 1001, access: 'Allow', sourceAddressPrefix: 'AzureLoadBalancer', destinationPortRanges: ['15050'] });
  new az.networkSecurityRule.NetworkSecurityRule(s, 'nsg3', { ...common, name: `${name}-c`, priority: 1002, access: 'Allow', sourceAddressPrefixes: h.map((x) => `${x}/32`), destinationPortRanges: ['15051'] });
  new az.networkSecurityRule.NetworkSecurityRule(s, 'nsg4', { ...common, name: `${name}-d`, priority: 1004, access: 'Deny', sourceAddressPrefix: '*', destinationPortRanges: ['5050', '5051', '15050', '15051', '15052'] });
}

const awss = new TerraformStack(app, 'plain-aws');
new LocalBackend(awss, { path: 'terraform.plain-aws.tfstate' });
new aws.provider.AwsProvider(awss, 'aws', { region: 'eu-west-1' });
for (let i = 0; i < pairs; i++) {
  const s = new Construct(awss, `iq${i}`); const name = `iq${i}`; const h = hosts(i);
  const sg = new aws.securityGroup.SecurityGroup(s, 'sg', { name: `${name}-nlb`, description: 'nlb', vpcId: 'vpc-0a1b2c3d' });
  const lb = new aws.lb.Lb(s, 'lb', { name: `${name}-nlb`, internal: true, loadBalancerType: 'network', subnets: ['subnet-0aaa1111', 'subnet-0bbb2222'], securityGroups: [sg.id], enableCrossZoneLoadBalancing: true, ipAddressType: 'ipv4' });
  for (const port of ports) {
    const tg = new aws.lbTargetGroup.LbTargetGroup(s, `tg${port}`, { name: `${name}-${port}`, port, protocol: 'TCP', targetType: 'ip', ipAddressType: 'ipv4', vpcId: 'vpc-0a1b2c3d', proxyProtocolV2: false,
      preserveClientIp: 'false', connectionTermination: true, deregistrationDelay: '10', targetHealthState: [{ enableUnhealthyConnectionTermination: true }],
      healthCheck: { enabled: true, protocol: 'TCP', port: '15050', interval: 5, timeout: 3, healthyThreshold: 2, unhealthyThreshold: 2 } });
    h.forEach((ip, k) => new aws.lbTargetGroupAttachment.LbTargetGroupAttachment(s, `att${port}-${k}`, { targetGroupArn: tg.arn, targetId: ip, port }));
    new aws.lbListener.LbListener(s, `l${port}`, { loadBalancerArn: lb.arn, port, protocol: 'TCP', defaultAction: [{ type: 'forward', targetGroupArn: tg.arn }] });
    new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(s, `in${port}`, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '10.250.0.0/24' });
  }
  h.forEach((ip, k) => [5050, 5051, 15050].forEach((port) => new aws.vpcSecurityGroupEgressRule.VpcSecurityGroupEgressRule(s, `out${k}-${port}`, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: `${ip}/32` })));
  [5050, 5051, 15050].forEach((port) => new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(s, `host${port}`, { securityGroupId: 'sg-0123abcd', ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: sg.id }));
  h.forEach((ip, k) => new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(s, `peer${k}`, { securityGroupId: 'sg-0123abcd', ipProtocol: 'tcp', fromPort: 15051, toPort: 15051, cidrIpv4: `${ip}/32` }));
}
app.synth();
