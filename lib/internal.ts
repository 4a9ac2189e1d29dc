/**
 * Everything the CLI, the tests and the benchmarks use, TypeScript only: the construct API of
 * `./index` plus the machinery behind the CLI (topology parsing, synth, output folder, renderers).
 * Not part of the jsii assembly; other languages use the facades in `./index` instead.
 */
export * from './core/address';
export * from './core/errors';
export * from './model/ha-service-model';
export * from './model/probe-policy';
export * from './model/failover-estimate';
export * from './platforms/target';
export * from './platforms/registry';
export * from './platforms/azure/azure-load-balancer-target';
export * from './platforms/azure/azure-load-balancer';
export * from './platforms/aws/aws-nlb-target';
export * from './platforms/aws/aws-network-load-balancer';
export * from './platforms/f5/f5-big-ip-target';
export * from './platforms/f5/f5-big-ip';
export * from './platforms/f5/bigip-provider';
export * from './platforms/f5/bigip-as3';
export * from './platforms/f5/as3-declaration';
export * from './platforms/f5/tmsh-commands';
export * from './iqservice/iqservice-ha-pair';
export * from './topology/topology';
export * from './synth/topology-app';
export * from './synth/synthesize';
export { commitRendered, RenderWorker, SynthInterruptedError, synthesizeTopologyInterruptibly } from './synth/synth-client';
export type { RenderJob, WorkerReply } from './synth/synth-client';
export * from './synth/state-backend';
export * from './synth/output-folder';
export * from './hosts/host-plan';
export * from './hosts/web-host-plan';
export * from './session-failover/session-failover-plan';
export * from './synth/snippet';
export * from './platforms/member-checks';
export * from './platforms/dns-checks';
export * from './platforms/azure-traffic-manager/azure-traffic-manager-target';
export * from './platforms/azure-traffic-manager/azure-traffic-manager';
export * from './platforms/aws-route53/aws-route53-failover-target';
export * from './platforms/aws-route53/aws-route53-failover';
export * from './platforms/haproxy/haproxy-target';
export * from './platforms/haproxy/haproxy-config';
export * from './topology/topology-facade';
export * from './cluster/failover-cluster';
export * from './platforms/keepalived/keepalived-target';
export * from './platforms/pacemaker/pacemaker-target';
export * from './platforms/wsfc/windows-failover-cluster-target';
export * from './platforms/cloud-cluster/load-balanced-cluster-target';
export * from './model/web-tier-model';
export * from './web-tier/ha-web-tier';
export * from './platforms/web-checks';
export * from './platforms/mod-jk/mod-jk-target';
export * from './platforms/mod-proxy-balancer/mod-proxy-balancer-target';
export * from './platforms/haproxy/haproxy-web-target';
export * from './platforms/aws-alb/aws-alb-target';
export * from './platforms/azure-appgw/azure-application-gateway-target';
export * from './platforms/azure-lb-web/azure-load-balancer-web-target';
export * from './platforms/f5-web/f5-web-target';
