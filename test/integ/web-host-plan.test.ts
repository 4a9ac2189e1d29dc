/**
 * The web tier's host plan, run as written: each balancer host's and Tomcat host's steps file, as
 * root in a private mount and network namespace where copies of /etc/apache2, /etc/haproxy, /etc/keepalived,
 * /etc/systemd/system, /etc/tomcat10, /usr/local/bin and /var/lib/apache2 are bound over the real ones. a2enmod,
 * a2enconf, apachectl -t and keepalived --config-test are the real ones; apt-get, systemctl, npm and
 * curl are stand-ins that log their arguments (the network namespace has no route to a topology
 * address anyway).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { IDHA, REPO } from '../helpers';

const TOOLS = ['unshare', 'a2enmod', 'apache2ctl', 'keepalived', 'haproxy'];
const missing = TOOLS.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
// var/lib/apache2 holds a2enmod's and a2enconf's enabled_by_admin markers: without a private copy, two runs
// side by side (CI's Node 22 and 24 legs) race on the machine's own markers, and each run changes them.
const BOUND = ['etc/apache2', 'etc/haproxy', 'etc/keepalived', 'etc/systemd/system', 'etc/tomcat10', 'usr/local/bin', 'var/lib/apache2'];

describe('the web tier host plan (examples/web-tier.yaml), run as written', { timeout: 300_000 }, () => {
  it(`THEN the tools are here and this runs as root (.ci/run installs apache2, libapache2-mod-jk, keepalived, tomcat10)`, () => {
    assert.deepEqual(missing, [], `missing: ${missing.join(', ')}`);
    assert.equal(process.getuid?.(), 0, 'the namespace test needs root');
  });
  if (missing.length > 0 || process.getuid?.() !== 0) return;

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hostplan-'));
  const out = path.join(tmp, 'out');
  const snippets = path.join(out, 'snippets', 'idm-web');
  /** One host's private root: the copies bound over /etc/... and /usr/local/bin. */
  const host = (name: string) => {
    const root = path.join(tmp, name);
    for (const d of BOUND) {
      fs.mkdirSync(path.join(root, d), { recursive: true });
      if (fs.existsSync(`/${d}`) && d !== 'usr/local/bin') assert.equal(spawnSync('cp', ['-a', `/${d}/.`, path.join(root, d)]).status, 0);
    }
    // What npm install -g identity-ha leaves: /usr/local/bin/idha (a stand-in that passes, root's, 0755).
    fs.writeFileSync(path.join(root, 'usr/local/bin/idha'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const bin = path.join(root, 'stand-ins');
    fs.mkdirSync(bin);
    for (const c of ['apt-get', 'systemctl', 'npm', 'curl'])
      fs.writeFileSync(path.join(bin, c), `#!/bin/sh\nprintf '%s\\n' "${c} $*" >> ${root}/calls.log\n`, { mode: 0o755 });
    return root;
  };
  /** Runs `script` (under snippets/idm-web) as root inside the host's namespace; env adds variables. */
  const run = (root: string, script: string, env: Record<string, string> = {}) => {
    const binds = BOUND.map((d) => `mount --bind ${root}/${d} /${d}`).join(' && ');
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}='${v}' `)
      .join('');
    return spawnSync(
      'unshare',
      [
        '-m',
        '-n',
        'sh',
        '-c',
        `mount --make-rprivate / && ${binds} && ip link add eth0 type veth peer name eth0p && cd ${snippets} && PATH=${root}/stand-ins:$PATH ` +
          `${vars}sh ${script}`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
  };

  /** The machine's own a2enmod/a2enconf markers: the run must leave them as it found them. */
  const markers = () =>
    spawnSync('find', ['/var/lib/apache2', '-printf', '%P %y %m %T@\\n'], { encoding: 'utf8' }).stdout.split('\n').sort().join('\n');
  const machineMarkers = markers();
  before(() => {
    const r = spawnSync(process.execPath, [IDHA, 'synth', '-c', path.join(REPO, 'examples/web-tier.yaml'), '-o', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('GIVEN the example THEN one file per balancer per balancer host, and one per Tomcat', () => {
    const files = fs
      .readdirSync(path.join(snippets, 'hosts'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(path.join(snippets, 'hosts'), path.join(e.parentPath, e.name)))
      .sort();
    assert.deepEqual(files, [
      ...['httpd1-10.0.4.21', 'httpd2-10.0.4.22'].flatMap((h) => ['haproxy.sh', 'mod-jk.sh', 'mod-proxy-balancer.sh'].map((f) => `${h}/${f}`)),
      'tomcat1-10.0.5.11/tomcat.sh',
      'tomcat2-10.0.5.12/tomcat.sh',
      'tomcat3-10.0.5.13/tomcat.sh',
    ]);
  });

  let secret = '';
  it(
    "GIVEN httpd1's mod-jk.sh THEN Debian's a2enmod and a2enconf enable the generated file, apachectl -t and keepalived --config-test pass, " +
      'the AJP secret and the VRRP password are made once (0600); run again THEN both are unchanged',
    () => {
      const root = host('httpd1');
      const r = run(root, 'hosts/httpd1-10.0.4.21/mod-jk.sh');
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.ok(fs.lstatSync(path.join(root, 'etc/apache2/conf-enabled/idha-idm-web.conf')).isSymbolicLink(), 'a2enconf');
      assert.ok(fs.existsSync(path.join(root, 'etc/apache2/mods-enabled/jk.load')), 'a2enmod jk');
      const secretFile = path.join(root, 'etc/apache2/idha-ajp-secret.conf');
      assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
      const m = /^Define IDHA_AJP_SECRET ([0-9a-f]{48})\n$/.exec(fs.readFileSync(secretFile, 'utf8'));
      assert.ok(m, fs.readFileSync(secretFile, 'utf8'));
      secret = m[1];
      const auth = fs.readFileSync(path.join(root, 'etc/keepalived/idha-auth.conf'), 'utf8');
      assert.match(auth, /^\$IDHA_AUTH_PASS=[0-9a-f]{8}\n$/);
      assert.equal(
        fs.readFileSync(path.join(root, 'etc/keepalived/keepalived.conf'), 'utf8'),
        fs.readFileSync(path.join(snippets, 'balancer/mod-jk/keepalived/httpd1-10.0.4.21.conf'), 'utf8'),
      );
      assert.ok(fs.existsSync(path.join(root, 'etc/systemd/system/keepalived.service.d/idha-restart.conf')));
      const calls = fs.readFileSync(path.join(root, 'calls.log'), 'utf8');
      assert.match(calls, /^systemctl reload apache2$/m);
      assert.match(calls, /^curl .*JSESSIONID=idha-check\.tomcat3.*\/selfservice\/$/m, 'the per-Tomcat checks');
      const again = run(root, 'hosts/httpd1-10.0.4.21/mod-jk.sh');
      assert.equal(again.status, 0, again.stderr);
      assert.equal(/IDHA_AJP_SECRET (\S+)/.exec(fs.readFileSync(secretFile, 'utf8'))![1], secret, 'the secret is kept');
      assert.equal(fs.readFileSync(path.join(root, 'etc/keepalived/idha-auth.conf'), 'utf8'), auth, 'the password is kept');
    },
  );

  it(
    "GIVEN httpd1's haproxy.sh and mod-proxy-balancer.sh THEN each passes: haproxy -c, Debian's haproxy.cfg kept beside the generated one " +
      '(once), a2enmod of the proxy modules, a2enconf, apachectl -t',
    () => {
      const root = host('httpd1-other');
      const debian = fs.readFileSync(path.join(root, 'etc/haproxy/haproxy.cfg'), 'utf8');
      for (let i = 0; i < 2; i++) {
        const r = run(root, 'hosts/httpd1-10.0.4.21/haproxy.sh');
        assert.equal(r.status, 0, r.stderr + r.stdout);
      }
      assert.equal(
        fs.readFileSync(path.join(root, 'etc/haproxy/haproxy.cfg.before-identity-ha'), 'utf8'),
        debian,
        "Debian's file, not the generated one of the first run",
      );
      assert.equal(
        fs.readFileSync(path.join(root, 'etc/haproxy/haproxy.cfg'), 'utf8'),
        fs.readFileSync(path.join(snippets, 'haproxy/haproxy.cfg'), 'utf8'),
      );
      const p = run(root, 'hosts/httpd1-10.0.4.21/mod-proxy-balancer.sh');
      assert.equal(p.status, 0, p.stderr + p.stdout);
      for (const m of ['proxy', 'proxy_http', 'proxy_balancer', 'proxy_hcheck', 'lbmethod_byrequests', 'slotmem_shm'])
        assert.ok(fs.existsSync(path.join(root, `etc/apache2/mods-enabled/${m}.load`)), m);
      assert.ok(fs.lstatSync(path.join(root, 'etc/apache2/conf-enabled/idha-idm-web-proxy.conf')).isSymbolicLink());
    },
  );

  it(
    "GIVEN httpd2's mod-jk.sh without the secret copied from httpd1 THEN it stops and says so, before installing anything; with it THEN it " +
      'passes',
    () => {
      const root = host('httpd2');
      const r = run(root, 'hosts/httpd2-10.0.4.22/mod-jk.sh');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /copy \/etc\/apache2\/idha-ajp-secret\.conf from 10\.0\.4\.21 first/);
      assert.equal(fs.existsSync(path.join(root, 'calls.log')), false, 'nothing ran');
      fs.copyFileSync(path.join(tmp, 'httpd1/etc/apache2/idha-ajp-secret.conf'), path.join(root, 'etc/apache2/idha-ajp-secret.conf'));
      fs.copyFileSync(path.join(tmp, 'httpd1/etc/keepalived/idha-auth.conf'), path.join(root, 'etc/keepalived/idha-auth.conf'));
      const ok = run(root, 'hosts/httpd2-10.0.4.22/mod-jk.sh');
      assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    },
  );

  it(
    "GIVEN tomcat3's tomcat.sh THEN without jvmRoute in server.xml, or without SECRET, it stops; with both THEN catalina.properties holds " +
      "the balancer's secret, 0640 root:tomcat, and a second run keeps one line",
    () => {
      const root = host('tomcat3');
      const r = run(root, 'hosts/tomcat3-10.0.5.13/tomcat.sh', { SECRET: secret });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /set jvmRoute="tomcat3"/);
      const xml = path.join(root, 'etc/tomcat10/server.xml');
      fs.writeFileSync(
        xml,
        fs
          .readFileSync(xml, 'utf8')
          .replace('<Engine name="Catalina" defaultHost="localhost">', '<Engine name="Catalina" defaultHost="localhost" jvmRoute="tomcat3">'),
      );
      const noSecret = run(root, 'hosts/tomcat3-10.0.5.13/tomcat.sh');
      assert.equal(noSecret.status, 1);
      assert.match(noSecret.stderr, /SECRET is empty/);
      // The value as the file's comment reads it from the balancer host's secret file.
      const read = spawnSync('sed', ['-n', 's/^Define IDHA_AJP_SECRET //p', path.join(tmp, 'httpd1/etc/apache2/idha-ajp-secret.conf')], {
        encoding: 'utf8',
      }).stdout.trim();
      assert.equal(read, secret);
      for (let i = 0; i < 2; i++) {
        const ok = run(root, 'hosts/tomcat3-10.0.5.13/tomcat.sh', { SECRET: read });
        assert.equal(ok.status, 0, ok.stderr + ok.stdout);
      }
      const props = path.join(root, 'etc/tomcat10/catalina.properties');
      const lines = fs
        .readFileSync(props, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('idha.ajp.secret='));
      assert.deepEqual(lines, [`idha.ajp.secret=${secret}`]);
      const st = fs.statSync(props);
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(st.uid, 0);
      assert.match(fs.readFileSync(path.join(root, 'calls.log'), 'utf8'), /^systemctl restart tomcat10$/m);
    },
  );

  it("GIVEN every run above THEN the machine's own /var/lib/apache2 (a2enmod's and a2enconf's markers) is as it was", () => {
    assert.equal(markers(), machineMarkers);
  });
});
