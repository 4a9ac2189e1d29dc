/** The web tier the unit tests of lib/constructs/ha-web-tier and its renderers, and the real-server test, start from. */
import { strict as assert } from 'node:assert';
import { Testing, TerraformStack } from 'cdktf';
import { HaWebTier, HaWebTierProps, IWebTierTarget, ModJkTarget } from '../lib/internal';
import { besideItsNeighbour, problemsOf } from './helpers';

export const SECRET_FILE = '/etc/apache2/idha-ajp-secret.conf';
/** What the mod_proxy_balancer snippet asks for: a2enmod enables their dependencies (slotmem_shm) itself. */
export const PROXY_MODULES = ['proxy', 'proxy_http', 'proxy_balancer', 'proxy_hcheck', 'lbmethod_byrequests'];
export const tierProps = (
  over: Partial<HaWebTierProps> = {},
  targets: IWebTierTarget[] = [new ModJkTarget({ ajpSecretFile: SECRET_FILE })],
): HaWebTierProps => ({
  nodes: [
    { name: 'tomcat1', address: '10.0.5.11' },
    { name: 'tomcat2', address: '10.0.5.12' },
    { name: 'tomcat3', address: '10.0.5.13' },
  ],
  applications: [
    { name: 'operator', paths: ['/identity'], healthPath: '/identity/health', nodes: ['tomcat1', 'tomcat2'] },
    { name: 'selfservice', paths: ['/selfservice'], healthPath: '/selfservice/health', nodes: ['tomcat3'], standbyNodes: ['tomcat1'] },
  ],
  targets,
  ...over,
});
export const build = (p: HaWebTierProps) => new HaWebTier(new TerraformStack(Testing.app(), 's'), 'idm-web', p);
/** Each rejected tier names exactly `field` (once or more); the accepted neighbour has no problem. */
export const rejectsEachBesideItsNeighbour = (cases: Array<[string, HaWebTierProps, string, HaWebTierProps]>) =>
  besideItsNeighbour(cases, (x) => problemsOf(() => build(x)), { exact: true });
export const file = (t: HaWebTier, name: string) => {
  const s = t.snippets().find((x) => x.fileName === name);
  assert.ok(
    s,
    `${name} among ${t
      .snippets()
      .map((x) => x.fileName)
      .join(', ')}`,
  );
  return s.content;
};

export const ALB = { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], targetSecurityGroupId: 'sg-0123abcd' };
export const APPGW = {
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/appgw',
  frontendPrivateIp: '10.0.9.10',
  publicIpAddressId: '/subscriptions/x/pip',
  gatewayNetworkSecurityGroupName: 'nsg-appgw',
};
export const AZLB = {
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/web',
  virtualNetworkId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v',
  networkSecurityGroupName: 'nsg-web',
};
export const noStandby = (over: Partial<HaWebTierProps> = {}, targets: IWebTierTarget[] = []) =>
  tierProps(
    {
      allowedClients: ['10.0.0.0/8'],
      applications: [tierProps().applications[0], { ...tierProps().applications[1], standbyNodes: undefined }],
      ...over,
    },
    targets,
  );
export const synthTier = (p: HaWebTierProps) => {
  const stack = new TerraformStack(Testing.app(), 's');
  const t = new HaWebTier(stack, 'idm-web', p);
  return { tier: t, tf: JSON.parse(Testing.synth(stack)) };
};
