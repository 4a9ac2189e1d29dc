import { AddressKind } from '../../core/address';
import { lintIgnore, NOISY_PROBE_CHOSEN } from '../../core/lint-ignore';
import { ConnectionAction, HaServiceModel, membersByPriority, poolOf } from '../../model/ha-service-model';
import { ProbeKind, ResolvedProbePolicy } from '../../model/probe-policy';
import { ResolvedF5Props } from './service-target';
import { as3Name } from '../../core/lang/as3';

/** AS3 schema version the declarations are written for (vendor/f5-as3/as3-schema.json). */
export const AS3_SCHEMA_VERSION = '3.56.0';

/** Object names inside the AS3 application (also used, prefixed, by tmsh). */
export function f5Names(model: HaServiceModel) {
  const ident = (s: string) => s.replace(/-/g, '_');
  return {
    monitor: 'idha_monitor',
    profileL4: 'idha_fastl4',
    service: (listenerName: string) => as3Name(`${ident(listenerName)}_vs`),
    pool: (poolName: string) => as3Name(`${ident(poolName)}_pool`),
    ident,
    base: ident(model.name),
  };
}

/** The AS3 Monitor for a probe policy. Half-open wherever possible: no probe is ever accepted by IQService. */
export function as3Monitor(probe: ResolvedProbePolicy, t: ResolvedF5Props): Record<string, unknown> {
  const timing = { interval: t.intervalSeconds, timeout: t.timeoutSeconds };
  switch (probe.kind) {
    case ProbeKind.SIDECAR_GATE:
      return {
        class: 'Monitor',
        remark: `identity-ha sidecar gate port ${probe.gatePort}`,
        monitorType: 'tcp-half-open',
        targetPort: probe.gatePort,
        ...timing,
      };
    case ProbeKind.SIDECAR_HTTP:
      return {
        class: 'Monitor',
        remark: `identity-ha sidecar GET ${probe.path} on ${probe.healthPort}`,
        monitorType: 'http',
        targetPort: probe.healthPort,
        send: `GET ${probe.path} HTTP/1.1\r\nHost: idha\r\nConnection: close\r\n\r\n`,
        receive: 'HTTP/1.1 200',
        ...timing,
      };
    case ProbeKind.TCP_HALF_OPEN:
      return { class: 'Monitor', remark: 'half-open on the service port: SYN, SYN-ACK, RST', monitorType: 'tcp-half-open', ...timing };
    case ProbeKind.TCP_CONNECT:
      // The remark is what `idha lint` reads as the suppression (AS3 allows 64 characters).
      return { class: 'Monitor', remark: lintIgnore('IDHA-F5-001', NOISY_PROBE_CHOSEN), monitorType: 'tcp', ...timing };
    default:
      throw new Error(`internal: no F5 monitor for probe kind ${probe.kind}`);
  }
}

/**
 * Builds an AS3 declaration for the service: one FastL4 virtual (Service_L4) per listener and
 * allowed client block, a Pool with priority groups and minimumMembersActive 1, one Monitor, and no
 * persistence so that traffic fails back to the primary.
 */
export function buildAs3Declaration(model: HaServiceModel, t: ResolvedF5Props): Record<string, unknown> {
  const n = f5Names(model);
  const app: Record<string, unknown> = {
    class: 'Application',
    remark: 'identity-ha: prefer primary, secondary only on failure',
  };
  const sources = model.allowedClients.filter((c) => !(c === '0.0.0.0/0' || c === '::/0'));
  for (const listener of model.listeners) {
    const pool = poolOf(model, listener);
    app[n.service(listener.name)] = {
      class: 'Service_L4',
      remark: `${listener.protocol} ${listener.port}${listener.protocol === 'tls-passthrough' ? ', TLS not terminated' : ''}`,
      virtualAddresses: sources.length === 0 ? [t.virtualAddress] : sources.map((c) => [t.virtualAddress, c]),
      virtualPort: listener.port,
      layer4: 'tcp',
      pool: n.pool(pool.name),
      profileL4: { use: n.profileL4 },
      persistenceMethods: [],
      snat: t.snat,
    };
    const members = membersByPriority(pool);
    app[n.pool(pool.name)] = {
      class: 'Pool',
      loadBalancingMode: 'round-robin',
      minimumMembersActive: 1,
      serviceDownAction: model.connections.onFailover === ConnectionAction.RESET ? 'reset' : 'none',
      monitors: [{ use: n.monitor }],
      members: members.map((m) => {
        const priorityGroup = m.name === 'primary' ? t.primaryPriorityGroup : t.secondaryPriorityGroup;
        const base = { servicePort: m.port, priorityGroup, remark: m.name, shareNodes: true };
        return m.address.kind === AddressKind.DNS
          ? { ...base, addressDiscovery: 'fqdn', hostname: m.address.value, autoPopulate: false, queryInterval: 60 }
          : { ...base, serverAddresses: [m.address.value] };
      }),
    };
  }
  app[n.monitor] = as3Monitor(model.pools[0].probe, t);
  app[n.profileL4] = { class: 'L4_Profile', remark: 'identity-ha idle timeout', idleTimeout: model.connections.idleTimeoutMinutes * 60 };
  return {
    class: 'AS3',
    action: 'deploy',
    persist: true,
    declaration: {
      class: 'ADC',
      schemaVersion: AS3_SCHEMA_VERSION,
      id: `identity-ha-${model.name}`,
      label: `identity-ha ${model.name}`,
      [as3Name(t.tenant)]: {
        class: 'Tenant',
        [as3Name(t.application)]: app,
      },
    },
  };
}
