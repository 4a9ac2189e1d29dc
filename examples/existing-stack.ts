/**
 * Importing the construct into a stack you already have: your own (aliased) providers, and
 * network IDs that are Terraform references to data sources rather than literals.
 */
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsSubnets } from '@cdktf/provider-aws/lib/data-aws-subnets';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { DataAzurermSubnet } from '@cdktf/provider-azurerm/lib/data-azurerm-subnet';
import { DataAzurermVirtualNetwork } from '@cdktf/provider-azurerm/lib/data-azurerm-virtual-network';
import { AwsNlbTarget, AzureLoadBalancerTarget, IqServiceHaPair } from '../lib';

export class ExistingPlatformStack extends TerraformStack {
  public readonly pair: IqServiceHaPair;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // The user's providers, one of them aliased for the identity account.
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });
    const identityAccount = new AwsProvider(this, 'aws-identity', { region: 'eu-central-1', alias: 'identity' });
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    const vnet = new DataAzurermVirtualNetwork(this, 'vnet', { name: 'vnet-identity', resourceGroupName: 'rg-network' });
    const subnet = new DataAzurermSubnet(this, 'subnet', { name: 'snet-iqservice', virtualNetworkName: vnet.name, resourceGroupName: 'rg-network' });
    const vpc = new DataAwsVpc(this, 'vpc', { provider: identityAccount, tags: { Name: 'identity' } });
    const subnets = new DataAwsSubnets(this, 'subnets', { provider: identityAccount, filter: [{ name: 'vpc-id', values: [vpc.id] }] });

    this.pair = new IqServiceHaPair(this, 'iqservice', {
      primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
      secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },
      allowedClients: ['10.20.0.0/24'],
      targets: [
        new AzureLoadBalancerTarget({
          resourceGroupName: 'rg-identity',
          location: 'westeurope',
          subnetId: subnet.id,
          virtualNetworkId: vnet.id,
          networkSecurityGroupName: 'nsg-iqservice',
        }),
        new AwsNlbTarget({ vpcId: vpc.id, subnetIds: subnets.ids, provider: identityAccount }),
      ],
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ExistingPlatformStack(app, 'platform');
  app.synth();
}
