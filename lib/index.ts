/**
 * identity-ha: the construct API, compiled by jsii for TypeScript, Python, Java, C# and Go.
 *
 * Everything exported here is jsii-clean (structs, enums, classes, `I*` interfaces). What the CLI
 * does is reachable through the facades `Topology` and `Snippets`. The TypeScript-only machinery
 * (topology parsing, synth, output folder, renderers) is in `identity-ha/internal`; the host runtime
 * (shim, proxy, mimic, lab) is in `identity-ha/runtime`.
 */
export { AddressKind, HostAddress } from './core/address';
export { Problem, Problems } from './core/errors';
export {
  ListenerProtocol,
  HaStrategy,
  PoolSelection,
  CookieStickiness,
  ServiceListener,
  PoolMember,
  ServicePool,
  NodeSet,
  ConnectionAction,
  SidecarMode,
  ConnectionPolicy,
  HaServiceModel,
} from './model/ha-service-model';
export { ProbeKind, SidecarTimingProps, ProbePolicyProps, ResolvedSidecarTiming, ResolvedProbePolicy } from './model/probe-policy';
export { FailoverTerm, FailoverEstimate, BalancerTiming, SidecarEstimateTerms } from './model/failover-estimate';
export * from './model/service-target';
export * from './model/snippet';
export { AzureProbeTimingProps, AzureLoadBalancerTargetProps, AzureLoadBalancerTarget } from './platforms/azure-lb/service-target';
export { AwsHealthCheckProps, AwsNlbTargetProps, AwsNlbTarget } from './platforms/aws-nlb/service-target';
export { F5MonitorTimingProps, F5Snat, F5BigIpTargetProps, F5BigIpTarget } from './platforms/f5/service-target';
export { BigipProviderConfig, BigipProvider } from './platforms/f5/bigip-provider';
export * from './platforms/f5/bigip-as3';
export {
  TrafficManagerMonitorProps,
  AzureTrafficManagerTargetProps,
  AzureTrafficManagerTarget,
} from './platforms/azure-traffic-manager/service-target';
export {
  Route53HealthCheckProps,
  Route53HealthMetricProps,
  AwsRoute53FailoverTargetProps,
  AwsRoute53FailoverTarget,
} from './platforms/aws-route53/service-target';
export { HaproxyTarget, HaproxyTargetProps } from './platforms/haproxy/service-target';
export { ClientHostOs, ClientHostProps, ClientProxyTarget, ClientProxyTargetProps } from './platforms/client-proxy/service-target';
export * from './constructs/iqservice-ha-pair';
export {
  SessionFailoverServer,
  SessionFailoverProps,
  SessionFailoverTie,
  SessionFailoverServerPlan,
  SessionFailoverSurvival,
  SessionFailoverPlan,
} from './session-failover/session-failover-plan';
export { LocalStateConfig, S3StateConfig, AzurermStateConfig, StateBackendConfig, StateBackend } from './topology/state-backend';
export { Topology, TopologySynthOptions, TopologySynthResult, SynthesizedStack, Snippets } from './synth/topology-facade';
export { HostSidecar } from './synth/synthesize';
export { Preemption, ClusterCheckKind, IClusterTarget, ClusterTargetBase, ResolvedClusterCheck, FailoverClusterModel } from './model/cluster-model';
export { ClusterHealthCheckProps, ClusterNodeProps, FailoverClusterProps, FailoverCluster } from './constructs/failover-cluster';
export { KeepalivedTargetProps, KeepalivedNodeConfig, KeepalivedTarget } from './platforms/keepalived/cluster-target';
export { PacemakerTargetProps, PacemakerTarget } from './platforms/pacemaker/cluster-target';
export { WindowsFailoverClusterTargetProps, WindowsFailoverClusterTarget } from './platforms/wsfc/cluster-target';
export { LoadBalancedClusterTargetProps, LoadBalancedClusterTarget } from './platforms/load-balanced-cluster/cluster-target';
export { WebPoolMember, HttpHealthCheck, WebPool, WebTierModel, IWebTierTarget, WebTierTargetBase, BalancerHostSteps } from './model/web-tier-model';
export { TomcatNodeProps, WebApplicationProps, WebHealthCheckProps, BalancerStandbyProps, HaWebTierProps, HaWebTier } from './constructs/ha-web-tier';
export { ModJkTargetProps, ModJkTarget } from './platforms/mod-jk/web-target';
export { ModProxyBalancerTargetProps, ModProxyBalancerTarget } from './platforms/mod-proxy-balancer/web-target';
export { HaproxyWebTargetProps, HaproxyWebTarget } from './platforms/haproxy/web-target';
export { AwsAlbTargetProps, AwsAlbTarget } from './platforms/aws-alb/web-target';
export { AzureApplicationGatewayTargetProps, AzureApplicationGatewayTarget } from './platforms/azure-appgw/web-target';
export { AzureLoadBalancerWebTargetProps, AzureLoadBalancerWebTarget } from './platforms/azure-lb/web-target';
export { F5WebTargetProps, F5WebTarget } from './platforms/f5/web-target';
export { Claim } from './model/claim';
