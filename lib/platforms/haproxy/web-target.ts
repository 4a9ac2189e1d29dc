import { Construct } from 'constructs';
import { FailoverEstimate } from '../../model/failover-estimate';
import { checkBindAddress } from '../../core/address';
import { checkInteger } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerHostSteps, urlHost, WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { checkHaproxyLogTarget, checkHaproxyStatsSocket, DEFAULT_HAPROXY_STATS_SOCKET } from './haproxy-config';
import { DOT_SEGMENT_REGEX } from '../../core/lang/request-path';
import { haproxyComment, haproxySingleQuoted, haproxyWord as w } from '../../core/lang/haproxy';
import { contextPathBase, httpCheckEstimate, ident, tomcatHttpSnippets } from '../shared/web-checks';

/** How the web tier is rendered for HAProxy (`snippets/<tier>/haproxy/haproxy.cfg`). */
export interface HaproxyWebTargetProps {
  /** Address the frontend binds to. @default '*' (all addresses) */
  readonly bindAddress?: string;
  /**
   * A read-only stats page on 127.0.0.1 at this port (`http://127.0.0.1:<port>/`): each server's
   * state, checks and sessions, for a browser on the host or through an SSH tunnel.
   * @default - none (the stats socket only)
   */
  readonly statsPagePort?: number;
  /** `log` target of the global section. @default /dev/log */
  readonly logTarget?: string;
  /** `maxconn` of the global section. @default 4000 */
  readonly maxconn?: number;
  /**
   * `stats socket` of the global section (`mode 660 level admin`): server states (`show servers
   * state`), and draining a node (`set server <backend>/<server> state drain`).
   * @default /run/haproxy/admin.sock (Debian's path: its haproxy package creates /run/haproxy)
   */
  readonly statsSocket?: string;
}

/**
 * HAProxy in `mode http`: one backend per application, chosen by path; `option httpchk` on the
 * health path; standbys as `backup` servers (`option allbackups`). Sessions stay on their node by
 * the jvmRoute suffix Tomcat writes into JSESSIONID (`use-server <node> if { req.cook(JSESSIONID) -m
 * end .<route> }`), the key mod_jk and mod_proxy_balancer use: HAProxy neither sets nor rewrites a
 * cookie, so Tomcat's cookie reaches the browser and the application byte for byte, and a session
 * started behind one balancer stays on its node behind another. A route whose server is down is
 * skipped and the request balanced as new.
 */
export class HaproxyWebTarget extends WebTierTargetBase {
  public readonly platform = 'haproxy';
  public readonly balancerStatusPath?: string = '/idha-balancer-health';

  /** The props the target was created with. */
  public readonly props: HaproxyWebTargetProps;

  constructor(props: HaproxyWebTargetProps = {}) {
    super();
    this.props = props;
  }

  public validate(_model: WebTierModel, problems: Problems): void {
    if (this.props.bindAddress !== undefined) checkBindAddress(problems, 'bindAddress', this.props.bindAddress);
    const m = this.props.maxconn;
    if (m !== undefined) checkInteger(problems, 'maxconn', m, 1, 1000000);
    if (this.props.logTarget !== undefined) checkHaproxyLogTarget(problems, 'logTarget', this.props.logTarget);
    if (this.props.statsSocket !== undefined) checkHaproxyStatsSocket(problems, 'statsSocket', this.props.statsSocket);
    if (this.props.statsPagePort !== undefined) checkInteger(problems, 'statsPagePort', this.props.statsPagePort, 1, 65535);
  }

  public render(_scope: Construct, _model: WebTierModel): void {}

  /** The tier's `haproxy.cfg`. */
  public config(model: WebTierModel): string {
    const bind = (this.props.bindAddress ?? '*').replace(/^\[(.*)\]$/, '$1');
    const bindAddr = w(bind.includes(':') ? `[${bind}]` : bind);
    const t = model.connectionTimeoutSeconds;
    const lines = [
      haproxyComment(
        `identity-ha ${model.name}: HAProxy in front of the Tomcats, one backend per application. Check with: haproxy -c -f haproxy.cfg`,
      ),
      'global',
      `    log ${w(this.props.logTarget ?? '/dev/log')} local0 notice`,
      `    maxconn ${this.props.maxconn ?? 4000}`,
      `    stats socket ${w(this.props.statsSocket ?? DEFAULT_HAPROXY_STATS_SOCKET)} mode 660 level admin`,
      '',
      'defaults',
      '    mode http',
      '    log global',
      '    option httplog',
      '    # A failed connection, or a connection closed with no response (a reused one to a Tomcat that just',
      '    # died), is retried on another server at once; a response timeout too. Requests with a method that',
      '    # is not idempotent (POST, PATCH) are retried only when the connection failed (never sent).',
      '    retries 3',
      '    option redispatch 1',
      '    retry-on conn-failure empty-response response-timeout',
      '    timeout connect 5s',
      `    timeout client ${t}s`,
      `    timeout server ${model.responseTimeoutSeconds}s`,
      '    timeout http-request 10s',
      '',
      `frontend ${w(model.name)}`,
      `    bind ${bindAddr}:${model.frontendPort}`,
      `    monitor-uri ${this.balancerStatusPath!}`,
      '    # Tomcat resolves dot segments (also ..; and %2e%2e) after the pool was chosen by the raw path: refused here.',
      `    http-request deny deny_status 400 if { path_reg -i ${haproxySingleQuoted(DOT_SEGMENT_REGEX)} }`,
      '    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE',
    ];
    for (const p of model.pools) {
      const acl = w(ident('app', p.name));
      // Lines of one acl name are ORed: the context path itself, and everything under it.
      for (const x of p.paths) {
        const base = contextPathBase(x) || '/';
        lines.push(`    acl ${acl} path ${w(base)}`, `    acl ${acl} path_beg ${w(base === '/' ? '/' : `${base}/`)}`);
      }
    }
    // A path no application serves: 404, as the ALB answers (not HAProxy's 503 for "no backend").
    lines.push(
      `    http-request return status 404 content-type text/plain string "no application at this path" unless ` +
        `${model.pools.map((p) => w(ident('app', p.name))).join(' || ')}`,
    );
    for (const p of model.pools) lines.push(`    use_backend ${w(`${model.name}-${p.name}`)} if ${w(ident('app', p.name))}`);
    for (const p of model.pools) {
      const h = p.health;
      lines.push(
        '',
        `backend ${w(`${model.name}-${p.name}`)}`,
        '    balance roundrobin',
        `    option httpchk GET ${w(h.path)}`,
        '    http-check expect rstatus ^2',
        '    option allbackups',
        `    timeout check ${h.timeoutSeconds}s`,
        '    # A connection error on live traffic marks the server down at once (the checks bring it back after',
        "    # rise): the last active node's death hands its requests to the backups without waiting for fall checks.",
        `    default-server check inter ${h.intervalSeconds}s fall ${h.fall} rise ${h.rise} observe layer4 error-limit 1 on-error mark-down`,
        "    # A session stays on the node whose jvmRoute ends its JSESSIONID (Tomcat's own cookie, untouched).",
        ...p.members.map((m) => `    use-server ${w(m.name)} if { req.cook(JSESSIONID) -m end ${w(`.${m.route}`)} }`),
        ...p.members.map((m) => `    server ${w(m.name)} ${w(`${urlHost(m.address)}:${m.httpPort}`)}${m.priority > 0 ? '' : ' backup'}`),
      );
    }
    if (this.props.statsPagePort !== undefined) {
      lines.push(
        '',
        '# The stats page, read-only, on loopback only.',
        'listen idha-stats',
        `    bind 127.0.0.1:${this.props.statsPagePort}`,
        '    stats enable',
        '    stats uri /',
        '    stats refresh 5s',
        '    stats show-legends',
      );
    }
    lines.push('');
    return lines.join('\n');
  }

  /** This balancer's section of the balancer hosts' steps (hosts/<host>/steps.sh). */
  public hostSteps(_model: WebTierModel): BalancerHostSteps {
    return {
      platform: this.platform,
      lines: [
        'apt-get install -y haproxy',
        "# Keeps Debian's own file beside it once (cp -n never overwrites), then the generated one replaces it:",
        'cp -n /etc/haproxy/haproxy.cfg /etc/haproxy/haproxy.cfg.before-identity-ha',
        'haproxy -c -f haproxy/haproxy.cfg',
        'install -m 0644 haproxy/haproxy.cfg /etc/haproxy/haproxy.cfg',
        'systemctl reload haproxy',
        `echo 'show servers state' | socat stdio ${this.props.statsSocket ?? DEFAULT_HAPROXY_STATS_SOCKET} || true`,
      ],
    };
  }

  public snippets(model: WebTierModel): Snippet[] {
    return [{ kind: 'haproxy', fileName: 'haproxy/haproxy.cfg', content: this.config(model) }, ...tomcatHttpSnippets(model)];
  }

  public estimate(model: WebTierModel): FailoverEstimate {
    return httpCheckEstimate(this.platform, model, 'a refused connection: redispatched at once');
  }
}
