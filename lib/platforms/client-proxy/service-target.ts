import { Construct } from 'constructs';
import { AddressKind, checkBindAddress, cidrContains, hostCidr, parseHostAddress } from '../../core/address';
import { checkInteger, checkName, checkOneOf } from '../../core/checks';
import { Problems } from '../../core/errors';
import { Claim } from '../../model/claim';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { ConnectionAction, HaServiceModel, HaStrategy, ListenerProtocol } from '../../model/ha-service-model';
import { HaTargetBase } from '../../model/service-target';
import { Snippet } from '../../model/snippet';
import { CLIENT_PROXY_DEFAULTS as D, ClientPlanSpec, renderClientPlan } from './client-plan';

/** The operating system of a client host: which service wrapper its host plan gets. */
export enum ClientHostOs {
  /** A systemd unit (`idha-proxy-<listener>.service`), sandboxed, with a dynamic user. */
  LINUX = 'linux',
  /** A WinSW service definition (`idha-proxy-<listener>.xml`) that runs Node.js and identity-ha. */
  WINDOWS = 'windows',
}

/** A host that connects to IQService (an IdentityIQ server or a gateway host) and runs its own proxy. */
export interface ClientHostProps {
  /** A short name for the host's folder (`clients/<name>/`): lower-case letters, digits, hyphens; 1-63 characters. */
  readonly name: string;
  /** The host's IP address, as the IQService hosts see it (inside the service's allowedClients). */
  readonly address: string;
  /** The host's operating system. @default ClientHostOs.LINUX */
  readonly os?: ClientHostOs;
}

/** How an IQService pair is served with no shared load balancer: a local `idha proxy` on every client host. */
export interface ClientProxyTargetProps {
  /** The client hosts (IdentityIQ servers, gateway hosts), 1-100, each with a unique name and address. */
  readonly clients: ClientHostProps[];
  /**
   * The address each proxy listens on, on its own host; the IdentityIQ application then connects to
   * it on the service's port (and TLS port). An IP address, never `*`.
   * @default '127.0.0.1' (loopback: only the host itself reaches its proxy)
   */
  readonly listenAddress?: string;
  /**
   * Seconds a connect attempt to the primary may take before the proxy sends the same client
   * connection to the secondary, 0.1-30. The cost a black-holed primary puts on a connection.
   * @default 0.5
   */
  readonly connectTimeoutSeconds?: number;
  /** Seconds between the proxy's reads of the primary shim's `/healthz`, 0.1-60. @default 0.25 */
  readonly healthPollSeconds?: number;
  /**
   * Passive mark-down: after this many failed or timed-out connects to the primary within
   * `markDownWindowSeconds`, the primary is skipped without being tried; 0-100, 0 turns it off.
   * @default 3
   */
  readonly markDownAfter?: number;
  /** Seconds in which `markDownAfter` failures count, 1-3600. @default 10 */
  readonly markDownWindowSeconds?: number;
  /** Seconds a mark lasts unless the primary's shim reports it down and up again (doubles when marked again soon), 1-3600. @default 60 */
  readonly markDownHoldSeconds?: number;
  /**
   * Port of each proxy's `/healthz` and Prometheus `/metrics`, on `listenAddress`; the TLS listener's
   * proxy takes the next port.
   * @default 15055
   */
  readonly statsPort?: number;
  /** Client connections a proxy holds open at once (one more is closed and counted); 0 is no limit, up to 1000000. @default 1000 */
  readonly maxConnections?: number;
  /** Seconds a stopping proxy gives open connections to finish (SIGTERM), 1-300. @default 5 */
  readonly drainSeconds?: number;
}

/** The checked settings, with every default applied. TypeScript only. */
export interface ResolvedClientProxySettings {
  readonly clients: ReadonlyArray<{ readonly name: string; readonly address: string; readonly os: ClientHostOs }>;
  readonly listenAddress: string;
  readonly connectTimeoutSeconds: number;
  readonly healthPollSeconds: number;
  readonly markDownAfter: number;
  readonly markDownWindowSeconds: number;
  readonly markDownHoldSeconds: number;
  readonly statsPort: number;
  readonly maxConnections: number;
  readonly drainSeconds: number;
}

const CLIENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Client-side failover (strategy `client-side`): no load balancer and no DNS service between the
 * sites. Every client host runs `idha proxy` on loopback at the service's port, sending each new
 * connection to the primary and, when the primary's shim reports it down or a connect fails, to the
 * secondary within the same connection. The IdentityIQ application points at the local proxy. Renders
 * no Terraform: the output is a host plan per client under `snippets/<service>/clients/<name>/`.
 */
export class ClientProxyTarget extends HaTargetBase {
  public readonly platform = 'client-proxy';
  public readonly strategy = HaStrategy.CLIENT_SIDE;
  /** The props the target was created with. */
  public readonly props: ClientProxyTargetProps;

  constructor(props: ClientProxyTargetProps) {
    super();
    this.props = props;
  }

  /**
   * The settings with their defaults (call after `validate` found nothing). TypeScript only.
   * @internal
   */
  public _resolve(): ResolvedClientProxySettings {
    const p = this.props;
    return {
      clients: (p.clients ?? []).map((c) => ({ name: c.name, address: c.address.replace(/^\[(.*)\]$/, '$1'), os: c.os ?? ClientHostOs.LINUX })),
      listenAddress: (p.listenAddress ?? D.listenAddress).replace(/^\[(.*)\]$/, '$1'),
      connectTimeoutSeconds: p.connectTimeoutSeconds ?? D.connectTimeoutSeconds,
      healthPollSeconds: p.healthPollSeconds ?? D.healthPollSeconds,
      markDownAfter: p.markDownAfter ?? D.markDownAfter,
      markDownWindowSeconds: p.markDownWindowSeconds ?? D.markDownWindowSeconds,
      markDownHoldSeconds: p.markDownHoldSeconds ?? D.markDownHoldSeconds,
      statsPort: p.statsPort ?? D.statsPort,
      maxConnections: p.maxConnections ?? D.maxConnections,
      drainSeconds: p.drainSeconds ?? D.drainSeconds,
    };
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    checkClients(model, problems, this.props.clients);
    checkProxySettings(model, problems, this.props);
    if (model.connections.onFailover === ConnectionAction.RESET) {
      problems.root().add({
        field: 'onFailover',
        value: ConnectionAction.RESET,
        allowed: '"keep" with strategy client-side',
        fix: "the proxy does not cut connections to a primary its shim reports down (a dead primary's connections end on their own); use keep",
      });
    }
  }

  public render(_scope: Construct, _model: HaServiceModel): void {
    // The proxies are configured on each client host: see snippets().
  }

  /** The host plan of every client, and an overview (`clients/README.txt`, snippet kind `client-proxy`). */
  public snippets(model: HaServiceModel): Snippet[] {
    return renderClientPlan(this.planSpec(model));
  }

  public warnings(model: HaServiceModel): string[] {
    const probe = model.pools[0].probe;
    if (probe.usesSidecar) return [];
    return [
      `${model.name}: targets.client-proxy: probe.kind ${probe.kind} runs no shim, so the proxies have no /healthz to read: they detect ` +
        'the primary only by failed connects (skipped for --retry-primary-after after each, and marked down after markDownAfter), and a hung ' +
        'primary that still accepts keeps its connections. Use the sidecar probe (the default) for health-driven failover',
    ];
  }

  /** Each proxy's listener and stats port on each client host: two services cannot share one. */
  public claims(model: HaServiceModel): Claim[] {
    const s = this._resolve();
    return s.clients.flatMap((c) =>
      model.listeners.flatMap((l, i) => [
        {
          scope: `port on client host ${c.name}`,
          key: `${s.listenAddress}:${l.port}`,
          field: 'listenAddress',
          value: `${s.listenAddress}:${l.port}`,
          fix: 'two services cannot both take this port on a client host: give one a listenAddress of its own (another loopback address)',
        },
        {
          scope: `port on client host ${c.name}`,
          key: `${s.listenAddress}:${s.statsPort + i}`,
          field: 'statsPort',
          value: String(s.statsPort + i),
          fix: 'give each service on a client host its own statsPort',
        },
      ]),
    );
  }

  /**
   * Down: the shim's detection, then the proxy's next read of `/healthz` (a connect the primary
   * refuses meanwhile goes to the secondary in the same client connection). Back: the shim's rise,
   * then two good reads.
   */
  public timing(): BalancerTiming {
    const poll = this._resolve().healthPollSeconds;
    return {
      markDownSeconds: poll,
      markDownFormula: `${poll}s proxy reads /healthz`,
      markUpSeconds: 2 * poll,
      markUpFormula: `2 x ${poll}s proxy reads`,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    const s = this._resolve();
    const e = estimateFailover(model.name, this.platform, this.timing(), sidecarTerms(model));
    return {
      ...e,
      notes: [
        'a connect the primary refuses or does not answer goes to the secondary within the same client connection: until then clients see ' +
          'a slower connect, not an error',
        s.markDownAfter > 0
          ? `a black-holed primary costs at most ${s.markDownAfter} connections the ${s.connectTimeoutSeconds} s connect timeout per ` +
            `${s.markDownWindowSeconds} s window, then it is skipped (marked down) until its shim reports it down and up again, or for ` +
            `${s.markDownHoldSeconds} s`
          : `markDownAfter 0: every connection pays the ${s.connectTimeoutSeconds} s connect timeout while the primary is black-holed`,
      ],
    };
  }

  /** What the host plan renderer needs. */
  private planSpec(model: HaServiceModel): ClientPlanSpec {
    const s = this._resolve();
    const primary = model.pools[0].members.find((m) => m.name === 'primary')!;
    const secondary = model.pools[0].members.find((m) => m.name === 'secondary')!;
    const probe = model.pools[0].probe;
    const host = (a: { kind: AddressKind; value: string }) => (a.kind === AddressKind.IPV6 ? `[${a.value}]` : a.value);
    return {
      service: model.name,
      settings: s,
      listeners: model.listeners.map((l, i) => ({
        name: l.name,
        port: l.port,
        tls: l.protocol === ListenerProtocol.TLS_PASSTHROUGH,
        statsPort: s.statsPort + i,
        primary: `${host(primary.address)}:${l.port}`,
        secondary: `${host(secondary.address)}:${l.port}`,
      })),
      primaryHealthUrl: probe.usesSidecar ? `http://${host(primary.address)}:${probe.healthPort}/healthz` : undefined,
      healthPort: probe.usesSidecar ? probe.healthPort : undefined,
      idleTimeoutSeconds: model.connections.idleTimeoutMinutes * 60,
      cutSecondaryOnFailback: model.connections.onFailback === ConnectionAction.RESET,
      hosts: [primary, secondary].map((m) => ({ role: m.name, address: m.address.value })),
    };
  }
}

/** `clients`: 1-100, each a unique folder name and a unique IP address inside the service's allowedClients. */
function checkClients(model: HaServiceModel, problems: Problems, clients: readonly ClientHostProps[] | undefined): void {
  if (!Array.isArray(clients) || clients.length < 1 || clients.length > 100) {
    problems.add({
      field: 'clients',
      value: Array.isArray(clients) ? `${clients.length} hosts` : clients,
      allowed: 'a list of 1 to 100 client hosts ({name, address, os})',
      fix: 'name each IdentityIQ server or gateway host that connects to IQService',
    });
    return;
  }
  const names = new Set<string>();
  const addresses = new Set<string>();
  clients.forEach((c, i) => {
    const f = `clients[${i}]`;
    if (
      checkName(
        problems,
        `${f}.name`,
        c?.name,
        CLIENT_NAME,
        'lower-case letters, digits and hyphens, 1-63 characters, not starting or ending with a hyphen',
      )
    ) {
      if (names.has(c.name))
        problems.add({ field: `${f}.name`, value: c.name, allowed: 'a name no other client has', fix: 'each client gets its own folder' });
      names.add(c.name);
    }
    if (c?.os !== undefined) checkOneOf(problems, `${f}.os`, c.os, Object.values(ClientHostOs));
    const scratch = new Problems();
    const a = parseHostAddress(scratch, `${f}.address`, typeof c?.address === 'string' ? c.address.replace(/^\[(.*)\]$/, '$1') : c?.address);
    if (!a || a.kind === AddressKind.DNS) {
      problems.add({
        field: `${f}.address`,
        value: c?.address,
        allowed: "the client host's IPv4 or IPv6 address",
        fix: 'an IP address, not a name: it is the source address the IQService hosts and their firewalls see',
      });
      return;
    }
    if (addresses.has(a.value)) problems.add({ field: `${f}.address`, value: c.address, allowed: 'an address no other client has' });
    addresses.add(a.value);
    const cidr = hostCidr(a);
    if (!model.allowedClients.some((b) => cidrContains(b, cidr))) {
      problems.add({
        field: `${f}.address`,
        value: c.address,
        allowed: `an address inside the service's allowedClients (${model.allowedClients.join(', ')})`,
        fix: `the client connects to the IQService hosts itself: add ${cidr} to allowedClients, or correct the address`,
      });
    }
  });
}

/** The proxy's settings: ranges, a bind address, and stats ports that do not collide with the service's. */
function checkProxySettings(model: HaServiceModel, problems: Problems, p: ClientProxyTargetProps): void {
  if (p.listenAddress !== undefined) {
    const a = checkBindAddress(problems, 'listenAddress', p.listenAddress);
    if (a === '*') {
      problems.add({
        field: 'listenAddress',
        value: '*',
        allowed: 'one IP address of the client host',
        fix: 'the proxy binds only where told: 127.0.0.1 (the default) or the one address the application connects to',
      });
    }
  }
  const seconds = (field: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max))
      problems.add({ field, value: v, allowed: `seconds from ${min} to ${max} (fractions allowed)` });
  };
  seconds('connectTimeoutSeconds', p.connectTimeoutSeconds, 0.1, 30);
  seconds('healthPollSeconds', p.healthPollSeconds, 0.1, 60);
  seconds('markDownWindowSeconds', p.markDownWindowSeconds, 1, 3600);
  seconds('markDownHoldSeconds', p.markDownHoldSeconds, 1, 3600);
  seconds('drainSeconds', p.drainSeconds, 1, 300);
  if (p.markDownAfter !== undefined)
    checkInteger(problems, 'markDownAfter', p.markDownAfter, 0, 100, '3 is the default; 0 turns passive mark-down off');
  if (p.maxConnections !== undefined) checkInteger(problems, 'maxConnections', p.maxConnections, 0, 1_000_000);
  const stats = p.statsPort ?? D.statsPort;
  const needed = model.listeners.length;
  if (checkInteger(problems, 'statsPort', stats, 1, 65536 - needed)) {
    const taken = model.listeners.map((l) => l.port).filter((port) => port >= stats && port < stats + needed);
    if (taken.length > 0) {
      problems.add({
        field: 'statsPort',
        value: stats,
        allowed: `a port such that ${stats}..${stats + needed - 1} holds none of the service's ports (${taken.join(', ')} is one)`,
        fix: "each listener's proxy takes statsPort + its index; the default is 15055",
      });
    }
  }
}
