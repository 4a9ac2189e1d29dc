import { commentText } from '../../core/lang/internal';
import { psArg, psString } from '../../core/lang/powershell';
import { shWord } from '../../core/lang/shell';
import { systemdComment, systemdExec, systemdText } from '../../core/lang/systemd';
import { windowsCommandLine } from '../../core/lang/windows-args';
import { winswServiceXml } from '../../core/lang/winsw';
import { Snippet } from '../../model/snippet';
import type { ResolvedClientProxySettings } from './service-target';

/** What the client host plan is rendered from (checked values only). */
export interface ClientPlanSpec {
  readonly service: string;
  readonly settings: ResolvedClientProxySettings;
  readonly listeners: ReadonlyArray<{
    readonly name: string;
    readonly port: number;
    readonly tls: boolean;
    readonly statsPort: number;
    /** host:port of the primary, IPv6 in brackets. */
    readonly primary: string;
    readonly secondary: string;
  }>;
  /** The primary shim's /healthz, when the probe uses the shim. */
  readonly primaryHealthUrl?: string;
  readonly healthPort?: number;
  readonly idleTimeoutSeconds: number;
  readonly cutSecondaryOnFailback: boolean;
  readonly hosts: ReadonlyArray<{ readonly role: string; readonly address: string }>;
}

/** The proxy settings a client host gets unless the topology says otherwise (the target's defaults; `idha lab --strategy client-side`). */
export const CLIENT_PROXY_DEFAULTS = {
  listenAddress: '127.0.0.1',
  connectTimeoutSeconds: 0.5,
  healthPollSeconds: 0.25,
  markDownAfter: 3,
  markDownWindowSeconds: 10,
  markDownHoldSeconds: 60,
  statsPort: 15055,
  maxConnections: 1000,
  drainSeconds: 5,
} as const;

const hostPort = (address: string, port: number) => `${address.includes(':') ? `[${address}]` : address}:${port}`;

/** What one proxy's command line is made of: the plan's settings, without its clients and hosts. */
export type ProxyArgsSpec = Pick<ClientPlanSpec, 'primaryHealthUrl' | 'idleTimeoutSeconds' | 'cutSecondaryOnFailback'> & {
  readonly settings: Omit<ClientPlanSpec['settings'], 'clients'>;
};

/** The `idha proxy` arguments (after `idha`) of one listener's proxy: the same on every client host. */
export function proxyArgs(spec: ProxyArgsSpec, l: ClientPlanSpec['listeners'][number]): string[] {
  const s = spec.settings;
  const args = ['proxy', '--listen', hostPort(s.listenAddress, l.port), '--primary', l.primary, '--secondary', l.secondary];
  if (spec.primaryHealthUrl) args.push('--primary-health', spec.primaryHealthUrl, '--health-poll', String(s.healthPollSeconds));
  args.push(
    '--connect-timeout',
    String(s.connectTimeoutSeconds),
    '--mark-down-after',
    String(s.markDownAfter),
    '--mark-down-window',
    String(s.markDownWindowSeconds),
    '--mark-down-hold',
    String(s.markDownHoldSeconds),
    '--stats-port',
    String(l.statsPort),
    '--max-connections',
    String(s.maxConnections),
    '--idle-timeout',
    String(spec.idleTimeoutSeconds),
    '--drain',
    String(s.drainSeconds),
  );
  if (spec.cutSecondaryOnFailback) args.push('--cut-secondary-on-failback');
  return args;
}

/** The unit's name for one listener, e.g. `idha-proxy-iq`. */
const unitName = (l: { name: string }) => `idha-proxy-${l.name}`;

/** The systemd sandbox of every proxy unit (`systemd-analyze security` rates it 3.0 OK; the integ test checks it). */
const SANDBOX = [
  'DynamicUser=yes',
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectProc=invisible',
  'ProcSubset=pid',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  '# Node.js compiles JavaScript at run time: W^X memory would stop it.',
  'MemoryDenyWriteExecute=no',
  'SystemCallArchitectures=native',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'UMask=0077',
];

/**
 * The host plan of the client-side strategy: an overview (`clients/README.txt`), and per client host
 * its command lines (`proxy-command.txt`) and, per listener, a systemd unit (Linux) or a WinSW service
 * definition (Windows).
 */
export function renderClientPlan(spec: ClientPlanSpec): Snippet[] {
  const s = spec.settings;
  const files: Snippet[] = [{ kind: 'client-proxy', fileName: 'clients/README.txt', content: overview(spec) }];
  for (const c of s.clients) {
    const folder = `clients/${c.name}`;
    const lines = [
      `# ${commentText('the host plan', `identity-ha ${spec.service}, client host ${c.name} (${c.address}): its local failover proxy.`)}`,
      ...sourceChange(spec).map((x) => `# ${x}`),
      '',
    ];
    for (const l of spec.listeners) {
      const args = proxyArgs(spec, l);
      lines.push(`# ${l.tls ? 'TLS (passed through byte for byte; the proxy never terminates it)' : 'IQService'} port ${l.port}:`);
      if (c.os === 'windows') {
        lines.push(`node ${windowsCommandLine(['C:\\Program Files\\identity-ha\\bin\\idha.js', ...args])}`);
        lines.push(`# or as a service: the host kit's line in install-command.txt, or the WinSW service ${unitName(l)}.xml beside this file.`);
      } else {
        lines.push(['idha', ...args].map(shWord).join(' '));
        lines.push(`# or as the systemd unit ${unitName(l)}.service beside this file.`);
      }
      lines.push('');
    }
    files.push({ kind: 'client-proxy-host', fileName: `${folder}/proxy-command.txt`, content: lines.join('\n'), node: c.name });
    if (c.os === 'windows')
      files.push({ kind: 'client-proxy-host', fileName: `${folder}/install-command.txt`, content: kitLines(spec, c), node: c.name });
    for (const l of spec.listeners) {
      const args = proxyArgs(spec, l);
      if (c.os === 'windows') {
        files.push({ kind: 'client-proxy-host', fileName: `${folder}/${unitName(l)}.xml`, content: winsw(spec, c, l, args), node: c.name });
      } else {
        files.push({ kind: 'client-proxy-host', fileName: `${folder}/${unitName(l)}.service`, content: unit(spec, c, l, args), node: c.name });
      }
    }
  }
  return files;
}

/** The Windows host kit's install.ps1 lines, one service per listener (the kit's exe runs `proxy`). */
export function kitLines(spec: ClientPlanSpec, c: { name: string; address: string }): string {
  return [
    `# identity-ha ${spec.service}, client host ${c.name} (${c.address}): the Windows host kit (identity-ha-shim-<version>-win-x64.zip, npm run ` +
      `build:windows).`,
    '# Unzip it on the host and run, in an elevated PowerShell in that folder, one line per IQService port:',
    ...spec.listeners.map(
      (l) => `.\\install.ps1 -Role proxy -ServiceName ${psArg(unitName(l))} -ProxyArguments ${psString(proxyArgs(spec, l).slice(1).join(' '))}`,
    ),
    '# Each service runs idha-shim.exe proxy with these arguments, starts with Windows and restarts 1 s after a failure; stopping',
    `# it drains open connections for ${spec.settings.drainSeconds} s. No firewall rule is added: the proxy listens on ` +
      `${spec.settings.listenAddress}.`,
    '',
  ].join('\r\n');
}

/** The one change in IdentityIQ: the application's IQService host and port. */
function sourceChange(spec: ClientPlanSpec): string[] {
  const s = spec.settings;
  const tls = spec.listeners.find((l) => l.tls);
  const stats = spec.listeners.map((l) => hostPort(s.listenAddress, l.statsPort)).join(' and ');
  return [
    `In IdentityIQ (or the gateway), set the application's IQService Host to ${s.listenAddress} and IQService Port to ${spec.listeners[0].port}` +
      (tls ? ` (TLS: IQService TLS Port ${tls.port}; the certificate checks are unchanged: the proxy passes TLS through)` : '') +
      '. Nothing else changes.',
    `Each proxy serves GET /healthz and Prometheus GET /metrics on ${stats}.`,
  ];
}

function overview(spec: ClientPlanSpec): string {
  const s = spec.settings;
  const out = [
    `# ${commentText('the host plan', `identity-ha ${spec.service}: client-side failover, with no load balancer or DNS service between the sites.`)}`,
    '#',
    '# Every client host runs its own idha proxy (npm install -g identity-ha on Linux; Node.js and identity-ha on Windows).',
    "# Each new connection goes to the primary; while the primary's shim reports it down, or when a connect to it fails, the same",
    '# connection goes to the secondary. The IQService hosts keep their shims (hosts/ beside this folder) as they are.',
    '#',
    ...sourceChange(spec).map((x) => `# ${x}`),
    '#',
    '# Client hosts:',
    ...s.clients.map((c) => `#   ${c.name}  ${c.address}  ${c.os}: clients/${c.name}/`),
    '#',
    '# On the IQService hosts, let every client host reach:',
    ...spec.hosts.map(
      (h) =>
        `#   ${h.role} ${h.address}: TCP ${spec.listeners.map((l) => l.port).join(', ')}` +
        (spec.healthPort !== undefined && h.role === 'primary' ? ` and the shim's health port ${spec.healthPort} (GET /healthz)` : ''),
    ),
    '# (Windows host kit: add the clients to install.ps1 -ProbeSources, e.g. ' + s.clients.map((c) => hostPortless(c.address)).join(',') + ').',
    '',
  ];
  return out.join('\n');
}

const hostPortless = (address: string) => `${address}/${address.includes(':') ? 128 : 32}`;

function unit(spec: ClientPlanSpec, c: { name: string; address: string }, l: ClientPlanSpec['listeners'][number], args: string[]): string {
  return [
    systemdComment(`identity-ha ${spec.service}: the failover proxy for port ${l.port} on client host ${c.name} (${c.address}).`),
    `# Install: npm install -g identity-ha; copy to /etc/systemd/system/${unitName(l)}.service, then: systemctl enable --now ${unitName(l)}`,
    '[Unit]',
    `Description=${systemdText(`identity-ha failover proxy to IQService ${spec.service} port ${l.port} (prefer the primary)`)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${systemdExec(['/usr/bin/env', 'idha', ...args])}`,
    'Restart=always',
    'RestartSec=1',
    `# SIGTERM: the proxy stops accepting and gives open connections ${spec.settings.drainSeconds} s to finish.`,
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${spec.settings.drainSeconds + 5}`,
    ...SANDBOX,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function winsw(spec: ClientPlanSpec, c: { name: string; address: string }, l: ClientPlanSpec['listeners'][number], args: string[]): string {
  return winswServiceXml({
    comment: [
      `identity-ha ${spec.service}: the failover proxy for port ${l.port} on client host ${c.name} (${c.address}),`,
      `as a Windows service with WinSW: put WinSW-x64.exe beside this file as ${unitName(l)}.exe, then in an elevated PowerShell:`,
      `.\\${unitName(l)}.exe install ; .\\${unitName(l)}.exe start`,
    ],
    id: unitName(l),
    name: `identity-ha failover proxy (${spec.service}, port ${l.port})`,
    description: 'Sends IQService connections to the primary, and to the secondary while the primary is down.',
    executable: 'C:\\Program Files\\nodejs\\node.exe',
    arguments: ['C:\\Program Files\\identity-ha\\bin\\idha.js', ...args],
    stopTimeoutSeconds: spec.settings.drainSeconds + 5,
    restartOnFailure: true,
    log: { sizeKiB: 10240, keepFiles: 5 },
  });
}
