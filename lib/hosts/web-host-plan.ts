/**
 * The web tier's host plan: one `steps.sh` per balancer host and per Tomcat host, the exact commands
 * that put the generated files in place (Debian's layout), make the AJP secret once and carry the
 * same value to every host that needs it, and check the result. Each balancer target gives its own
 * section; the file is read and run by an admin, section by section, never by identity-ha.
 */
import { commentText } from '../core/lang/internal';
import { shWord } from '../core/lang/shell';
import { AddressKind } from '../core/address';
import { BalancerHostSteps, WebPoolMember, WebTierModel } from '../model/web-tier-model';
import { Snippet } from '../model/snippet';

/** Stops a later host's steps, before anything is installed, until `file` was copied from the first host. */
function requireCopied(file: string, firstHost: string): string {
  return `[ -s ${shWord(file)} ] || { echo 'copy ${file} from ${firstHost} first' >&2; exit 1; }`;
}

export { BalancerHostSteps } from '../model/web-tier-model';

/** Where Debian's tomcat10 package reads catalina.properties. */
export const DEBIAN_CATALINA_PROPERTIES = '/etc/tomcat10/catalina.properties';

const comment = (s: string) => `# ${commentText('steps.sh', s)}`;

/** The secret lines of the first balancer host: made once, mode 0600, hex (no character httpd or Java reads specially). */
function makeSecret(file: string): string[] {
  return [
    comment('The AJP secret, made once here (the first balancer host), then copied as it is to every other balancer host:'),
    '# idha-step: make-ajp-secret',
    `[ -s ${shWord(file)} ] || (umask 077 && printf 'Define IDHA_AJP_SECRET %s\\n' "$(openssl rand -hex 24)" > ${shWord(file)})`,
    `chmod 0600 ${shWord(file)}`,
  ];
}

function tomcatSecret(file: string, from: string): string[] {
  return [
    comment(`The AJP secret: the value of the Define line in ${file} on the balancer host ${from}, as idha.ajp.secret`),
    comment(`in ${DEBIAN_CATALINA_PROPERTIES} (readable by root and the tomcat group only). Run this file with SECRET set, e.g.:`),
    `#   SECRET=$(ssh root@${from} sed -n 's/^Define IDHA_AJP_SECRET //p' ${shWord(file)}) sh $0`,
    '# idha-step: tomcat-ajp-secret',
    `[ -n "\${SECRET:-}" ] || { echo 'SECRET is empty: read it from the balancer host first' >&2; exit 1; }`,
    `sed -i '/^idha\\.ajp\\.secret=/d' ${DEBIAN_CATALINA_PROPERTIES}`,
    `printf 'idha.ajp.secret=%s\\n' "$SECRET" >> ${DEBIAN_CATALINA_PROPERTIES}`,
    `chown root:tomcat ${DEBIAN_CATALINA_PROPERTIES} && chmod 0640 ${DEBIAN_CATALINA_PROPERTIES}`,
  ];
}

/** The standby balancer's files on one host, as the tier renders them for one balancer platform. */
export interface StandbyHostFiles {
  /** The cluster platform, e.g. `keepalived`. */
  readonly platform: string;
  /** Each file's path under the tier's snippets folder, and its content. */
  readonly files: Array<{ fileName: string; content: string }>;
}

function keepalivedSteps(files: StandbyHostFiles['files'], first: boolean, firstHost: string): string[] {
  const conf = files.find((f) => f.fileName.endsWith('.conf') && !f.fileName.includes('.service.d/'));
  const dropIn = files.find((f) => f.fileName.includes('.service.d/'));
  if (!conf) return [];
  const auth = /^includea (\S+)$/m.exec(conf.content)?.[1];
  return [
    'apt-get install -y keepalived',
    ...(auth
      ? first
        ? [
            comment('The VRRP password, made once here (the first balancer host), then copied as it is to the other hosts:'),
            `[ -s ${shWord(auth)} ] || (umask 077 && printf '$IDHA_AUTH_PASS=%s\\n' "$(openssl rand -hex 4)" > ${shWord(auth)})`,
            `chmod 0600 ${shWord(auth)}`,
          ]
        : [
            comment(`The VRRP password: copy ${auth} from ${firstHost} as it is, mode 0600, e.g.: scp -p root@${firstHost}:${auth} ${auth}`),
            requireCopied(auth, firstHost),
            `chmod 0600 ${shWord(auth)}`,
          ]
      : []),
    '[ ! -e /etc/keepalived/keepalived.conf ] || cp -n /etc/keepalived/keepalived.conf /etc/keepalived/keepalived.conf.before-identity-ha',
    `install -m 0644 ${shWord(conf.fileName)} /etc/keepalived/keepalived.conf`,
    ...(dropIn
      ? [
          `install -d /etc/systemd/system/keepalived.service.d && install -m 0644 ${shWord(dropIn.fileName)} ` +
            `/etc/systemd/system/keepalived.service.d/idha-restart.conf`,
          'systemctl daemon-reload',
        ]
      : []),
    'keepalived --config-test',
    'systemctl enable keepalived && systemctl restart keepalived',
  ];
}

/**
 * Every steps file of the tier: `hosts/<name>-<address>/<balancer>.sh` for each balancer host (the
 * standby's nodes, or `hosts/balancer/` without a standby) and balancer it may run, and
 * `hosts/<tomcat>-<address>/tomcat.sh` for each Tomcat.
 */
export function webTierHostPlan(
  model: WebTierModel,
  balancers: BalancerHostSteps[],
  fragments: string[],
  standby?: { nodes: Array<{ name: string; address: string }>; files: (platform: string, node: string) => StandbyHostFiles | undefined },
): Snippet[] {
  const out: Snippet[] = [];
  const secretFile = balancers.find((b) => b.ajpSecretFile)?.ajpSecretFile;
  const lbHosts = standby?.nodes ?? [];
  const firstLb = lbHosts[0]?.address ?? '<the balancer host>';
  const hosts = lbHosts.length > 0 ? lbHosts : [{ name: 'balancer', address: '' }];
  hosts.forEach((h, i) => {
    for (const b of balancers) {
      const lines = [
        '#!/bin/sh',
        comment(
          `identity-ha ${model.name}: ${b.platform} on the balancer host ${h.name}${h.address ? ` (${h.address})` : ''}, on Debian or ` +
            `Ubuntu. Run as root`,
        ),
        comment(
          `from the folder snippets/${model.name}/ that idha synth wrote (copied to the host): sh ` +
            `hosts/${h.address ? `${h.name}-${h.address.replace(/:/g, '-')}` : h.name}/${b.platform}.sh`,
        ),
        comment(
          i === 0
            ? "This is the first balancer host: it makes the secrets; run it before the other hosts' files."
            : `Run the file of ${firstLb} first: its secrets are copied from there.`,
        ),
        'set -eu',
        'cd "$(dirname "$0")/../.."',
        '',
      ];
      if (b.ajpSecretFile) {
        lines.push(
          ...(i === 0
            ? makeSecret(b.ajpSecretFile)
            : [
                comment(`The AJP secret: copy ${b.ajpSecretFile} from ${firstLb} (the first balancer host) as it is, mode 0600, e.g.:`),
                `#   scp -p root@${firstLb}:${b.ajpSecretFile} ${b.ajpSecretFile}`,
                requireCopied(b.ajpSecretFile, firstLb),
                `chmod 0600 ${shWord(b.ajpSecretFile)}`,
              ]),
          '',
        );
      }
      lines.push(...b.lines, '');
      const sb = h.address ? standby?.files(b.platform, h.name) : undefined;
      if (sb) {
        lines.push(
          comment(`The standby balancer (the virtual IP), through ${sb.platform}. Its check runs idha: Node.js 20 or later and identity-ha`),
          comment('(npm puts idha in /usr/local/bin, where the check looks).'),
          'apt-get install -y nodejs npm',
          'npm install -g identity-ha',
          'command -v idha',
          ...(sb.platform === 'keepalived'
            ? keepalivedSteps(sb.files, i === 0, firstLb)
            : [comment('Then these files; their first lines say where each goes and what it needs:'), ...sb.files.map((f) => `#   ${f.fileName}`)]),
          '',
        );
      }
      out.push({
        kind: 'host-plan',
        fileName: `hosts/${h.address ? `${h.name}-${h.address.replace(/:/g, '-')}` : h.name}/${b.platform}.sh`,
        content: lines.join('\n'),
      });
    }
  });
  for (const n of model.nodes)
    out.push({
      kind: 'host-plan',
      fileName: `hosts/${n.name}-${n.address.value.replace(/:/g, '-')}/tomcat.sh`,
      content: tomcatSteps(model, n, secretFile, firstLb, fragments).join('\n'),
    });
  return out;
}

function tomcatSteps(model: WebTierModel, n: WebPoolMember, secretFile: string | undefined, firstLb: string, all: string[]): string[] {
  const fragments = all
    .filter((f) => f.startsWith(`tomcat/${n.name}-${n.address.value.replace(/:/g, '-')}-`))
    .sort()
    .reverse();
  return [
    '#!/bin/sh',
    comment(`identity-ha ${model.name}: the Tomcat host ${n.name} (${n.address.value}), on Debian or Ubuntu. Run as root from the folder`),
    comment(`snippets/${model.name}/ that idha synth wrote (copied to the host)${secretFile ? ", after the first balancer host's file" : ''}.`),
    'set -eu',
    'cd "$(dirname "$0")/../.."',
    'apt-get install -y tomcat10',
    comment(`server.xml (/etc/tomcat10/server.xml): the Connector(s) and jvmRoute="${n.route}" from the fragment of the balancer you use:`),
    ...fragments.map((f) => `#   ${f}`),
    comment(
      fragments.length > 1
        ? '(mod_jk: -server.xml, with AJP and HTTP; an HTTP balancer: -http-server.xml). Edit it by hand before this file: identity-ha'
        : 'Edit it by hand before this file: identity-ha',
    ),
    comment(`never rewrites server.xml. This checks that it holds the route:`),
    `grep -q ${shWord(`jvmRoute="${n.route}"`)} /etc/tomcat10/server.xml || { echo 'set jvmRoute="${n.route}" in /etc/tomcat10/server.xml ` +
      `first' >&2; exit 1; }`,
    ...(secretFile ? tomcatSecret(secretFile, firstLb) : []),
    'systemctl restart tomcat10',
    ...model.pools
      .filter((p) => p.members.some((m) => m.name === n.name))
      .slice(0, 1)
      .map(
        (p) =>
          `curl -fsS -o /dev/null -w '%{http_code}\\n' ` +
          `${shWord(`http://${n.address.kind === AddressKind.IPV6 ? `[${n.address.value}]` : n.address.value}:${n.httpPort}${p.health.path}`)}`,
      ),
    '',
  ];
}
