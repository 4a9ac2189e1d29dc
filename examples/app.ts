/**
 * An IQService pair built in TypeScript: the app `cdktf synth` runs (see cdktf.json).
 * Build with `npm run build`, then `npx cdktf synth` or `node dist/examples/app.js`.
 *
 * State: the same choice as a topology file's `backend:` block, read from the cdktf context key
 * `idha:backend` (in cdktf.json: `"context": { "idha:backend": { "s3": { "bucket": ..., "region": ... } } }`).
 * Without it, the state is `terraform.iqservice.tfstate` beside cdktf.out, never inside it.
 */
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { AwsNlbTarget, AzureLoadBalancerTarget, BigipProvider, F5BigIpTarget, IqServiceHaPair, StateBackend, StateBackendConfig } from '../lib';

const SUBNET_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/' +
  'virtualNetworks/vnet-identity/subnets/snet-iqservice';

export class IqServiceStack extends TerraformStack {
  public readonly pair: IqServiceHaPair;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    StateBackend.addTo(this, this.node.tryGetContext('idha:backend') as StateBackendConfig | undefined);
    new AzurermProvider(this, 'azurerm', { features: [{}] });
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });
    const password = new TerraformVariable(this, 'bigip_password', { type: 'string', sensitive: true });
    new BigipProvider(this, 'bigip', { address: '192.0.2.10', username: 'admin', password: password.stringValue });

    this.pair = new IqServiceHaPair(this, 'iqservice', {
      primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
      secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },
      tlsPort: 5051,
      allowedClients: ['10.20.0.0/24'],
      targets: [
        new AzureLoadBalancerTarget({
          resourceGroupName: 'rg-identity',
          location: 'westeurope',
          subnetId: SUBNET_ID,
          networkSecurityGroupName: 'nsg-iqservice',
          networkSecurityGroupResourceGroupName: 'rg-network',
        }),
        new AwsNlbTarget({ vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'] }),
        new F5BigIpTarget({ virtualAddress: '10.0.0.50' }),
      ],
    });
  }
}

if (require.main === module) {
  const app = new App();
  new IqServiceStack(app, 'iqservice');
  app.synth();
}
