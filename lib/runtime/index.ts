/**
 * identity-ha/runtime: what runs on hosts and laptops (the shim and its checkers, the IQService
 * stand-in, the local proxy, the lab). TypeScript/Node only, outside the construct API, and free of
 * cdktf: the constructs never import it.
 */
export * from './log';
export * from './proc-net-tcp';
export * from './netstat';
export * from './service-check';
export * from './health-state';
export * from './flap-damping';
export * from './balancer-reports';
export * from './shim';
export * from './one-shot-check';
export * from './iq-framing';
export * from './iq-client';
export * from './mimic';
export * from './failover-proxy';
export * from './children';
export * from './lab';
