import { Construct } from 'constructs';
import { FailoverEstimate } from '../../model/failover-estimate';
import { Problems } from '../../core/errors';
import { BalancerHostSteps, urlHost, WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { DOT_SEGMENT_REGEX } from '../../core/lang/request-path';
import { checkAbsPath, httpCheckEstimate, ident, tomcatHttpSnippets } from '../shared/web-checks';
import { httpdComment, httpdQuoted as q, httpdWord as w } from '../../core/lang/httpd';
import { shWord } from '../../core/lang/shell';

/** How the web tier is rendered for Apache httpd with mod_proxy_balancer. */
export interface ModProxyBalancerTargetProps {
  /**
   * Where the generated httpd file goes on the httpd host (its comments say so).
   * @default /etc/apache2/conf-available (Debian's layout: enabled with a2enconf)
   */
  readonly configFolder?: string;
}

/**
 * Apache httpd 2.4 + mod_proxy_balancer over HTTP, the alternative to mod_jk: one `balancer://` per
 * application with `BalancerMember ... route=<jvmRoute>`, standbys as hot standbys (`status=+H`),
 * `stickysession=JSESSIONID|jsessionid`, and mod_proxy_hcheck requesting the health path (`hcmethod`,
 * `hcuri`, a 2xx expression). `/balancer-manager` answers local requests only.
 */
export class ModProxyBalancerTarget extends WebTierTargetBase {
  public readonly platform = 'mod-proxy-balancer';
  public readonly balancerStatusPath?: string = '/balancer-manager';

  /** The props the target was created with. */
  public readonly props: ModProxyBalancerTargetProps;

  constructor(props: ModProxyBalancerTargetProps = {}) {
    super();
    this.props = props;
  }

  public validate(model: WebTierModel, problems: Problems): void {
    // mod_proxy_hcheck refuses an hcuri of 64 characters or more (httpd does not start).
    model.pools.forEach((p, i) => {
      if (p.health.path.length >= 64) {
        problems.root().add({
          field: `applications[${i}].healthPath`,
          value: p.health.path,
          allowed: 'a path of at most 63 characters with mod-proxy-balancer',
          fix:
            'mod_proxy_hcheck limits hcuri to 63 characters (httpd: "Health check uri length must be < 64 characters"): use a shorter ' +
            'health page path',
        });
      }
    });
    checkAbsPath(problems, 'configFolder', this.props.configFolder, false);
  }

  public render(_scope: Construct, _model: WebTierModel): void {}

  public warnings(model: WebTierModel): string[] {
    return [
      `mod-proxy-balancer: mod_proxy_hcheck has no timeout of its own and waits the response timeout (responseTimeoutSeconds, ` +
        `${model.responseTimeoutSeconds} s): a hung Tomcat keeps its requests until one times out (failontimeout then takes it out) or ` +
        `${model.pools[0].health.fall} checks time out; mod_jk and HAProxy take it out after the health timeout`,
    ];
  }

  /** The tier's httpd file (`conf-available/idha-<tier>-proxy.conf`). */
  public httpdConf(model: WebTierModel): string {
    const f = this.props.configFolder ?? '/etc/apache2/conf-available';
    const lines = [
      httpdComment(`identity-ha ${model.name}: Apache httpd 2.4 + mod_proxy_balancer.`),
      httpdComment(`Debian/Ubuntu: a2enmod proxy proxy_http proxy_balancer proxy_hcheck lbmethod_byrequests (it adds slotmem_shm);`),
      httpdComment(
        `install this file as ${f}/idha-${model.name}-proxy.conf; a2enconf idha-${model.name}-proxy; apachectl -t; systemctl reload apache2.`,
      ),
      "# Debian's proxy.conf and proxy_balancer.conf hold only comments: nothing in them conflicts with this file.",
      httpdComment(
        `Elsewhere: LoadModule those modules and slotmem_shm, then Include this file. Clients on port ${model.frontendPort} (your Listen).`,
      ),
      "# Sessions stay on the node whose jvmRoute ends their JSESSIONID (Tomcat's own cookie, never rewritten).",
      'ProxyHCExpr idha_2xx {%{REQUEST_STATUS} =~ /^2/}',
      `# timeout: the response timeout (${model.responseTimeoutSeconds} s), which mod_proxy_hcheck uses too (it has none of its own); failontimeout`,
      '# takes a member that timed out on a request out at once, so a hung Tomcat leaves after one response timeout.',
    ];
    for (const p of model.pools) {
      const h = p.health;
      lines.push(
        '',
        httpdComment(`${p.name}: ${p.paths.join(', ')}; standbys (+H) get requests only while every other member is down.`),
        `<Proxy ${q(`balancer://${ident(p.name)}`)}>`,
      );
      for (const m of p.members) {
        lines.push(
          `    BalancerMember ${q(`http://${urlHost(m.address)}:${m.httpPort}`)} ${w(`route=${m.route}`)} ` +
            `connectiontimeout=${h.timeoutSeconds} timeout=${model.responseTimeoutSeconds} hcmethod=GET ${w(`hcuri=${h.path}`)} ` +
            `hcexpr=idha_2xx hcinterval=${h.intervalSeconds} hcfails=${h.fall} hcpasses=${h.rise}${m.priority > 0 ? '' : ' status=+H'}`,
        );
      }
      lines.push('    ProxySet stickysession=JSESSIONID|jsessionid lbmethod=byrequests failontimeout=On', '</Proxy>');
      for (const path of p.paths)
        lines.push(
          `ProxyPass ${q(path)} ${q(`balancer://${ident(p.name)}${path}`)}`,
          `ProxyPassReverse ${q(path)} ${q(`balancer://${ident(p.name)}${path}`)}`,
        );
    }
    lines.push(
      '',
      '# Tomcat resolves dot segments (also ..; and %2e%2e) after httpd chose the balancer by the path: refused here.',
      `<LocationMatch "(?i)${DOT_SEGMENT_REGEX}">`,
      '    Require all denied',
      '</LocationMatch>',
    );
    lines.push('', '<Location "/balancer-manager">', '    SetHandler balancer-manager', '    Require local', '</Location>', '');
    return lines.join('\n');
  }

  /** This balancer's section of the balancer hosts' steps (hosts/<host>/steps.sh). */
  public hostSteps(model: WebTierModel): BalancerHostSteps {
    const f = this.props.configFolder ?? '/etc/apache2/conf-available';
    const file = `idha-${model.name}-proxy.conf`;
    return {
      platform: this.platform,
      lines: [
        'apt-get install -y apache2',
        `install -d ${shWord(f)} && install -m 0644 ${shWord(`mod-proxy-balancer/${file}`)} ${shWord(`${f}/${file}`)}`,
        'a2enmod proxy proxy_http proxy_balancer proxy_hcheck lbmethod_byrequests',
        ...(f === '/etc/apache2/conf-available'
          ? [`a2enconf ${shWord(`idha-${model.name}-proxy`)}`]
          : [`# not in conf-available: add to /etc/apache2/apache2.conf: Include ${f}/${file}`]),
        'apachectl -t',
        'systemctl reload apache2',
      ],
    };
  }

  public snippets(model: WebTierModel): Snippet[] {
    return [
      { kind: 'mod-proxy-balancer', fileName: `mod-proxy-balancer/idha-${model.name}-proxy.conf`, content: this.httpdConf(model) },
      ...tomcatHttpSnippets(model),
    ];
  }

  /** mod_proxy_hcheck: fall checks an interval apart, the last one's timeout; back after rise checks. */
  public estimate(model: WebTierModel): FailoverEstimate {
    return httpCheckEstimate(
      this.platform,
      model,
      `a refused connection: the request goes to another member at once; a hung Tomcat: after the ${model.responseTimeoutSeconds}s response timeout`,
    );
  }
}
