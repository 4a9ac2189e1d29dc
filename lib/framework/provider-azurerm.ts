/**
 * The one module of lib/ that imports the AzureRM provider bindings, by deep import
 * (`@cdktf/provider-azurerm`; `@cdktn/provider-azurerm` in the CDK Terrain build, which rewrites only
 * the package names in lib/framework/). A binding renamed between the two lines is mapped here.
 *
 * Each binding loads when first used, not when identity-ha loads: on CDK Terrain the AzureRM provider
 * is optional (its 16.1.0 declares `cdktn ^0.23.0`, so installing it beside cdktn 0.24 takes an npm
 * override; see docs/cdk-terrain.md), and a stack without Azure targets must work without it.
 */
import type * as mApplicationGateway from '@cdktf/provider-azurerm/lib/application-gateway';
import type * as mLb from '@cdktf/provider-azurerm/lib/lb';
import type * as mLbBackendAddressPool from '@cdktf/provider-azurerm/lib/lb-backend-address-pool';
import type * as mLbBackendAddressPoolAddress from '@cdktf/provider-azurerm/lib/lb-backend-address-pool-address';
import type * as mLbProbe from '@cdktf/provider-azurerm/lib/lb-probe';
import type * as mLbRule from '@cdktf/provider-azurerm/lib/lb-rule';
import type * as mNetworkSecurityRule from '@cdktf/provider-azurerm/lib/network-security-rule';
import type * as mAzurermProvider from '@cdktf/provider-azurerm/lib/provider';
import type * as mTrafficManagerExternalEndpoint from '@cdktf/provider-azurerm/lib/traffic-manager-external-endpoint';
import type * as mTrafficManagerProfile from '@cdktf/provider-azurerm/lib/traffic-manager-profile';
import { lazyClass } from './lazy';

const PACKAGE = '@cdktf/provider-azurerm';

export type ApplicationGateway = mApplicationGateway.ApplicationGateway;
export const ApplicationGateway = lazyClass(
  PACKAGE,
  () => (require('@cdktf/provider-azurerm/lib/application-gateway') as typeof mApplicationGateway).ApplicationGateway,
);
export type Lb = mLb.Lb;
export const Lb = lazyClass(PACKAGE, () => (require('@cdktf/provider-azurerm/lib/lb') as typeof mLb).Lb);
export type LbBackendAddressPool = mLbBackendAddressPool.LbBackendAddressPool;
export const LbBackendAddressPool = lazyClass(
  PACKAGE,
  () => (require('@cdktf/provider-azurerm/lib/lb-backend-address-pool') as typeof mLbBackendAddressPool).LbBackendAddressPool,
);
export type LbBackendAddressPoolAddress = mLbBackendAddressPoolAddress.LbBackendAddressPoolAddress;
export const LbBackendAddressPoolAddress = lazyClass(
  PACKAGE,
  () => (require('@cdktf/provider-azurerm/lib/lb-backend-address-pool-address') as typeof mLbBackendAddressPoolAddress).LbBackendAddressPoolAddress,
);
export type LbProbe = mLbProbe.LbProbe;
export const LbProbe = lazyClass(PACKAGE, () => (require('@cdktf/provider-azurerm/lib/lb-probe') as typeof mLbProbe).LbProbe);
export type LbRule = mLbRule.LbRule;
export const LbRule = lazyClass(PACKAGE, () => (require('@cdktf/provider-azurerm/lib/lb-rule') as typeof mLbRule).LbRule);
export type NetworkSecurityRule = mNetworkSecurityRule.NetworkSecurityRule;
export const NetworkSecurityRule = lazyClass(
  PACKAGE,
  () => (require('@cdktf/provider-azurerm/lib/network-security-rule') as typeof mNetworkSecurityRule).NetworkSecurityRule,
);
export type AzurermProvider = mAzurermProvider.AzurermProvider;
export const AzurermProvider = lazyClass(PACKAGE, () => (require('@cdktf/provider-azurerm/lib/provider') as typeof mAzurermProvider).AzurermProvider);
export type TrafficManagerExternalEndpoint = mTrafficManagerExternalEndpoint.TrafficManagerExternalEndpoint;
export const TrafficManagerExternalEndpoint = lazyClass(
  PACKAGE,
  () =>
    (require('@cdktf/provider-azurerm/lib/traffic-manager-external-endpoint') as typeof mTrafficManagerExternalEndpoint)
      .TrafficManagerExternalEndpoint,
);
export type TrafficManagerProfile = mTrafficManagerProfile.TrafficManagerProfile;
export const TrafficManagerProfile = lazyClass(
  PACKAGE,
  () => (require('@cdktf/provider-azurerm/lib/traffic-manager-profile') as typeof mTrafficManagerProfile).TrafficManagerProfile,
);
