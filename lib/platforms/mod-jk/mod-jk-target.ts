import { Construct } from 'constructs';
import { Problems } from '../../core/errors';
import { WebTierModel } from '../../model/web-tier-model';
import { IWebTierTarget, WebTierEstimate } from '../../web-tier/ha-web-tier';
import { Snippet } from '../target';
import { checkAbsPath, ident } from '../web-checks';
import { httpdComment, httpdQuoted as q } from '../../core/lang/httpd';
import { jkComment, jkMountPath, jkName, jkValue } from '../../core/lang/mod-jk';
import { xmlAttr, xmlText } from '../../core/lang/xml';

export interface ModJkTargetProps {
  /**
   * An httpd file on the balancer host that holds the AJP secret as `Define IDHA_AJP_SECRET <secret>`
   * (mode 0600), included by the generated snippet. Each Tomcat reads the same secret as
   * `idha.ajp.secret` from its `conf/catalina.properties`. The secret never enters the output.
   */
  readonly ajpSecretFile: string;
  /** Where the generated files go on the httpd host. @default /etc/apache2/identity-ha */
  readonly configFolder?: string;
  /** Folder for mod_jk's log and shared memory file. @default /var/log/apache2 */
  readonly logFolder?: string;
}

/**
 * Apache httpd 2.4 + mod_jk 1.2 over AJP 1.3: `workers.properties` with one `lb` worker per
 * application (its nodes as balance workers with `route` = jvmRoute, standbys at `distance` 1,
 * sticky sessions, CPing/CPong), `uriworkermap.properties`, the httpd snippet that loads them with a
 * `jkstatus` page for local requests only, and each Tomcat's `server.xml` fragment (AJP connector
 * with `secretRequired`, `jvmRoute` on the Engine).
 */
export class ModJkTarget implements IWebTierTarget {
  public readonly platform = 'mod-jk';
  public readonly balancerStatusPath?: string = '/jkstatus';

  constructor(public readonly props: ModJkTargetProps) {}

  private folder(): string {
    return this.props.configFolder ?? '/etc/apache2/identity-ha';
  }

  public validate(_model: WebTierModel, problems: Problems): void {
    checkAbsPath(problems, 'ajpSecretFile', this.props.ajpSecretFile, true, 'create it on the httpd host (mode 0600) with the line: Define IDHA_AJP_SECRET <secret>; the secret never goes into the topology or the output');
    checkAbsPath(problems, 'configFolder', this.props.configFolder, false);
    checkAbsPath(problems, 'logFolder', this.props.logFolder, false);
  }

  public render(_scope: Construct, _model: WebTierModel): void {}

  public warnings(model: WebTierModel): string[] {
    return [`mod-jk: mod_jk checks each Tomcat with AJP CPing/CPong (every ${model.pools[0]?.health.intervalSeconds ?? 5} s and before each request), not the applications' healthPath: a Tomcat whose connector answers while an application fails keeps getting that application's requests`];
  }

  public workersProperties(model: WebTierModel): string {
    const h = model.pools[0].health;
    const lines = [
      jkComment(`identity-ha ${model.name}: mod_jk workers. Install as ${this.folder()}/workers.properties; loaded by idha-${model.name}.conf.`),
      '# One lb worker per application; its members are the application\'s nodes, route = the Tomcat\'s jvmRoute.',
      '# Standbys have distance 1: they get requests only while every member at distance 0 is down.',
      `worker.list=${[...model.pools.map((p) => jkName(ident(p.name))), 'jkstatus'].join(',')}`,
      `worker.maintain=${h.intervalSeconds}`,
      '',
      '# The Tomcats (AJP 1.3). The secret is set by JkWorkerProperty in the httpd snippet, from the included secret file.',
    ];
    for (const n of model.nodes) {
      const w = `worker.${jkName(ident('node', n.name))}`;
      lines.push(
        `${w}.type=ajp13`,
        `${w}.host=${jkValue(n.address.value)}`,
        `${w}.port=${n.ajpPort}`,
        `${w}.ping_mode=A`,
        `${w}.ping_timeout=${h.timeoutSeconds * 1000}`,
        `${w}.connection_ping_interval=${h.intervalSeconds}`,
        `${w}.socket_connect_timeout=${h.timeoutSeconds * 1000}`,
        `# Tomcat's AJP connectionTimeout is ${model.connectionTimeoutSeconds} s: mod_jk drops idle connections first.`,
        `${w}.connection_pool_timeout=${model.connectionTimeoutSeconds}`,
        '',
      );
    }
    for (const p of model.pools) {
      const lb = jkName(ident(p.name));
      lines.push(jkComment(`${p.name}: ${p.paths.join(', ')}`));
      const members = p.members.map((m) => jkName(ident(p.name, m.name)));
      p.members.forEach((m, i) => {
        const w = `worker.${members[i]}`;
        lines.push(`${w}.reference=worker.${jkName(ident('node', m.name))}`, `${w}.route=${jkValue(m.route)}`, `${w}.distance=${m.priority > 0 ? 0 : 1}`);
      });
      lines.push(
        `worker.${lb}.type=lb`,
        `worker.${lb}.balance_workers=${members.join(',')}`,
        `worker.${lb}.sticky_session=true`,
        `worker.${lb}.recover_time=${h.intervalSeconds * h.rise}`,
        '',
      );
    }
    lines.push('# Status page, mounted for local requests only (see the httpd snippet).', 'worker.jkstatus.type=status', 'worker.jkstatus.read_only=true', '');
    return lines.join('\n');
  }

  public uriWorkerMap(model: WebTierModel): string {
    return [
      jkComment(`identity-ha ${model.name}: context paths to lb workers. Install as ${this.folder()}/uriworkermap.properties.`),
      ...model.pools.flatMap((p) => p.paths.flatMap((path) => [`${jkMountPath(path)}=${jkName(ident(p.name))}`, `${jkMountPath(`${path.replace(/\/$/, '')}/*`)}=${jkName(ident(p.name))}`])),
      '',
    ].join('\n');
  }

  public httpdConf(model: WebTierModel): string {
    const f = this.folder();
    const log = this.props.logFolder ?? '/var/log/apache2';
    return [
      httpdComment(`identity-ha ${model.name}: Apache httpd 2.4 + mod_jk 1.2. Install as ${f}/idha-${model.name}.conf with workers.properties`),
      httpdComment(`and uriworkermap.properties beside it, then: a2enmod jk (or LoadModule jk_module), and in the server config: Include ${f}/idha-${model.name}.conf`),
      `# Listen on port ${model.frontendPort} as usual; the mounts apply to the main server and every virtual host (JkMountCopy All).`,
      '<IfModule !jk_module>',
      '    LoadModule jk_module /usr/lib/apache2/modules/mod_jk.so',
      '</IfModule>',
      `# Define IDHA_AJP_SECRET <secret>, mode 0600; each Tomcat has the same secret as idha.ajp.secret in conf/catalina.properties.`,
      `Include ${q(this.props.ajpSecretFile)}`,
      '# Fail closed: without the Define, httpd refuses to start (it would send the literal ${IDHA_AJP_SECRET}).',
      '<IfDefine !IDHA_AJP_SECRET>',
      `    Error ${q(`identity-ha: IDHA_AJP_SECRET is not defined: put the line Define IDHA_AJP_SECRET (the secret) in ${this.props.ajpSecretFile}`)}`,
      '</IfDefine>',
      `JkWorkersFile ${q(`${f}/workers.properties`)}`,
      ...model.nodes.map((n) => `JkWorkerProperty worker.${jkName(ident('node', n.name))}.secret=\${IDHA_AJP_SECRET}`),
      `JkMountFile ${q(`${f}/uriworkermap.properties`)}`,
      'JkMountCopy All',
      `JkShmFile ${q(`${log}/mod_jk-${model.name}.shm`)}`,
      `JkLogFile ${q(`${log}/mod_jk-${model.name}.log`)}`,
      'JkLogLevel info',
      '<Location "/jkstatus">',
      '    JkMount jkstatus',
      '    Require local',
      '</Location>',
      '',
    ].join('\n');
  }

  /** The `server.xml` fragment of one Tomcat. */
  public tomcatFragment(model: WebTierModel, node: string): string {
    const n = model.nodes.find((x) => x.name === node)!;
    return [
      `<!-- identity-ha ${xmlText(model.name)}: Tomcat ${xmlText(n.name)} (${xmlText(n.address.value)}) behind mod_jk. In conf/server.xml:`,
      '     1. put the Connector inside <Service name="Catalina">;',
      `     2. set jvmRoute="${n.route}" on the Engine (its opening tag below);`,
      '     3. put the AJP secret in conf/catalina.properties (mode 0600): idha.ajp.secret=<the secret of the httpd secret file>.',
      '     Fail closed: without that property (or with it empty) the secret is empty, and Tomcat refuses to start this',
      '     connector (secretRequired with no secret); bindOnInit="false" keeps its port closed then, so AJP is refused.',
      '     ${name:-default} needs Tomcat 9.0.33 or later (every Tomcat 10).',
      `     Sessions ids end in .${n.route}: that suffix is how every balancer keeps a session on this node. -->`,
      `<Connector protocol="AJP/1.3" address="${xmlAttr(n.address.value)}" port="${n.ajpPort}" rejectSuspiciousURIs="true" secretRequired="true" secret="\${idha.ajp.secret:-}" bindOnInit="false" connectionTimeout="${model.connectionTimeoutSeconds * 1000}" />`,
      `<Engine name="Catalina" defaultHost="localhost" jvmRoute="${xmlAttr(n.route)}">`,
      '',
    ].join('\n');
  }

  public snippets(model: WebTierModel): Snippet[] {
    return [
      { kind: 'mod-jk', fileName: 'mod-jk/workers.properties', content: this.workersProperties(model) },
      { kind: 'mod-jk', fileName: 'mod-jk/uriworkermap.properties', content: this.uriWorkerMap(model) },
      { kind: 'mod-jk', fileName: `mod-jk/idha-${model.name}.conf`, content: this.httpdConf(model) },
      ...model.nodes.map((n) => ({ kind: 'mod-jk', fileName: `tomcat/${n.name}-${n.address.value.replace(/:/g, '-')}-server.xml`, content: this.tomcatFragment(model, n.name) })),
    ];
  }

  /**
   * A stopped Tomcat refuses the connection: the request in flight goes to another member at once.
   * A hung one costs the CPing timeout. Back: recover_time after the error, at the next maintenance.
   */
  public estimate(model: WebTierModel): WebTierEstimate {
    const h = model.pools[0].health;
    const back = h.intervalSeconds * h.rise + h.intervalSeconds;
    return {
      platform: this.platform, seconds: h.timeoutSeconds, formula: `${h.timeoutSeconds}s CPing timeout (a refused connection: at once, the request retried on another node)`,
      failbackSeconds: back, failbackFormula: `${h.intervalSeconds * h.rise}s recover_time + ${h.intervalSeconds}s maintain = ${back}`,
    };
  }
}
