import { checkOneOf, checkPort } from '../core/checks';
import { checkLimit, SIDECAR_LIMITS } from '../core/limits';
import { Problems } from '../core/errors';

/** The log line IQService writes for every connection that closes without a request. */
export const IQSERVICE_MALFORMED_LOG_LINE =
  'RpcHandler ERROR : "Malformed request received from client - <IP>:<PORT>. Received header length as - Error in parsing - Input string was ' +
  'not in a correct format."';

/** How the balancer decides whether a member is healthy. */
export enum ProbeKind {
  /**
   * TCP connect to the identity-ha probe sidecar's gate port on each host. The gate listens only
   * while the service is healthy (and, on a standby host, only while the primary is not). The
   * service port is never touched. Default everywhere.
   */
  SIDECAR_GATE = 'sidecar-gate',
  /** HTTP GET on the sidecar's health port (`/healthz`); never on the service port. */
  SIDECAR_HTTP = 'sidecar-http',
  /** SYN, SYN-ACK, RST on the service port: the application never accepts a connection. F5 only. */
  TCP_HALF_OPEN = 'tcp-half-open',
  /**
   * Full TCP connect and close on the service port. IQService logs a malformed request for each
   * probe. Needs `allowNoisyTcpProbe: true`.
   */
  TCP_CONNECT = 'tcp-connect',
  /** HTTP GET on the service port. Always rejected for IQService (it does not speak HTTP). */
  HTTP = 'http',
}

/** Timing of the probe sidecar (`idha shim`) that the gate-port and sidecar-HTTP probes rely on. */
export interface SidecarTimingProps {
  /**
   * How often the sidecar checks the local service port (without connecting to it), 0.1-60 seconds
   * (fractions allowed; the same range as `idha shim --interval`).
   * @default 1
   */
  readonly checkIntervalSeconds?: number;
  /**
   * Consecutive failed checks before the sidecar closes the gate, 1-10.
   * @default 2
   */
  readonly fallCount?: number;
  /**
   * Consecutive good checks before the sidecar opens the gate again, 1-10. Flap damping, not a longer
   * rise, keeps a flapping service out, so one good check is enough.
   * @default 1
   */
  readonly riseCount?: number;
  /**
   * Flap damping: seconds for the sidecar's flap penalty to halve, 1-3600. The first flap costs nothing
   * (failback after one good check); a second within this long holds the host down for 1 to 1.4
   * half-lives, and each further flap adds about one half-life, up to `maxHoldDownSeconds`. A fault
   * that a balancer reports (HAProxy's observe layer4) holds the primary down for 1.4 half-lives.
   * @default 60
   */
  readonly dampHalfLifeSeconds?: number;
  /**
   * Flap damping: the longest hold-down in seconds, 0-86400. 0 turns damping off.
   * @default 600
   */
  readonly maxHoldDownSeconds?: number;
  /**
   * The priority gate (Azure LB, AWS NLB): consecutive polls of the primary's sidecar that must find
   * it unhealthy or unreachable before the secondary opens its priority gate, and healthy again before
   * it closes it, 1-10. Hysteresis against a flapping primary.
   * @default 3
   */
  readonly standbyFallCount?: number;
  /**
   * The priority gate: how often each sidecar polls its peer's (the secondary the primary's, the
   * primary the secondary's), 0.1-60 seconds (the same range as `idha shim --standby-poll`).
   * @default 1
   */
  readonly standbyPollSeconds?: number;
}

/** How balancers probe each host: by default the sidecar's gate port, never the service port. */
export interface ProbePolicyProps {
  /**
   * What the probe touches.
   * @default ProbeKind.SIDECAR_GATE
   */
  readonly kind?: ProbeKind;
  /**
   * The sidecar's health gate on each host (TCP), 1-65535: open while that host's service is healthy.
   * Balancers with priorities of their own (HAProxy, F5, DNS failover) probe it with `sidecar-gate`.
   * Must differ from every service port.
   * @default 15050
   */
  readonly gatePort?: number;
  /**
   * The sidecar's priority gate on each host (TCP), 1-65535: open on the primary while it is healthy,
   * on the secondary only while the primary is down. Balancers without priorities (Azure LB, AWS NLB)
   * probe it with `sidecar-gate` (and `GET /priority` on the health port with `sidecar-http`).
   * @default 15054
   */
  readonly priorityPort?: number;
  /**
   * The sidecar's HTTP health port (`GET /healthz`; probe target for `sidecar-http`), 1-65535.
   * @default 15051
   */
  readonly healthPort?: number;
  /**
   * The sidecar's HAProxy agent-check port, 1-65535.
   * @default 15052
   */
  readonly agentPort?: number;
  /**
   * The primary's sidecar takes balancers' reports on this UDP port, 1-65535 (HAProxy sends a syslog line
   * when it marks the primary down on connection errors; the sidecar then holds the primary down).
   * @default 15053
   */
  readonly reportPort?: number;
  /**
   * Accept a plain TCP connect probe on the IQService port, knowing that IQService logs a
   * malformed request for every probe. Synth emits a warning quoting that log line.
   * @default false
   */
  readonly allowNoisyTcpProbe?: boolean;
  /**
   * The sidecar's own timing and damping.
   * @default - every 1 s, fall 2, rise 1
   */
  readonly sidecar?: SidecarTimingProps;
}

/** The sidecar's timing with every default applied. */
export interface ResolvedSidecarTiming {
  /** Seconds between checks of the local service. */
  readonly checkIntervalSeconds: number;
  /** Failed checks before the gate closes. */
  readonly fallCount: number;
  /** Good checks before the gate opens again. */
  readonly riseCount: number;
  /** Half-life of the flap penalty. */
  readonly dampHalfLifeSeconds: number;
  /** The longest a flapping primary is held down. */
  readonly maxHoldDownSeconds: number;
  /** The secondary's polls of the primary that must fail before its priority gate opens. */
  readonly standbyFallCount: number;
  /** Seconds between the secondary's polls of the primary. */
  readonly standbyPollSeconds: number;
}

/** The probe policy with every default applied. */
export interface ResolvedProbePolicy {
  /** What the probe touches. */
  readonly kind: ProbeKind;
  /** Port the balancer's probe targets on each member. */
  readonly port: number;
  /** HTTP path for `sidecar-http`. */
  readonly path?: string;
  /** The sidecar's health gate port. */
  readonly gatePort: number;
  /** The sidecar's priority gate port. */
  readonly priorityPort: number;
  /** The sidecar's HTTP port (`/healthz`, `/priority`). */
  readonly healthPort: number;
  /** The sidecar's HAProxy agent port. */
  readonly agentPort: number;
  /** The UDP port the sidecar takes balancer reports on. */
  readonly reportPort: number;
  /** Whether a TCP connect probe on the service port was explicitly allowed. */
  readonly allowNoisyTcpProbe: boolean;
  /** Whether the probe relies on the identity-ha sidecar running on each host. */
  readonly usesSidecar: boolean;
  /** The sidecar's timing. */
  readonly sidecar: ResolvedSidecarTiming;
  /** Synth-time warnings (e.g. the noisy probe's log line). */
  readonly warnings: string[];
}

export const DEFAULT_GATE_PORT = 15050;
export const DEFAULT_HEALTH_PORT = 15051;
export const DEFAULT_AGENT_PORT = 15052;
export const DEFAULT_REPORT_PORT = 15053;
export const DEFAULT_PRIORITY_PORT = 15054;

/**
 * What a balancer without priorities of its own probes: the priority gate (one host of the pair open
 * at a time) instead of the health gate. Undefined where the probe does not use the sidecar.
 */
export function priorityProbe(probe: ResolvedProbePolicy): { port: number; path?: string } | undefined {
  if (probe.kind === ProbeKind.SIDECAR_GATE) return { port: probe.priorityPort };
  if (probe.kind === ProbeKind.SIDECAR_HTTP) return { port: probe.healthPort, path: '/priority' };
  return undefined;
}

/**
 * Resolves and checks a probe policy against the service ports. Enforces the rule that no probe
 * opens a connection to the service port that it then closes without a request, unless the user
 * explicitly accepts the noise.
 */
export function resolveProbePolicy(problems: Problems, props: ProbePolicyProps | undefined, servicePorts: readonly number[]): ResolvedProbePolicy {
  const p = props ?? {};
  const kind = p.kind ?? ProbeKind.SIDECAR_GATE;
  checkOneOf(problems, 'kind', kind, Object.values(ProbeKind));
  const gatePort = p.gatePort ?? DEFAULT_GATE_PORT;
  const healthPort = p.healthPort ?? DEFAULT_HEALTH_PORT;
  const agentPort = p.agentPort ?? DEFAULT_AGENT_PORT;
  const reportPort = p.reportPort ?? DEFAULT_REPORT_PORT;
  const priorityPort = p.priorityPort ?? DEFAULT_PRIORITY_PORT;
  const sidecarPorts: Array<[string, number]> = [
    ['gatePort', gatePort],
    ['priorityPort', priorityPort],
    ['healthPort', healthPort],
    ['agentPort', agentPort],
    ['reportPort', reportPort],
  ];
  const defaults: Record<string, number> = {
    gatePort: DEFAULT_GATE_PORT,
    priorityPort: DEFAULT_PRIORITY_PORT,
    healthPort: DEFAULT_HEALTH_PORT,
    agentPort: DEFAULT_AGENT_PORT,
    reportPort: DEFAULT_REPORT_PORT,
  };
  const seen = new Map<number, string>();
  for (const [field, port] of sidecarPorts) {
    if (!checkPort(problems, field, port)) continue;
    // A port the user did not write is its default: say so, since the path is not in their file.
    const unwritten = (p as Record<string, unknown>)[field] === undefined ? `${field} is not set, so it is its default, ${defaults[field]}: ` : '';
    if (servicePorts.includes(port)) {
      problems.add({
        field,
        value: port,
        allowed: `a port other than the service ports (${servicePorts.join(', ')})`,
        fix: `${unwritten}the sidecar must never share a port with the service; set ${field} to a free port${
          unwritten ? '' : `; the default is ${defaults[field]}`
        }`,
      });
    } else if (seen.has(port)) {
      problems.add({
        field,
        value: port,
        allowed: `a port other than ${seen.get(port)} (${port})`,
        fix:
          `${unwritten}give gatePort, priorityPort, healthPort, agentPort and reportPort five different ports (reportPort is UDP, the ` +
          `others TCP, but one number each keeps firewall rules readable)`,
      });
    }
    seen.set(port, field);
  }
  const s = p.sidecar ?? {};
  const sidecar: ResolvedSidecarTiming = {
    checkIntervalSeconds: s.checkIntervalSeconds ?? 1,
    fallCount: s.fallCount ?? 2,
    riseCount: s.riseCount ?? 1,
    dampHalfLifeSeconds: s.dampHalfLifeSeconds ?? 60,
    maxHoldDownSeconds: s.maxHoldDownSeconds ?? 600,
    standbyFallCount: s.standbyFallCount ?? 3,
    standbyPollSeconds: s.standbyPollSeconds ?? 1,
  };
  const sp = problems.under('sidecar');
  // The same ranges as the shim's flags (SIDECAR_LIMITS): the host plan carries these values to them.
  for (const k of [
    'checkIntervalSeconds',
    'fallCount',
    'riseCount',
    'dampHalfLifeSeconds',
    'maxHoldDownSeconds',
    'standbyFallCount',
    'standbyPollSeconds',
  ] as const) {
    checkLimit(sp, k, sidecar[k], SIDECAR_LIMITS[k]);
  }

  const allowNoisy = p.allowNoisyTcpProbe ?? false;
  const warnings: string[] = [];
  let port = gatePort;
  let path: string | undefined;
  switch (kind) {
    case ProbeKind.SIDECAR_GATE:
      port = gatePort;
      break;
    case ProbeKind.SIDECAR_HTTP:
      port = healthPort;
      path = '/healthz';
      break;
    case ProbeKind.TCP_HALF_OPEN:
      port = servicePorts[0];
      break;
    case ProbeKind.TCP_CONNECT:
      port = servicePorts[0];
      if (!allowNoisy) {
        problems.add({
          field: 'kind',
          value: kind,
          allowed:
            `"${ProbeKind.SIDECAR_GATE}" (default), "${ProbeKind.SIDECAR_HTTP}" or "${ProbeKind.TCP_HALF_OPEN}" (F5); ` +
            `"${ProbeKind.TCP_CONNECT}" only with allowNoisyTcpProbe: true`,
          fix:
            `a TCP connect probe on port ${servicePorts[0]} makes IQService log ${IQSERVICE_MALFORMED_LOG_LINE} on every probe; use the ` +
            `sidecar gate, or set allowNoisyTcpProbe: true to accept the noise`,
        });
      } else {
        warnings.push(
          `probe kind "tcp-connect" opens and closes a connection on IQService port ${servicePorts[0]} without a request; IQService will log ` +
            `on every probe: ${IQSERVICE_MALFORMED_LOG_LINE}`,
        );
      }
      break;
    case ProbeKind.HTTP:
      port = servicePorts[0];
      problems.add({
        field: 'kind',
        value: kind,
        allowed: `"${ProbeKind.SIDECAR_GATE}" (default), "${ProbeKind.SIDECAR_HTTP}" or "${ProbeKind.TCP_HALF_OPEN}" (F5)`,
        fix:
          `IQService does not speak HTTP: an HTTP probe on port ${servicePorts[0]} is a malformed request every time. Use ` +
          `"${ProbeKind.SIDECAR_HTTP}", which sends GET /healthz to the sidecar's health port instead`,
      });
      break;
    default:
      break;
  }
  if (allowNoisy && kind !== ProbeKind.TCP_CONNECT) {
    problems.add({
      field: 'allowNoisyTcpProbe',
      value: true,
      allowed: `true only with kind "${ProbeKind.TCP_CONNECT}"`,
      fix: 'remove allowNoisyTcpProbe',
    });
  }
  return {
    kind,
    port,
    path,
    gatePort,
    priorityPort,
    healthPort,
    agentPort,
    reportPort,
    allowNoisyTcpProbe: allowNoisy,
    usesSidecar: kind === ProbeKind.SIDECAR_GATE || kind === ProbeKind.SIDECAR_HTTP,
    sidecar,
    warnings,
  };
}
