import { Construct } from 'constructs';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { checkInteger } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerHostSteps, WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { Snippet } from '../../model/snippet';
import { checkAbsPath, contextPathBase, ident } from '../shared/web-checks';
import { httpdComment, httpdQuoted as q } from '../../core/lang/httpd';
import { shWord } from '../../core/lang/shell';
import { jkMountPath, jkName, jkValue } from '../../core/lang/mod-jk';
import { xmlAttr, xmlCommentText, xmlText } from '../../core/lang/xml';

/** How the web tier is rendered for Apache httpd with mod_jk (one httpd file, Debian's layout). */
export interface ModJkTargetProps {
  /**
   * An httpd file on the balancer host that holds the AJP secret as `Define IDHA_AJP_SECRET <secret>`
   * (mode 0600), included by the generated snippet. Each Tomcat reads the same secret as
   * `idha.ajp.secret` from its `conf/catalina.properties`. The secret never enters the output.
   */
  readonly ajpSecretFile: string;
  /**
   * Where the generated httpd file goes on the httpd host (its comments say so).
   * @default /etc/apache2/conf-available (Debian's layout: enabled with a2enconf)
   */
  readonly configFolder?: string;
  /** Folder for mod_jk's log and shared memory file. @default /var/log/apache2 */
  readonly logFolder?: string;
  /**
   * `MaxRequestWorkers` of the httpd that runs mod_jk, 1-100000. Each worker thread may hold one AJP
   * connection to every Tomcat (mod_jk pools them per process), so the synth warns where a Tomcat's
   * `ajpMaxConnections` is lower: the connections beyond it wait and time out, and mod_jk marks a
   * healthy Tomcat in error.
   * @default 150 (Debian's mpm_event.conf)
   */
  readonly maxRequestWorkers?: number;
  /**
   * CPing each Tomcat before every request (`ping_mode=A`), so a hung Tomcat is skipped after the
   * health timeout. `false` gives `ping_mode=CI` (on connect and on idle connections only): more
   * requests per second on small pages (bench/web-tier.js: 0.40 against 0.29 of direct Tomcat), but a
   * hung Tomcat then keeps its requests until one reaches `responseTimeoutSeconds` (`reply_timeout`).
   * @default true
   */
  readonly cpingBeforeEachRequest?: boolean;
}

/**
 * Apache httpd 2.4 + mod_jk 1.2 over AJP 1.3, in one httpd file that works beside Debian's `jk.conf`:
 * one `lb` worker per application as `JkWorkerProperty` lines (its nodes as balance workers with
 * `route` = jvmRoute, standbys at `distance` 1, sticky sessions, CPing/CPong), the mounts, the
 * watchdog, and a `jkstatus` page for local requests only; and each Tomcat's `server.xml` fragment
 * (AJP connector with `secretRequired`, the HTTP connector, `jvmRoute` on the Engine).
 */
export class ModJkTarget extends WebTierTargetBase {
  public readonly platform = 'mod-jk';
  public readonly balancerStatusPath?: string = '/jkstatus';

  /** The props the target was created with. */
  public readonly props: ModJkTargetProps;

  constructor(props: ModJkTargetProps) {
    super();
    this.props = props;
  }

  private pingMode(): string {
    return this.props.cpingBeforeEachRequest === false ? 'CI' : 'A';
  }

  private folder(): string {
    return this.props.configFolder ?? '/etc/apache2/conf-available';
  }

  public validate(_model: WebTierModel, problems: Problems): void {
    checkAbsPath(
      problems,
      'ajpSecretFile',
      this.props.ajpSecretFile,
      true,
      'create it on the httpd host (mode 0600) with the line: Define IDHA_AJP_SECRET <secret>; the secret never goes into the topology or the output',
    );
    checkAbsPath(problems, 'configFolder', this.props.configFolder, false);
    checkAbsPath(problems, 'logFolder', this.props.logFolder, false);
    checkInteger(problems, 'maxRequestWorkers', this.props.maxRequestWorkers ?? 150, 1, 100_000);
  }

  public render(_scope: Construct, _model: WebTierModel): void {}

  public warnings(model: WebTierModel): string[] {
    const workers = this.props.maxRequestWorkers ?? 150;
    const small = model.nodes.filter((n) => n.ajpMaxConnections < workers);
    return [
      ...(small.length > 0
        ? [
            `mod-jk: ${small.map((n) => `${n.name} (ajpMaxConnections ${n.ajpMaxConnections})`).join(', ')} accept fewer AJP connections ` +
              `than httpd's MaxRequestWorkers (${workers}), and each worker thread may hold one to every Tomcat: under load the connections ` +
              `beyond wait, time out, and mod_jk takes a healthy Tomcat out. Raise ajpMaxConnections to ${workers} or more (twice that ` +
              `while two httpd hosts serve during a handover), or lower MaxRequestWorkers (maxRequestWorkers)`,
          ]
        : []),
      "mod-jk: a Tomcat whose AJP secret differs from the httpd's answers 403 to every request while CPing (which needs no secret) says it " +
        'is up, so mod_jk keeps sending it its share: run the per-Tomcat check in the generated httpd file after each change ' +
        '(fail_on_status=403 is not set: any 403 of an application would take its node out)',
      `mod-jk: mod_jk checks each Tomcat with AJP CPing/CPong (every ${model.pools[0]?.health.intervalSeconds ?? 5} ` +
        `s${this.pingMode() === 'A' ? ' and before each request' : ' on idle connections'}), not the applications' healthPath: a Tomcat ` +
        `whose connector answers while an application fails keeps getting that application's requests`,
    ];
  }

  /**
   * The one httpd file: the workers as `JkWorkerProperty` lines (no `JkWorkersFile`, of which httpd
   * allows one, and Debian's `jk.conf` sets it), the mounts, the watchdog and `jkstatus`.
   */
  public httpdConf(model: WebTierModel): string {
    const f = this.folder();
    const log = this.props.logFolder ?? '/var/log/apache2';
    const h = model.pools[0].health;
    const prop = (key: string, value: string | number | string[]) => {
      const v = typeof value === 'number' ? String(value) : Array.isArray(value) ? value.map(jkName).join(',') : jkValue(value);
      // JkWorkerProperty reads its line raw (quotes would become part of the key): keys are made of jkName
      // words, and jkName and jkValue allow no space, quote or $.
      return `JkWorkerProperty worker.${key}=${v}`;
    };
    const lines = [
      httpdComment(`identity-ha ${model.name}: Apache httpd 2.4 + mod_jk 1.2, in this one file: workers, mounts, watchdog, jkstatus.`),
      httpdComment(
        `Debian/Ubuntu: a2enmod jk; install this file as ${f}/idha-${model.name}.conf; a2enconf idha-${model.name}; apachectl -t; systemctl ` +
          `reload apache2.`,
      ),
      "# Debian's mods-available/jk.conf stays as it is: this file sets no JkWorkersFile (httpd allows one, and jk.conf",
      '# sets it; its unused ajp13_worker stays listed in jkstatus), and, read after mods-enabled/, it replaces that',
      "# file's JkWatchdogInterval 60 (failback would wait up to 60 s more), JkShmFile and JkLogFile.",
      '# Elsewhere (RHEL, a source build): load mod_jk, then Include this file after any other mod_jk directive.',
      `# Listen on port ${model.frontendPort} as usual; the mounts apply to the main server and every virtual host (JkMountCopy All).`,
      `# Sized for MaxRequestWorkers ${this.props.maxRequestWorkers ?? 150} (Debian's mpm_event.conf): each worker thread may hold one AJP ` +
        `connection to every`,
      `# Tomcat, whose AJP maxConnections are ${model.nodes.map((n) => `${n.name} ${n.ajpMaxConnections}`).join(', ')}.`,
      '<IfModule !jk_module>',
      '    LoadModule jk_module /usr/lib/apache2/modules/mod_jk.so',
      '</IfModule>',
      '# Define IDHA_AJP_SECRET <secret>, mode 0600; each Tomcat has the same secret as idha.ajp.secret in conf/catalina.properties.',
      `Include ${q(this.props.ajpSecretFile)}`,
      '# Fail closed: without the Define, httpd refuses to start (it would send the literal ${IDHA_AJP_SECRET}).',
      '<IfDefine !IDHA_AJP_SECRET>',
      `    Error ${q(
        `identity-ha: IDHA_AJP_SECRET is not defined: put the line Define IDHA_AJP_SECRET (the secret) in ${this.props.ajpSecretFile}`,
      )}`,
      '</IfDefine>',
      '',
      "# One lb worker per application; its members are the application's nodes, route = the Tomcat's jvmRoute.",
      '# Standbys have distance 1: they get requests only while every member at distance 0 is down.',
      prop('list', [...model.pools.map((p) => ident(p.name)), 'jkstatus']),
      prop('maintain', h.intervalSeconds),
      `# The watchdog runs the maintenance (recover_time below) every ${h.intervalSeconds} s, with or without requests.`,
      `JkWatchdogInterval ${h.intervalSeconds}`,
      '',
      '# The Tomcats (AJP 1.3), with the secret from the included file.',
    ];
    for (const n of model.nodes) {
      const w = jkName(ident('node', n.name));
      lines.push(
        prop(`${w}.type`, 'ajp13'),
        prop(`${w}.host`, n.address.value),
        prop(`${w}.port`, n.ajpPort),
        prop(`${w}.ping_mode`, this.pingMode()),
        prop(`${w}.ping_timeout`, h.timeoutSeconds * 1000),
        prop(`${w}.connection_ping_interval`, h.intervalSeconds),
        prop(`${w}.socket_connect_timeout`, h.timeoutSeconds * 1000),
        `# Tomcat's AJP connectionTimeout is ${model.connectionTimeoutSeconds} s: mod_jk drops idle connections first.`,
        prop(`${w}.connection_pool_timeout`, model.connectionTimeoutSeconds),
        prop(`${w}.reply_timeout`, model.responseTimeoutSeconds * 1000),
        `JkWorkerProperty worker.${w}.secret=\${IDHA_AJP_SECRET}`,
        '',
      );
    }
    for (const p of model.pools) {
      const lb = jkName(ident(p.name));
      lines.push(httpdComment(`${p.name}: ${p.paths.join(', ')}`));
      const members = p.members.map((m) => jkName(ident(p.name, m.name)));
      p.members.forEach((m, i) => {
        lines.push(
          prop(`${members[i]}.reference`, `worker.${jkName(ident('node', m.name))}`),
          prop(`${members[i]}.route`, m.route),
          prop(`${members[i]}.distance`, m.priority > 0 ? 0 : 1),
        );
      });
      lines.push(
        prop(`${lb}.type`, 'lb'),
        prop(`${lb}.balance_workers`, members),
        prop(`${lb}.sticky_session`, 'true'),
        prop(`${lb}.recover_time`, h.intervalSeconds * h.rise),
      );
      for (const path of p.paths)
        lines.push(`JkMount ${q(jkMountPath(path))} ${lb}`, `JkMount ${q(jkMountPath(`${contextPathBase(path)}/*`))} ${lb}`);
      lines.push('');
    }
    lines.push(...this.secretCheck(model).map(httpdComment), '');
    lines.push(
      'JkMountCopy All',
      `JkShmFile ${q(`${log}/mod_jk-${model.name}.shm`)}`,
      `JkLogFile ${q(`${log}/mod_jk-${model.name}.log`)}`,
      'JkLogLevel info',
      '',
      '# Status page, for local requests only.',
      prop('jkstatus.type', 'status'),
      prop('jkstatus.read_only', 'true'),
      '<Location "/jkstatus">',
      '    JkMount jkstatus',
      '    Require local',
      '</Location>',
      '',
    );
    return lines.join('\n');
  }

  /**
   * One command per Tomcat that asks it for a health page through this httpd: the route in the
   * session cookie picks the node, and 403 means its AJP secret differs from the httpd's (CPing needs
   * no secret, so mod_jk keeps such a node in rotation).
   */
  public secretCheck(model: WebTierModel): string[] {
    return [
      'After each reload, check every Tomcat through mod_jk (200 each; 403 = that Tomcat has another AJP secret, and',
      'mod_jk would still send it its share of requests, since CPing needs no secret):',
      ...this.secretCheckCommands(model).map((c) => `  ${c}`),
    ];
  }

  /** The commands of {@link secretCheck}, one per Tomcat, without its heading. */
  private secretCheckCommands(model: WebTierModel): string[] {
    return model.nodes.flatMap((n) => {
      const pool = model.pools.find((p) => p.members.some((m) => m.name === n.name));
      if (!pool) return [];
      const url = `http://127.0.0.1:${model.frontendPort}${pool.health.path}`;
      return [`curl -s -o /dev/null -w '${jkValue(n.name)} %{http_code}\\n' -H ${shWord(`Cookie: JSESSIONID=idha-check.${n.route}`)} ${shWord(url)}`];
    });
  }

  /** This balancer's section of the balancer hosts' steps (hosts/<host>/steps.sh). */
  public hostSteps(model: WebTierModel): BalancerHostSteps {
    const f = this.folder();
    const file = `idha-${model.name}.conf`;
    const enable =
      f === '/etc/apache2/conf-available'
        ? [`a2enconf ${shWord(`idha-${model.name}`)}`]
        : [
            `# ${file} is not in conf-available: add this line to /etc/apache2/apache2.conf (after IncludeOptional mods-enabled):`,
            `#   Include ${f}/${file}`,
          ];
    return {
      platform: this.platform,
      ajpSecretFile: this.props.ajpSecretFile,
      lines: [
        'apt-get install -y apache2 libapache2-mod-jk',
        `install -d ${shWord(f)} && install -m 0644 ${shWord(`mod-jk/${file}`)} ${shWord(`${f}/${file}`)}`,
        'a2enmod jk',
        ...enable,
        'apachectl -t',
        'systemctl reload apache2',
        '# Then every Tomcat through this httpd (200 each; 403 = another AJP secret on that Tomcat):',
        ...this.secretCheckCommands(model),
      ],
    };
  }

  /** The `server.xml` fragment of one Tomcat. */
  public tomcatFragment(model: WebTierModel, node: string): string {
    const n = model.nodes.find((x) => x.name === node)!;
    return [
      `<!-- identity-ha ${xmlCommentText(model.name)}: Tomcat ${xmlCommentText(n.name)} (${xmlCommentText(n.address.value)}) behind mod_jk. ` +
        'In conf/server.xml:',
      '     1. put both Connectors inside <Service name="Catalina"> (the HTTP one instead of the one on its port, if any):',
      `        AJP on ${n.ajpPort} for mod_jk, HTTP on ${n.httpPort} for the health pages, direct checks and the other balancers;`,
      `     2. set jvmRoute="${xmlCommentText(n.route)}" on the Engine (its opening tag below);`,
      '     3. put the AJP secret in conf/catalina.properties (mode 0600): idha.ajp.secret=<the secret of the httpd secret file>.',
      '     Fail closed: without that property (or with it empty) the secret is empty, and Tomcat refuses to start the AJP',
      '     connector (secretRequired with no secret); bindOnInit="false" keeps its port closed then, so AJP is refused.',
      '     ${name:-default} needs Tomcat 9.0.33 or later (every Tomcat 10).',
      '     rejectSuspiciousURIs="true" (Tomcat 10.1 and later): Tomcat answers 400 to ..;, %2e%2e, .; and an encoded / or \\.',
      `     Sessions ids end in .${xmlText(n.route)}: that suffix is how every balancer keeps a session on this node. -->`,
      `<Connector protocol="AJP/1.3" address="${xmlAttr(n.address.value)}" port="${n.ajpPort}" rejectSuspiciousURIs="true" ` +
        `secretRequired="true" secret="\${idha.ajp.secret:-}" bindOnInit="false" ` +
        `connectionTimeout="${model.connectionTimeoutSeconds * 1000}" maxConnections="${n.ajpMaxConnections}" />`,
      `<Connector protocol="HTTP/1.1" address="${xmlAttr(n.address.value)}" port="${n.httpPort}" rejectSuspiciousURIs="true" ` +
        `connectionTimeout="${model.connectionTimeoutSeconds * 1000}" />`,
      `<Engine name="Catalina" defaultHost="localhost" jvmRoute="${xmlAttr(n.route)}">`,
      '',
    ].join('\n');
  }

  public snippets(model: WebTierModel): Snippet[] {
    return [
      { kind: 'mod-jk', fileName: `mod-jk/idha-${model.name}.conf`, content: this.httpdConf(model) },
      ...model.nodes.map((n) => ({
        kind: 'mod-jk',
        fileName: `tomcat/${n.name}-${n.address.value.replace(/:/g, '-')}-server.xml`,
        content: this.tomcatFragment(model, n.name),
      })),
    ];
  }

  /**
   * A stopped Tomcat refuses the connection: the request in flight goes to another member at once.
   * A hung one costs the CPing timeout (or, without a CPing before each request, the reply timeout).
   * Back: recover_time after the error, at the next maintenance.
   */
  public estimate(model: WebTierModel): FailoverEstimate {
    const h = model.pools[0].health;
    const back = h.intervalSeconds * h.rise + h.intervalSeconds;
    return figuresEstimate(model.name, {
      ...(this.pingMode() === 'A'
        ? {
            seconds: h.timeoutSeconds,
            formula: `${h.timeoutSeconds}s CPing timeout (a refused connection: at once, the request retried on another node)`,
          }
        : {
            seconds: model.responseTimeoutSeconds,
            formula:
              `${model.responseTimeoutSeconds}s reply_timeout for a hung Tomcat (no CPing before each request; a refused connection: ` +
              `at once, retried on another node)`,
          }),
      platform: this.platform,
      failbackSeconds: back,
      failbackFormula: `${h.intervalSeconds * h.rise}s recover_time + ${h.intervalSeconds}s maintain = ${back}`,
    });
  }
}
