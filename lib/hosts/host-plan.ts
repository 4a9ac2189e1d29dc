import { AddressKind, hostCidr } from '../core/address';
import { HaServiceModel, PoolMember } from '../model/ha-service-model';
import { commentText } from '../core/lang/internal';
import { psArg, psString } from '../core/lang/powershell';
import { shWord } from '../core/lang/shell';
import { systemdComment, systemdExec, systemdText } from '../core/lang/systemd';
import { windowsCommandLine } from '../core/lang/windows-args';
import { winswServiceXml } from '../core/lang/winsw';

/**
 * The host plan of a service: for each host, the exact `idha shim` command line, a systemd unit and a
 * WinSW service definition. One command per host serves every balancer: the health gate for those
 * with priorities, the priority gate for those without. Written by `idha synth` to
 * `snippets/<service>/hosts/<role>-<address>/`, so that nobody has to work out a flag.
 */

/** One file of the host plan, relative to `snippets/<service>/`. */
export interface HostPlanFile {
  readonly path: string;
  readonly content: string;
}

/** One host's shim: its folder and its arguments (after `idha`). */
export interface HostShim {
  readonly role: string;
  readonly address: string;
  /** Folder under `snippets/<service>/`, e.g. `hosts/primary-10.0.1.10`. */
  readonly folder: string;
  readonly args: string[];
}

function url(m: PoolMember, port: number): string {
  const host = m.address.kind === AddressKind.IPV6 ? `[${m.address.value}]` : m.address.value;
  return `http://${host}:${port}/healthz`;
}

/** The shim of each host, or none when the probe does not use the sidecar. */
export function hostShims(model: HaServiceModel): HostShim[] {
  const probe = model.pools[0].probe;
  if (!probe.usesSidecar) return [];
  const members = model.pools[0].members;
  const primary = members.find((m) => m.name === 'primary')!;
  const secondary = members.find((m) => m.name === 'secondary')!;
  const s = probe.sidecar;
  return [primary, secondary].map((m) => {
    const args = ['shim', '--bind', m.address.value, '--service-port', String(model.servicePorts[0])];
    // Watch this host's own listener only (a name cannot be matched against the socket table).
    if (m.address.kind !== AddressKind.DNS) args.push('--service-host', m.address.value);
    args.push(
      '--gate-port',
      String(probe.gatePort),
      '--priority-port',
      String(probe.priorityPort),
      '--health-port',
      String(probe.healthPort),
      '--agent-port',
      String(probe.agentPort),
      '--interval',
      String(s.checkIntervalSeconds),
      '--fall',
      String(s.fallCount),
      '--rise',
      String(s.riseCount),
      '--drain',
      '2',
      '--damp-half-life',
      String(s.dampHalfLifeSeconds),
      '--max-hold-down',
      String(s.maxHoldDownSeconds),
    );
    // The primary hears balancers that mark it down on connection errors (HAProxy's observe layer4
    // sends a syslog line to this port), and holds itself down instead of flapping back.
    if (m === primary)
      args.push(
        '--report-port',
        String(probe.reportPort),
        '--report-server',
        model.listeners.map((l) => `${model.name}-${l.name}/${m.name}`).join(','),
      );
    // Each host reads the other's shim for the priority gate.
    if (m === primary) args.push('--role', 'primary', '--peer', url(secondary, probe.healthPort), '--standby-poll', String(s.standbyPollSeconds));
    else
      args.push(
        '--role',
        'secondary',
        '--peer',
        url(primary, probe.healthPort),
        '--standby-poll',
        String(s.standbyPollSeconds),
        '--standby-fall',
        String(s.standbyFallCount),
        '--standby-rise',
        String(s.standbyFallCount),
      );
    return { role: m.name, address: m.address.value, folder: `hosts/${m.name}-${m.address.value.replace(/:/g, '-')}`, args };
  });
}

/**
 * Flap damping, in words and in the sidecar's own numbers: the failback estimates hold for a first
 * failure; a second within a half-life, or a balancer's report, holds the primary down.
 */
export function dampingNote(model: HaServiceModel): string[] {
  const probe = model.pools[0].probe;
  if (!probe.usesSidecar) return [];
  const s = probe.sidecar;
  if (s.maxHoldDownSeconds === 0) return ['flap damping is off (maxHoldDownSeconds 0): a flapping primary is taken back after every recovery'];
  const h = s.dampHalfLifeSeconds;
  const cap = (x: number) => Math.min(x, s.maxHoldDownSeconds);
  return [
    `flap damping: the failback times below are for a first failure; a second within ${h} s holds the primary down ` +
      `${cap(h)}-${cap(Math.round(h * Math.log2(2 / 0.75)))} s (the secondary serves), each further one about ${h} s more, up to ` +
      `${s.maxHoldDownSeconds} s`,
    `a balancer that marks the primary down while its shim finds it healthy (HAProxy observe layer4, reported to UDP ${probe.reportPort}) ` +
      `holds it down ${cap(Math.round(h * Math.log2(2 / 0.75)))} s`,
  ];
}

function gateNote(model: HaServiceModel, role: string): string[] {
  const probe = model.pools[0].probe;
  return [
    `two gates, one command: the health gate (TCP ${probe.gatePort}, GET /healthz on ${probe.healthPort}, agent ${probe.agentPort}) follows ` +
      `this host's service; HAProxy, F5 and DNS probe it and prefer the primary themselves.`,
    role === 'primary'
      ? `the priority gate (TCP ${probe.priorityPort}, GET /priority) is open here while the service is healthy and the secondary's is ` +
        `closed; Azure LB and AWS NLB probe it.`
      : `the priority gate (TCP ${probe.priorityPort}, GET /priority) opens here only while the primary's service is down; Azure LB and AWS ` +
        `NLB probe it.`,
  ];
}

/** Flags install.ps1 sets from its own parameters (each takes one value). */
const INSTALL_PS1_FLAGS: Record<string, string> = {
  '--bind': 'BindAddress',
  '--service-port': 'ServicePort',
  '--gate-port': 'GatePort',
  '--health-port': 'HealthPort',
  '--agent-port': 'AgentPort',
  '--peer': 'PeerUrl',
  '--priority-port': 'PriorityPort',
};

/**
 * The exact `install.ps1` line of the Windows host kit for one host: its role, ports and peer, the
 * other shim flags as -ExtraArguments, and as -ProbeSources the peer's address where the standby
 * polls the primary's health port.
 */
export function installPs1Line(model: HaServiceModel, h: HostShim, peer?: HostShim): string {
  const params = new Map<string, string>([['Role', h.role === 'primary' ? 'primary' : 'secondary']]);
  const extra: string[] = [];
  for (let i = 1; i < h.args.length; i++) {
    const flag = h.args[i];
    if (flag === '--service-host' || flag === '--role') {
      i++;
      continue;
    } // install.ps1 watches -BindAddress; -Role gives --role
    const name = INSTALL_PS1_FLAGS[flag];
    if (name) params.set(name, h.args[++i]);
    else extra.push(flag, ...(h.args[i + 1] !== undefined && !h.args[i + 1].startsWith('--') ? [h.args[++i]] : []));
  }
  // Each host's sidecar polls the other's health port.
  const sources = peer ? [hostCidr(peer.address)] : [];
  const order = ['Role', 'ServicePort', 'BindAddress', 'PeerUrl', 'GatePort', 'PriorityPort', 'HealthPort', 'AgentPort'];
  const parts = ['.\\install.ps1', ...order.filter((k) => params.has(k)).map((k) => `-${k} ${psArg(params.get(k)!)}`)];
  if (sources.length > 0) parts.push(`-ProbeSources ${sources.map(psArg).join(',')}`);
  if (extra.length > 0) parts.push(`-ExtraArguments ${psString(extra.join(' '))}`);
  return parts.join(' ');
}

/** Every file of the host plan (for the shims given, by default those of the model). */
export function hostPlan(model: HaServiceModel, shims: readonly HostShim[] = hostShims(model)): HostPlanFile[] {
  return shims.flatMap((h) => {
    const line = ['idha', ...h.args].map(shWord).join(' ');
    const command = [
      `# ${commentText('the host plan', `identity-ha ${model.name}, ${h.role} host ${h.address}: the sidecar to run there.`)}`,
      ...gateNote(model, h.role).map((n) => `# ${n}`),
      ...(h.role === 'primary' ? dampingNote(model).map((n) => `# ${n}`) : []),
      ...(h.args.includes('--service-host')
        ? []
        : ['# The host is named, not addressed: --bind resolves the name; the shim watches port ' + model.servicePorts[0] + ' on any address.']),
      '# Linux (npm install -g identity-ha), or as the systemd unit beside this file:',
      line,
      '# Windows (Node.js and identity-ha installed), or as the WinSW service beside this file:',
      `node ${windowsCommandLine(['C:\\Program Files\\identity-ha\\bin\\idha.js', ...h.args])}`,
      '',
    ].join('\n');
    const unit = [
      systemdComment(`identity-ha ${model.name}: sidecar of the ${h.role} host ${h.address}.`),
      '# Install: copy to /etc/systemd/system/idha-shim.service, then: systemctl enable --now idha-shim',
      '[Unit]',
      `Description=${systemdText(`identity-ha probe sidecar for ${model.name} (${h.role})`)}`,
      'After=network-online.target',
      'Wants=network-online.target',
      '',
      '[Service]',
      'Type=simple',
      `ExecStart=${systemdExec(['/usr/bin/env', 'idha', ...h.args])}`,
      'Restart=always',
      'RestartSec=1',
      '# SIGTERM: the shim closes the gate, answers 503 and "drain" for 2 s, then exits 0.',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=10',
      'DynamicUser=yes',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n');
    const xml = winswServiceXml({
      comment: [
        `identity-ha ${model.name}: sidecar of the ${h.role} host ${h.address}, as a Windows service with WinSW:`,
        'put WinSW-x64.exe beside this file as idha-shim.exe, then in an elevated PowerShell: .\\idha-shim.exe install ; .\\idha-shim.exe start',
      ],
      id: 'idha-shim',
      name: `identity-ha probe sidecar (${model.name}, ${h.role})`,
      description: 'Publishes IQService health on a health gate, a priority gate, GET /healthz and the HAProxy agent protocol.',
      executable: 'C:\\Program Files\\nodejs\\node.exe',
      arguments: ['C:\\Program Files\\identity-ha\\bin\\idha.js', ...h.args],
      stopTimeoutSeconds: 10,
      restartOnFailure: true,
      log: { sizeKiB: 10240, keepFiles: 5 },
    });
    const peer = shims.find((o) => o !== h);
    const install = [
      `# identity-ha ${model.name}, ${h.role} host ${h.address}: the Windows host kit (identity-ha-shim-<version>-win-x64.zip, npm run ` +
        `build:windows).`,
      '# Unzip it on the host and run, in an elevated PowerShell in that folder:',
      installPs1Line(model, h, peer),
      '# -ProbeSources: add the addresses your balancers probe from (a comma-separated list of CIDRs): Azure Load Balancer',
      '# 168.63.129.16/32; an AWS NLB its subnets; HAProxy and F5 their own addresses. Without them no firewall rule is added.',
      '',
    ].join('\r\n');
    return [
      { path: `${h.folder}/shim-command.txt`, content: command },
      { path: `${h.folder}/install-command.txt`, content: install },
      { path: `${h.folder}/idha-shim.service`, content: unit },
      { path: `${h.folder}/idha-shim.xml`, content: xml },
    ];
  });
}
