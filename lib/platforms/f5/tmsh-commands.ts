import { AddressKind } from '../../core/address';
import { lintIgnore, NOISY_PROBE_CHOSEN } from '../../core/lint-ignore';
import { ConnectionAction, HaServiceModel, membersByPriority, poolOf } from '../../model/ha-service-model';
import { ProbeKind } from '../../model/probe-policy';
import { f5Names } from './as3-declaration';
import { ResolvedF5Props } from './service-target';
import { tmshWord as w } from '../../core/lang/as3';
import { commentText } from '../../core/lang/internal';

/** `addr:port` in tmsh syntax (`addr.port` for IPv6). */
function endpoint(address: string, port: number): string {
  return w(address.includes(':') ? `${address}.${port}` : `${address}:${port}`);
}

/**
 * The tmsh commands equivalent to the AS3 declaration, for pasting into a BIG-IP shell.
 * Objects go to /Common with names prefixed `idha_<service>_`.
 */
export function buildTmshCommands(model: HaServiceModel, t: ResolvedF5Props): string {
  const n = f5Names(model);
  const prefix = w(`idha_${n.base}_`);
  const probe = model.pools[0].probe;
  const monitorName = `${prefix}monitor`;
  const lines: string[] = [
    `# ${commentText('tmsh', `identity-ha ${model.name}`)}: prefer primary (priority group ${t.primaryPriorityGroup}), secondary (priority ` +
      `group ${t.secondaryPriorityGroup}) only while the primary is down.`,
    '# Paste into tmsh (run `tmsh` first), then `save sys config`.',
  ];
  const timing = `interval ${t.intervalSeconds} timeout ${t.timeoutSeconds}`;
  switch (probe.kind) {
    case ProbeKind.SIDECAR_GATE:
      lines.push(
        `create ltm monitor tcp-half-open ${monitorName} { ${timing} destination *:${probe.gatePort} description "identity-ha sidecar gate" }`,
      );
      break;
    case ProbeKind.SIDECAR_HTTP:
      lines.push(
        `create ltm monitor http ${monitorName} { ${timing} destination *:${probe.healthPort} send "GET ${w(probe.path ?? '/healthz')} ` +
          `HTTP/1.1\\r\\nHost: idha\\r\\nConnection: close\\r\\n\\r\\n" recv "HTTP/1.1 200" }`,
      );
      break;
    case ProbeKind.TCP_HALF_OPEN:
      lines.push(`create ltm monitor tcp-half-open ${monitorName} { ${timing} }`);
      break;
    case ProbeKind.TCP_CONNECT:
      lines.push(`# WARNING: a full TCP probe on the service port makes IQService log a malformed request on every probe.`);
      lines.push(`# ${lintIgnore('IDHA-F5-001', `${NOISY_PROBE_CHOSEN} in the topology`)}`);
      lines.push(`create ltm monitor tcp ${monitorName} { ${timing} }`);
      break;
    default:
      throw new Error(`internal: no tmsh monitor for ${probe.kind}`);
  }
  const profileName = `${prefix}fastl4`;
  lines.push(
    `create ltm profile fastl4 ${profileName} { defaults-from fastL4 idle-timeout ${model.connections.idleTimeoutMinutes * 60} description ` +
      `"identity-ha idle timeout" }`,
  );
  const dnsMembers = model.pools[0].members.filter((m) => m.address.kind === AddressKind.DNS);
  for (const m of dnsMembers)
    lines.push(`create ltm node ${w(m.address.value)} { fqdn { name ${w(m.address.value)} autopopulate disabled interval 60 } }`);
  const sources = model.allowedClients.filter((c) => !(c === '0.0.0.0/0' || c === '::/0'));
  for (const listener of model.listeners) {
    const pool = poolOf(model, listener);
    const poolName = w(`${prefix}${n.pool(pool.name)}`);
    const members = membersByPriority(pool).map((m) => {
      const pg = m.name === 'primary' ? t.primaryPriorityGroup : t.secondaryPriorityGroup;
      return `${endpoint(m.address.value, m.port)} { priority-group ${pg} description ${m.name} }`;
    });
    lines.push(
      `create ltm pool ${poolName} { members add { ${members.join(' ')} } min-active-members 1 load-balancing-mode round-robin ` +
        `service-down-action ${model.connections.onFailover === ConnectionAction.RESET ? 'reset' : 'none'} monitor ${monitorName} }`,
    );
    const srcs = sources.length === 0 ? [undefined] : sources;
    srcs.forEach((src, i) => {
      const vsName = w(`${prefix}${n.service(listener.name)}${srcs.length > 1 ? `_${i + 1}` : ''}`);
      const snat = t.snat === 'auto' ? 'source-address-translation { type automap }' : 'source-address-translation { type none }';
      lines.push(
        `create ltm virtual ${vsName} { destination ${endpoint(t.virtualAddress, listener.port)}${src ? ` source ${w(src)}` : ''} ` +
          `ip-protocol tcp profiles replace-all-with { ${profileName} } pool ${poolName} persist none ${snat} }`,
      );
    });
  }
  lines.push('save sys config');
  return lines.join('\n') + '\n';
}
