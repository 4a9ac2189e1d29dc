import { Construct } from 'constructs';
import { AddressKind, checkBindAddress } from '../../core/address';
import { checkInteger } from '../../core/checks';
import { Problems } from '../../core/errors';
import { lintIgnore, NOISY_PROBE_CHOSEN } from '../../core/lint-ignore';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { ConnectionAction, HaServiceModel, HaStrategy, membersByPriority, poolOf } from '../../model/ha-service-model';
import { ProbeKind } from '../../model/probe-policy';
import { checkClientFamily } from '../shared/member-checks';
import { HaTargetBase } from '../../model/service-target';
import { Snippet } from '../../model/snippet';
import {
  checkHaproxyLogTarget,
  checkHaproxyStatsSocket,
  downInterMs,
  HaproxyConfigSpec,
  HaproxyTimingSpec,
  renderHaproxyConfig,
} from './haproxy-config';

/** How an IQService pair is rendered for HAProxy (`snippets/<service>/haproxy.cfg`). */
export interface HaproxyTargetProps {
  /**
   * Address the frontends bind to.
   * @default '*' (all addresses)
   */
  readonly bindAddress?: string;
  /** Health-check interval in seconds (`inter`), 1-60. @default 1 */
  readonly checkIntervalSeconds?: number;
  /** Failed checks before a server is down, 1-10. @default 2 */
  readonly fall?: number;
  /**
   * Good checks before a server is up again, 1-10, at `downinter` (a quarter of the interval). The
   * shim damps flaps (it holds a flapping primary's gate closed), so HAProxy follows it at once.
   * @default 1
   */
  readonly rise?: number;
  /** `timeout check` in seconds, 1-30. @default 2 */
  readonly checkTimeoutSeconds?: number;
  /** Also read the shim's agent-check port (up/down/drain). @default true */
  readonly agentCheck?: boolean;
  /** Connect attempts per client connection (`retries`), 0-10; with `option redispatch` the last goes to another server. @default 3 */
  readonly retries?: number;
  /** `timeout connect` in seconds, 1-30. @default 2 */
  readonly connectTimeoutSeconds?: number;
  /**
   * Mark the primary down after this many failed connections from real traffic (`observe layer4
   * error-limit N on-error mark-down`): covers a black-holed primary whose shim still answers. 0: off.
   * @default 3
   */
  readonly observeErrorLimit?: number;
  /** `maxconn` of the global section (HAProxy needs about twice as many file descriptors). IQService sees a handful of clients. @default 1000 */
  readonly maxconn?: number;
  /** `log` target of the global section. @default /dev/log */
  readonly logTarget?: string;
  /**
   * The admin stats socket: `echo 'show servers state' | socat stdio <socket>` shows which server is
   * up; `set server <backend>/<server> state drain` drains one. Debian's package makes /run/haproxy.
   * @default /run/haproxy/admin.sock
   */
  readonly statsSocket?: string;
}

/**
 * HAProxy in `mode tcp`: the primary as the active server, the secondary as `backup`, health taken
 * from the shim (connect check on the gate port, or `GET /healthz` on the health port, plus
 * agent-check), `retries` and `option redispatch`. Renders no Terraform: the output is
 * `snippets/<service>/haproxy.cfg`.
 */
export class HaproxyTarget extends HaTargetBase {
  public readonly platform = 'haproxy';
  public readonly strategy = HaStrategy.LOAD_BALANCER;
  /**
   * Check timing (the idle timeouts come from the service's idleTimeoutMinutes). TypeScript only.
   * @internal
   */
  public readonly _timing: Omit<HaproxyTimingSpec, 'clientTimeoutMs' | 'serverTimeoutMs'>;

  /** The props the target was created with. */
  public readonly props: HaproxyTargetProps;

  constructor(props: HaproxyTargetProps = {}) {
    super();
    this.props = props;
    this._timing = {
      checkIntervalMs: (props.checkIntervalSeconds ?? 1) * 1000,
      fall: props.fall ?? 2,
      rise: props.rise ?? 1,
      checkTimeoutMs: (props.checkTimeoutSeconds ?? 2) * 1000,
      // The agent brings a server back as well as the check does (HAProxy 2.6 logged "UP ... via agent :
      // up"), so it is asked as often as a down server is checked; a line over loopback or LAN per 250 ms.
      agentIntervalMs: downInterMs({ checkIntervalMs: (props.checkIntervalSeconds ?? 1) * 1000 }),
      connectTimeoutMs: (props.connectTimeoutSeconds ?? 2) * 1000,
      retries: props.retries ?? 3,
    };
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    const p = this.props;
    checkInteger(problems, 'checkIntervalSeconds', p.checkIntervalSeconds ?? 1, 1, 60);
    checkInteger(problems, 'fall', p.fall ?? 2, 1, 10);
    checkInteger(problems, 'rise', p.rise ?? 1, 1, 10);
    checkInteger(problems, 'checkTimeoutSeconds', p.checkTimeoutSeconds ?? 2, 1, 30);
    checkInteger(problems, 'retries', p.retries ?? 3, 0, 10, "with option redispatch the last retry goes to the backup; 3 is HAProxy's default");
    checkInteger(problems, 'connectTimeoutSeconds', p.connectTimeoutSeconds ?? 2, 1, 30);
    checkInteger(problems, 'observeErrorLimit', p.observeErrorLimit ?? 3, 0, 100);
    checkInteger(problems, 'maxconn', p.maxconn ?? 1000, 1, 10_000_000);
    if (p.bindAddress !== undefined && p.bindAddress !== '*') {
      const a = checkBindAddress(problems, 'bindAddress', p.bindAddress);
      if (a && a !== '*')
        checkClientFamily(
          model,
          problems,
          a.kind as AddressKind.IPV4 | AddressKind.IPV6,
          `the family of targets.haproxy.bindAddress (${a.value}), where clients connect`,
        );
    }
    if (p.logTarget !== undefined) checkHaproxyLogTarget(problems, 'logTarget', p.logTarget);
    if (p.statsSocket !== undefined) checkHaproxyStatsSocket(problems, 'statsSocket', p.statsSocket);
    if (model.pools[0].probe.kind === ProbeKind.TCP_HALF_OPEN) {
      problems.root().add({
        field: 'probe.kind',
        value: ProbeKind.TCP_HALF_OPEN,
        allowed: `"${ProbeKind.SIDECAR_GATE}" or "${ProbeKind.SIDECAR_HTTP}" on HAProxy`,
        fix: 'HAProxy has no half-open check; its L4 check completes the handshake. Use the sidecar gate (the default)',
      });
    }
  }

  public render(_scope: Construct, _model: HaServiceModel): void {
    // HAProxy is configured by file, not by Terraform: see snippets().
  }

  /**
   * The full configuration for one service. TypeScript only (other languages: `snippets()`).
   * @internal
   */
  public _config(model: HaServiceModel): HaproxyConfigSpec {
    const probe = model.pools[0].probe;
    const onService = probe.kind === ProbeKind.TCP_CONNECT;
    return {
      title: `HAProxy for ${model.name}: prefer the primary, the secondary only while the primary is down`,
      logTarget: this.props.logTarget,
      statsSocket: this.props.statsSocket,
      maxconn: this.props.maxconn ?? 1000,
      timing: {
        ...this._timing,
        clientTimeoutMs: model.connections.idleTimeoutMinutes * 60_000,
        serverTimeoutMs: model.connections.idleTimeoutMinutes * 60_000,
      },
      // onFailback reset: close sessions left on the secondary when the primary is back.
      cutBackupSessionsOnFailback: model.connections.onFailback === ConnectionAction.RESET,
      // onFailover reset: close the primary's sessions when it is marked down. Measured with HAProxy
      // 2.6: a connection redispatched to the backup during the kill is cut as well.
      shutdownSessionsOnMarkedDown: model.connections.onFailover === ConnectionAction.RESET,
      observeErrorLimit: this.props.observeErrorLimit ?? 3,
      proxies: model.listeners.map((l) => {
        const pool = poolOf(model, l);
        const primary = membersByPriority(pool)[0];
        const observe = (this.props.observeErrorLimit ?? 3) > 0;
        return {
          // The primary's shim hears the observe mark-downs (not for a named primary: HAProxy
          // resolves log targets once at start and would not start while the name does not resolve).
          reportTo:
            observe && probe.usesSidecar && primary.address.kind !== AddressKind.DNS
              ? { address: primary.address.value, port: probe.reportPort }
              : undefined,
          name: `${model.name}-${l.name}`,
          bindAddress: (this.props.bindAddress ?? '*').replace(/^\[(.*)\]$/, '$1'),
          bindPort: l.port,
          allowedClients: model.allowedClients,
          check: probe.kind === ProbeKind.SIDECAR_HTTP ? ('http' as const) : ('tcp' as const),
          httpPath: probe.path,
          serverComment: onService ? lintIgnore('IDHA-HAP-001', `${NOISY_PROBE_CHOSEN} in the topology (IQService logs each check)`) : undefined,
          servers: membersByPriority(pool).map((m, i) => ({
            name: m.name,
            address: m.address.value,
            port: m.port,
            backup: i > 0,
            checkPort: onService ? m.port : probe.port,
            agentPort: !onService && (this.props.agentCheck ?? true) ? probe.agentPort : undefined,
            dns: m.address.kind === AddressKind.DNS,
          })),
        };
      }),
    };
  }

  public snippets(model: HaServiceModel): Snippet[] {
    return [{ kind: 'haproxy', fileName: 'haproxy.cfg', content: renderHaproxyConfig(this._config(model)) }];
  }

  /**
   * Down after `fall` failed checks: the first up to an interval after the gate closed, the others at
   * `fastinter`, the last one up to `timeout check`. The backup is already up (normal-mode shims).
   */
  public timing(): BalancerTiming {
    const t = this._timing;
    const i = t.checkIntervalMs / 1000;
    const c = t.checkTimeoutMs / 1000;
    const q = downInterMs(t) / 1000;
    return {
      markDownSeconds: i + (t.fall - 1) * q + c,
      markDownFormula: `${i}s + ${t.fall - 1} x ${q}s fastinter + ${c}s timeout`,
      markUpSeconds: (downInterMs(t) / 1000) * t.rise,
      markUpFormula: `${downInterMs(t) / 1000}s downinter x ${t.rise} checks`,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    return estimateFailover(model.name, this.platform, this.timing(), sidecarTerms(model));
  }
}
