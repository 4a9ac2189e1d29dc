import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import {
  HaproxyWebTarget,
  HaWebTier,
  HaWebTierProps,
  IWebTierTarget,
  KeepalivedTarget,
  ModJkTarget,
  ModProxyBalancerTarget,
} from '../../lib/internal';
import { DebianApache, debianApache } from '../debian-apache';
import { freePort, sleep, until } from '../e2e-helpers';
import { IDHA } from '../helpers';
import { build, PROXY_MODULES, tierProps } from '../web-tier-fixtures';

/** Waits for `ok` (a refused connection counts as not yet). */
const waitUntil = (what: string, ok: () => Promise<boolean>, ms = 60_000) => until(what, () => ok().catch(() => false), ms);

// ---------------------------------------------------------------------------------------------
// Real servers: three Tomcat 10 instances, httpd + mod_jk, httpd + mod_proxy_balancer, HAProxy.

const TOOLS = ['tomcat10-instance-create', 'apache2ctl', 'haproxy'];
const haveTools = TOOLS.every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0) && fs.existsSync('/usr/lib/apache2/modules/mod_jk.so');

/** GET through a balancer; `cookie` is sent when given. Answers `node=<name> session=<id>` from the test webapp. */
function get(
  port: number,
  p: string,
  cookie?: string,
  agent?: http.Agent,
  timeoutMs = 10_000,
): Promise<{ status: number; node?: string; session?: string; setCookie?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: agent ?? false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          node: /node=(\S+)/.exec(body)?.[1],
          session: /session=(\S+)/.exec(body)?.[1],
          setCookie: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('JSESSIONID=')),
        }),
      );
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('real servers: three Tomcats behind the generated mod_jk, mod_proxy_balancer and HAProxy configs', { timeout: 420_000 }, () => {
  it(
    'THEN tomcat10, apache2 with mod_jk and haproxy are installed (.ci/run installs tomcat10 tomcat10-user apache2 libapache2-mod-jk ' + 'haproxy)',
    () => {
      assert.ok(haveTools, `missing one of ${TOOLS.join(', ')} or mod_jk.so`);
    },
  );
  if (!haveTools) return;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-web-'));
  fs.chmodSync(dir, 0o755);
  const ports: Record<string, number> = {};
  const tomcats: Record<string, { base: string; up: boolean }> = {};
  const daemons: ChildProcess[] = [];
  const apaches: Record<string, DebianApache> = {};
  let tier: HaWebTier;
  let proxyTier: HaWebTier;
  let haTier: HaWebTier;

  /** Kills a Tomcat the way a crash would (SIGKILL), and waits until its port refuses. */
  const crash = async (name: string, httpPort: number) => {
    const pid = Number(fs.readFileSync(path.join(tomcats[name].base, 'tomcat.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    tomcats[name].up = false;
    await waitUntil(
      `${name} gone`,
      async () =>
        !(await get(httpPort, '/identity/health.jsp').then(
          () => true,
          () => false,
        )),
      10_000,
    );
  };
  const catalina = (name: string, action: 'start') =>
    spawnSync(`/usr/share/tomcat10/bin/catalina.sh`, [action], {
      env: {
        ...process.env,
        CATALINA_HOME: '/usr/share/tomcat10',
        CATALINA_BASE: tomcats[name].base,
        CATALINA_PID: path.join(tomcats[name].base, 'tomcat.pid'),
        CATALINA_OPTS: `-Didha.node=${name} -Xmx256m -Xss512k`,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

  before(async () => {
    for (const k of ['h1', 'h2', 'h3', 'a1', 'a2', 'a3', 's1', 's2', 's3', 'jk', 'proxy', 'haproxy', 'hstats']) ports[k] = await freePort();
    const nodes = [1, 2, 3].map((i) => ({ name: `tomcat${i}`, address: '127.0.0.1', httpPort: ports[`h${i}`], ajpPort: ports[`a${i}`] }));
    const props = (targets: IWebTierTarget[], frontendPort: number): HaWebTierProps => ({
      nodes,
      applications: [
        { name: 'operator', paths: ['/identity'], healthPath: '/identity/health.jsp', nodes: ['tomcat1', 'tomcat2'] },
        { name: 'selfservice', paths: ['/selfservice'], healthPath: '/selfservice/health.jsp', nodes: ['tomcat3'], standbyNodes: ['tomcat1'] },
      ],
      healthCheck: { intervalSeconds: 1, timeoutSeconds: 1, fall: 1, rise: 1 },
      responseTimeoutSeconds: 3,
      frontendPort,
      targets,
    });
    const conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(dir, 'ajp-secret.conf'), 'Define IDHA_AJP_SECRET idha-test-secret\n', { mode: 0o600 });
    tier = build(
      props([new ModJkTarget({ ajpSecretFile: path.join(dir, 'ajp-secret.conf'), configFolder: conf, logFolder: path.join(dir, 'logs') })], ports.jk),
    );
    proxyTier = build(props([new ModProxyBalancerTarget({ configFolder: conf })], ports.proxy));
    haTier = build(
      props(
        [
          new HaproxyWebTarget({
            bindAddress: '127.0.0.1',
            logTarget: 'stdout',
            statsSocket: path.join(dir, 'haproxy.sock'),
            statsPagePort: ports.hstats,
          }),
        ],
        ports.haproxy,
      ),
    );
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.chmodSync(path.join(dir, 'logs'), 0o777);
    for (const s of [...tier.snippets(), ...proxyTier.snippets(), ...haTier.snippets()]) {
      if (s.fileName.startsWith('tomcat/')) continue;
      fs.writeFileSync(path.join(conf, path.basename(s.fileName)), s.content);
    }

    // Three Tomcats, each with the generated server.xml fragment and two tiny webapps.
    const jsp = '<%@ page contentType="text/plain" %>node=<%= System.getProperty("idha.node") %> session=<%= session.getId() %>\n';
    await Promise.all(
      nodes.map(async (n, i) => {
        const base = path.join(dir, n.name);
        const r = spawnSync('tomcat10-instance-create', ['-p', String(n.httpPort), '-c', String(ports[`s${i + 1}`]), base], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        tomcats[n.name] = { base, up: false };
        const fragment = tier.snippets().find((s) => s.fileName.startsWith(`tomcat/${n.name}-`))!.content;
        const connector = /<Connector [^>]+\/>/.exec(fragment)![0];
        const engine = /<Engine [^>]+>/.exec(fragment)![0];
        const serverXml = path.join(base, 'conf', 'server.xml');
        const xml = fs.readFileSync(serverXml, 'utf8');
        assert.match(xml, /<Engine name="Catalina" defaultHost="localhost">/);
        // The HTTP connector the balancers send to: the generated one (rejectSuspiciousURIs) instead of the instance's own.
        const httpFragment = haTier
          .snippets()
          .find((s) => s.fileName.startsWith(`tomcat/${n.name}-`) && s.fileName.endsWith('-http-server.xml'))!.content;
        const httpConnector = /<Connector [^>]+\/>/.exec(httpFragment)![0];
        const ownHttp = new RegExp(`<Connector port="${n.httpPort}" protocol="HTTP/1\\.1"[^>]*/>`);
        assert.match(xml, ownHttp);
        fs.writeFileSync(
          serverXml,
          xml
            .replace('<Engine name="Catalina" defaultHost="localhost">', engine)
            .replace(ownHttp, httpConnector)
            .replace('<Service name="Catalina">', `<Service name="Catalina">\n    ${connector}`),
        );
        fs.appendFileSync(path.join(base, 'conf', 'catalina.properties'), '\nidha.ajp.secret=idha-test-secret\n');
        for (const app of ['identity', 'selfservice']) {
          fs.mkdirSync(path.join(base, 'webapps', app), { recursive: true });
          fs.writeFileSync(path.join(base, 'webapps', app, 'index.jsp'), jsp);
          fs.writeFileSync(path.join(base, 'webapps', app, 'health.jsp'), '<%@ page contentType="text/plain" session="false" %>ok\n');
          fs.writeFileSync(
            path.join(base, 'webapps', app, 'forbidden.jsp'),
            '<%@ page contentType="text/plain" session="false" %><% response.setStatus(403); %>forbidden\n',
          );
          fs.writeFileSync(
            path.join(base, 'webapps', app, 'node.jsp'),
            '<%@ page contentType="text/plain" session="false" %>node=<%= System.getProperty("idha.node") %>\n',
          );
        }
      }),
    );
    for (const n of nodes) {
      const r = catalina(n.name, 'start');
      assert.equal(r.status, 0, r.stderr + r.stdout);
      tomcats[n.name].up = true;
    }
    for (const n of nodes) {
      // Compile both pages once, directly (JSP compilation must not eat the balancers' timeouts).
      await waitUntil(
        `${n.name} serving`,
        async () => (await get(n.httpPort, '/identity/')).status === 200 && (await get(n.httpPort, '/selfservice/health.jsp')).status === 200,
      );
      await get(n.httpPort, '/selfservice/');
      await get(n.httpPort, '/identity/health.jsp');
      await get(n.httpPort, '/identity/node.jsp');
      await get(n.httpPort, '/selfservice/node.jsp');
    }

    // Debian's layout, as a user enables it: a2enmod, the snippet in conf-available, a2enconf; Debian's jk.conf untouched.
    for (const [name, file, mods, off] of [
      ['jk', 'idha-idm-web.conf', ['jk'], []],
      ['proxy', 'idha-idm-web-proxy.conf', PROXY_MODULES, ['jk']],
    ] as const) {
      const a = debianApache(dir, name, ports[name], {
        enableMods: [...mods],
        disableMods: [...off],
        confs: { [file]: fs.readFileSync(path.join(conf, file), 'utf8') },
      });
      const t = a.check();
      assert.equal(t.status, 0, `apachectl -t on ${name}: ${t.output}`);
      a.start();
      apaches[name] = a;
    }
    const hc = spawnSync('haproxy', ['-c', '-f', path.join(conf, 'haproxy.cfg')], { encoding: 'utf8' });
    assert.equal(hc.status, 0, hc.stderr + hc.stdout);
    const hap = spawn('haproxy', ['-db', '-f', path.join(conf, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(hap);
    for (const b of ['jk', 'proxy', 'haproxy'])
      await waitUntil(`${b} answering`, async () => (await get(ports[b], '/identity/')).status === 200, 30_000);
    // The hcheck and HAProxy checks have seen every node up (rise 1, interval 1 s).
    await new Promise((r) => setTimeout(r, 2500));
  });

  after(() => {
    for (const a of Object.values(apaches)) a.stop();
    for (const d of daemons) d.kill('SIGKILL');
    for (const n of Object.keys(tomcats)) {
      if (!tomcats[n].up) continue;
      try {
        process.kill(Number(fs.readFileSync(path.join(tomcats[n].base, 'tomcat.pid'), 'utf8').trim()), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (process.env.IDHA_KEEP_TMP) console.error(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });

  const BALANCERS = ['jk', 'proxy', 'haproxy'] as const;

  it(
    'GIVEN balancerStandby on each running balancer THEN the standby check of its own set (idha check --http on its status page, from the ' +
      "generated keepalived.conf) passes; the mod-jk set's /jkstatus check fails on HAProxy and mod_proxy_balancer (one set for all would take " +
      'the VIP off every node)',
    () => {
      const standby = {
        nodes: [
          { name: 'lb1', address: '127.0.0.1' },
          { name: 'lb2', address: '127.0.0.2' },
        ],
        virtualIp: '127.0.0.100',
        prefixLength: 8,
        targets: [new KeepalivedTarget({ virtualRouterId: 70, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/a.conf' })],
      };
      const targets: Record<string, IWebTierTarget> = {
        jk: new ModJkTarget({ ajpSecretFile: '/etc/apache2/s.conf' }),
        proxy: new ModProxyBalancerTarget(),
        haproxy: new HaproxyWebTarget({ bindAddress: '127.0.0.1' }),
      };
      const checkOf = (b: string, page?: string) => {
        const t = build({ ...tierProps({ balancerStandby: standby }, [targets[b]]), frontendPort: ports[b] });
        const conf = t.snippets().find((x) => /^balancer\/[^/]+\/keepalived\/lb1-/.test(x.fileName))!.content;
        const words = /script "([^"]+)"/.exec(conf)![1].split(' ');
        assert.deepEqual(words.slice(0, 1), ['/usr/local/bin/idha'], 'idha by its absolute path');
        const args = words.slice(1).map((w) => (page && w.startsWith('http://') ? w.replace(/\/[^/]*$/, `/${page}`) : w));
        return spawnSync(process.execPath, [IDHA, ...args], { encoding: 'utf8', timeout: 20_000 });
      };
      for (const b of ['jk', 'proxy', 'haproxy']) {
        const r = checkOf(b);
        assert.equal(r.status, 0, `${b}: its own status page: ${r.stdout}${r.stderr}`);
      }
      for (const b of ['proxy', 'haproxy']) assert.equal(checkOf(b, 'jkstatus').status, 1, `${b}: /jkstatus is not its page`);
    },
  );

  it('GIVEN the generated stats socket THEN it answers show servers state with every server of both backends, UP (2)', () => {
    const r = spawnSync(
      'python3',
      [
        '-c',
        'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show servers state\\n"); print(s.makefile().read())',
        path.join(dir, 'haproxy.sock'),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\d+ /.test(l))
      .map((l) => l.split(' '));
    // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state ...; 2 = running.
    assert.deepEqual(
      rows.map((c) => [c[1], c[3], c[5]]).sort(),
      [
        ['idm-web-operator', 'tomcat1', '2'],
        ['idm-web-operator', 'tomcat2', '2'],
        ['idm-web-selfservice', 'tomcat1', '2'],
        ['idm-web-selfservice', 'tomcat3', '2'],
      ],
      r.stdout,
    );
  });

  it(
    "GIVEN statsPagePort THEN the stats page answers on 127.0.0.1 with both backends' servers (CSV export), and the frontend port does not " +
      'serve it',
    async () => {
      const csv = await get(ports.hstats, '/;csv');
      assert.equal(csv.status, 200);
      const rows = csv.body
        .split('\n')
        .filter((l) => /^idm-web-/.test(l))
        .map((l) => l.split(',').slice(0, 2).join('/'));
      for (const s of ['idm-web-operator/tomcat1', 'idm-web-operator/tomcat2', 'idm-web-selfservice/tomcat3', 'idm-web-selfservice/tomcat1'])
        assert.ok(rows.includes(s), `${s} in ${rows.join(' ')}`);
      assert.equal((await get(ports.haproxy, '/;csv')).status, 404, "not on the clients' port");
    },
  );

  it(
    "GIVEN a path no application serves (also one that only starts like an application's) THEN every balancer answers 404, as the ALB does; " +
      "an application's path beside it is served",
    async () => {
      for (const b of BALANCERS) {
        for (const p of ['/nothing', '/identityX', '/selfservicex/health.jsp']) {
          const r = await get(ports[b], p);
          assert.equal(r.status, 404, `${b} ${p}: ${r.status} ${r.body.slice(0, 200)}`);
        }
        assert.equal((await get(ports[b], '/identity/')).status, 200, `${b} /identity/`);
      }
    },
  );

  it(
    'direct (what a balancer that routes by the raw path and has no rule of its own forwards, e.g. Application Gateway): GIVEN the ' +
      'generated HTTP connector on tomcat1 (which has both applications) THEN each path that climbs out of /identity is answered 400 by Tomcat ' +
      'itself; /identity/ beside them is served',
    async () => {
      for (const p of [
        '/identity/..;/selfservice/',
        '/identity/%2e%2e/selfservice/',
        '/identity/%2E%2e;x/selfservice/',
        '/identity/.;/..;/selfservice/',
        '/identity/..;x=1/selfservice/',
        '/identity/%2fx',
        '/identity/%5cx',
      ]) {
        const r = await get(ports.h1, p);
        assert.equal(r.status, 400, `tomcat1 ${p}: ${r.status} ${r.body.slice(0, 200)}`);
      }
      assert.equal((await get(ports.h1, '/identity/')).status, 200);
    },
  );

  for (const b of BALANCERS) {
    it(`${b}: GIVEN 20 new clients THEN the first application spreads over tomcat1 and tomcat2 and never reaches tomcat3`, async () => {
      const seen = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        const r = await get(ports[b], '/identity/');
        assert.equal(r.status, 200, r.body);
        seen.set(r.node!, (seen.get(r.node!) ?? 0) + 1);
      }
      assert.deepEqual([...seen.keys()].sort(), ['tomcat1', 'tomcat2'], JSON.stringify([...seen]));
      for (const n of seen.values()) assert.ok(n >= 5, `round robin, not all on one node: ${JSON.stringify([...seen])}`);
    });

    it(
      `${b}: GIVEN a session THEN every request with its cookie stays on its node, and the cookie Tomcat set reaches the client ` + `unchanged`,
      async () => {
        const first = await get(ports[b], '/identity/');
        assert.ok(first.setCookie, 'Tomcat set JSESSIONID');
        assert.equal(first.setCookie, `JSESSIONID=${first.session}`, "the client sees Tomcat's own cookie");
        assert.ok(first.session!.endsWith(`.${first.node}`), "the session id ends in the node's jvmRoute");
        for (let i = 0; i < 10; i++) {
          const r = await get(ports[b], '/identity/', first.setCookie);
          assert.equal(r.node, first.node);
          assert.equal(r.session, first.session);
        }
      },
    );

    it(
      `${b}: GIVEN request paths that climb out of /identity (..;, %2e%2e, .;) THEN refused, or served by the pool of the application they ` +
        `name (never selfservice from the identity pool); /identity/ beside them is served`,
      async () => {
        for (const p of [
          '/identity/..;/selfservice/',
          '/identity/%2e%2e/selfservice/',
          '/identity/%2E%2e;x/selfservice/',
          '/identity/.;/..;/selfservice/',
          '/identity/..;x=1/selfservice/',
        ]) {
          const r = await get(ports[b], p);
          const servedBy = r.status === 200 ? r.node : undefined;
          assert.ok(
            r.status >= 400 || (servedBy === 'tomcat3' && /session=/.test(r.body)),
            `${b} ${p}: ${r.status} from ${servedBy}: ${r.body.slice(0, 200)}`,
          );
        }
        const ok = await get(ports[b], '/identity/');
        assert.equal(ok.status, 200);
        assert.notEqual(ok.node, 'tomcat3');
      },
    );

    it(`${b}: GIVEN the second application THEN only tomcat3 serves it while tomcat3 is up (the standby tomcat1 idles)`, async () => {
      for (let i = 0; i < 10; i++) assert.equal((await get(ports[b], '/selfservice/')).node, 'tomcat3');
    });
  }

  it(
    'GIVEN a Tomcat with the generated AJP connector and no idha.ajp.secret (then an empty one) THEN its AJP port refuses connections while ' +
      'HTTP serves; the Tomcats with the secret accept AJP',
    async () => {
      const connects = (port: number) =>
        new Promise<boolean>((resolve) => {
          const c = net.connect(port, '127.0.0.1');
          c.once('connect', () => {
            c.destroy();
            resolve(true);
          });
          c.once('error', () => resolve(false));
        });
      for (const [what, property] of [
        ['missing', undefined],
        ['empty', 'idha.ajp.secret=\n'],
      ] as const) {
        const [http4, ajp4, shut4] = [await freePort(), await freePort(), await freePort()];
        const base = path.join(dir, `nosecret-${what}`);
        const made = spawnSync('tomcat10-instance-create', ['-p', String(http4), '-c', String(shut4), base], { encoding: 'utf8' });
        assert.equal(made.status, 0, made.stderr);
        const fragment = tier.snippets().find((x) => x.fileName.startsWith('tomcat/tomcat1-'))!.content;
        const connector = /<Connector [^>]+\/>/.exec(fragment)![0].replace(`port="${ports.a1}"`, `port="${ajp4}"`);
        const serverXml = path.join(base, 'conf', 'server.xml');
        fs.writeFileSync(
          serverXml,
          fs.readFileSync(serverXml, 'utf8').replace('<Service name="Catalina">', `<Service name="Catalina">\n    ${connector}`),
        );
        if (property !== undefined) fs.appendFileSync(path.join(base, 'conf', 'catalina.properties'), `\n${property}`);
        fs.mkdirSync(path.join(base, 'webapps', 'identity'), { recursive: true });
        fs.writeFileSync(path.join(base, 'webapps', 'identity', 'ok.txt'), 'ok');
        const env = {
          ...process.env,
          CATALINA_HOME: '/usr/share/tomcat10',
          CATALINA_BASE: base,
          CATALINA_PID: path.join(base, 'tomcat.pid'),
          CATALINA_OPTS: '-Xmx128m -Xss512k',
        };
        assert.equal(spawnSync('/usr/share/tomcat10/bin/catalina.sh', ['start'], { env, encoding: 'utf8', timeout: 60_000 }).status, 0);
        try {
          await waitUntil(`the Tomcat with the secret ${what} serving HTTP`, async () => (await get(http4, '/identity/ok.txt')).status === 200);
          assert.equal(await connects(ajp4), false, `secret ${what}: the AJP port must refuse connections`);
          const log = fs.readFileSync(path.join(base, 'logs', 'catalina.out'), 'utf8');
          assert.match(log, /secretRequired="true" but the secret attribute is either null or ""/, 'Tomcat says why');
        } finally {
          try {
            process.kill(Number(fs.readFileSync(path.join(base, 'tomcat.pid'), 'utf8').trim()), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      assert.equal(await connects(ports.a1), true, 'the neighbour: a Tomcat with idha.ajp.secret set listens on AJP');
    },
  );

  it(
    'GIVEN the mod_jk httpd with a secret file that does not define IDHA_AJP_SECRET THEN apachectl -t refuses the config, naming the ' +
      'variable; with the Define THEN accepted',
    () => {
      const none = path.join(dir, 'no-define.conf');
      fs.writeFileSync(none, '# nothing here\n', { mode: 0o600 });
      const snippet = fs.readFileSync(path.join(dir, 'conf', 'idha-idm-web.conf'), 'utf8');
      const a = debianApache(dir, 'no-define', 1, {
        enableMods: ['jk'],
        confs: { 'idha-idm-web.conf': snippet.split(path.join(dir, 'ajp-secret.conf')).join(none) },
      });
      const r = a.check();
      assert.notEqual(r.status, 0);
      assert.match(r.output, /IDHA_AJP_SECRET is not defined/);
      fs.writeFileSync(none, 'Define IDHA_AJP_SECRET x\n', { mode: 0o600 });
      assert.equal(a.check().status, 0, 'the neighbour: the same file with the Define');
    },
  );

  it('GIVEN the mod_jk httpd with a wrong AJP secret THEN Tomcat refuses it (403): the secret really is enforced', async () => {
    const wrong = path.join(dir, 'wrong-secret.conf');
    fs.writeFileSync(wrong, 'Define IDHA_AJP_SECRET not-the-secret\n', { mode: 0o600 });
    const port = await freePort();
    const snippet = fs
      .readFileSync(path.join(dir, 'conf', 'idha-idm-web.conf'), 'utf8')
      .replace(path.join(dir, 'ajp-secret.conf'), wrong)
      .replace(/mod_jk-idm-web\./g, 'mod_jk-wrong.');
    const a = debianApache(dir, 'wrong', port, { enableMods: ['jk'], confs: { 'idha-idm-web.conf': snippet } });
    a.start();
    try {
      await waitUntil('the wrong-secret httpd', async () => (await get(port, '/identity/')).status > 0, 15_000);
      assert.equal((await get(port, '/identity/')).status, 403);
      assert.equal((await get(ports.jk, '/identity/')).status, 200, 'the right secret, same Tomcats');
      // The per-Tomcat check written in the generated file, run as written: 403 for each node behind the wrong secret, 200 behind the right one.
      const checks = snippet
        .split('\n')
        .filter((l) => /^#\s+curl /.test(l))
        .map((l) => l.replace(/^#\s+/, ''));
      assert.equal(checks.length, 3, 'one line per Tomcat');
      const runChecks = (p: number) =>
        checks.map((c) =>
          spawnSync('sh', ['-c', c.replace(`http://127.0.0.1:${ports.jk}/`, `http://127.0.0.1:${p}/`)], {
            encoding: 'utf8',
            timeout: 20_000,
          }).stdout.trim(),
        );
      assert.deepEqual(runChecks(port), ['tomcat1 403', 'tomcat2 403', 'tomcat3 403']);
      assert.deepEqual(runChecks(ports.jk), ['tomcat1 200', 'tomcat2 200', 'tomcat3 200']);
    } finally {
      a.stop();
    }
  });

  it(
    "GIVEN mod_jk with fail_on_status=403 (which identity-ha does not set) THEN one 403 of an application's own page takes its Tomcat out " +
      "of that application's pool: why the wrong secret is found by the generated check instead",
    async () => {
      const port = await freePort();
      const snippet = fs
        .readFileSync(path.join(dir, 'conf', 'idha-idm-web.conf'), 'utf8')
        .replace(/mod_jk-idm-web\./g, 'mod_jk-fos.')
        .replace(
          'JkWorkerProperty worker.node__tomcat1.type=ajp13',
          'JkWorkerProperty worker.node__tomcat1.type=ajp13\nJkWorkerProperty worker.node__tomcat1.fail_on_status=403',
        )
        .replace(/recover_time=\d+/g, 'recover_time=30');
      const a = debianApache(dir, 'fos', port, { enableMods: ['jk'], confs: { 'idha-idm-web.conf': snippet } });
      a.start();
      try {
        await waitUntil('the fail_on_status httpd', async () => (await get(port, '/identity/node.jsp')).status === 200, 15_000);
        const before = new Set<string>();
        for (let i = 0; i < 10; i++) before.add((await get(port, '/identity/node.jsp')).node!);
        assert.deepEqual([...before].sort(), ['tomcat1', 'tomcat2'], 'both serve /identity before');
        // One request an application answers 403 itself (a forbidden page), sent to tomcat1 by its route.
        const r = await get(port, '/identity/forbidden.jsp', 'JSESSIONID=x.tomcat1');
        const after = new Set<string>();
        for (let i = 0; i < 10; i++) after.add((await get(port, '/identity/node.jsp')).node!);
        const other = await get(port, '/selfservice/node.jsp', 'JSESSIONID=y.tomcat1');
        console.log(
          `# fail_on_status=403: the forbidden page got ${r.status}; then /identity served by ${[...after].join(',')}; selfservice's sticky ` +
            `tomcat1 client served by ${other.node}`,
        );
        assert.deepEqual([...after], ['tomcat2'], 'tomcat1 is out of the identity pool after one application 403');
      } finally {
        a.stop();
      }
    },
  );

  /** Starts a killed Tomcat again (without blocking the event loop) and waits until its own HTTP connector serves; returns that moment. */
  const restart = async (name: string, httpPort: number): Promise<number> => {
    const env = {
      ...process.env,
      CATALINA_HOME: '/usr/share/tomcat10',
      CATALINA_BASE: tomcats[name].base,
      CATALINA_PID: path.join(tomcats[name].base, 'tomcat.pid'),
      CATALINA_OPTS: `-Didha.node=${name} -Xmx256m -Xss512k`,
    };
    fs.rmSync(path.join(tomcats[name].base, 'tomcat.pid'), { force: true });
    const code = await new Promise<number | null>((resolve) =>
      spawn('/usr/share/tomcat10/bin/catalina.sh', ['start'], { env, stdio: 'ignore' }).on('exit', resolve),
    );
    assert.equal(code, 0, `catalina.sh start ${name}`);
    tomcats[name].up = true;
    await until(
      `${name} serving again`,
      async () => (await get(httpPort, '/identity/node.jsp', undefined, undefined, 2000).catch(() => ({ status: 0 }))).status === 200,
      90_000,
    );
    return Date.now();
  };

  /**
   * Steady GETs, two clients per balancer and path (one on a keep-alive connection, one opening a
   * connection per request); every result with its start time.
   */
  const steadyLoad = (paths: string[]) => {
    let running = true;
    const results: Array<{ b: string; path: string; t0: number; ms: number; status: number; node?: string; error?: string }> = [];
    const loops = BALANCERS.flatMap((b) =>
      paths.flatMap((p) =>
        [true, false].map(async (keepAlive) => {
          const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
          while (running) {
            const t0 = Date.now();
            try {
              const r = await get(ports[b], p, undefined, agent, 20_000);
              results.push({
                b,
                path: p,
                t0,
                ms: Date.now() - t0,
                status: r.status,
                node: r.node,
                error: r.status === 200 ? undefined : r.body.slice(0, 120),
              });
            } catch (e) {
              results.push({ b, path: p, t0, ms: Date.now() - t0, status: 0, error: (e as Error).message });
            }
            await sleep(5);
          }
          agent?.destroy();
        }),
      ),
    );
    return {
      results,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  };

  it(
    "GIVEN steady GETs through every balancer (keep-alive and new connections) WHEN tomcat2 and tomcat3 (selfservice's last active node) " +
      "are killed and started again, 4 times THEN not one request fails, and each node is back within its balancer's printed failback",
    async () => {
      const estimates = Object.fromEntries(BALANCERS.map((b) => [b, { jk: tier, proxy: proxyTier, haproxy: haTier }[b].failoverEstimates()[0]]));
      const load = steadyLoad(['/identity/node.jsp', '/selfservice/node.jsp']);
      const back: Record<string, number[]> = { jk: [], proxy: [], haproxy: [] };
      // Each kill from SIGKILL to the moment the Tomcat's own port refused (its JVM gone, measured, not assumed).
      const kills: Array<[number, number]> = [];
      try {
        await sleep(1000);
        for (let k = 0; k < 4; k++) {
          const killed = Date.now();
          await Promise.all([crash('tomcat2', ports.h2), crash('tomcat3', ports.h3)]);
          kills.push([killed, Date.now()]);
          await sleep(1500);
          const [up2, up3] = await Promise.all([restart('tomcat2', ports.h2), restart('tomcat3', ports.h3)]);
          const up = Math.max(up2, up3);
          // Failback: the first answer from each restarted node through each balancer, counted from when the node served on its own.
          await until(
            'every balancer serves from tomcat2 and tomcat3 again',
            async () =>
              BALANCERS.every((b) => ['tomcat2', 'tomcat3'].every((n) => load.results.some((r) => r.b === b && r.node === n && r.t0 + r.ms >= up))),
            30_000,
          );
          for (const b of BALANCERS) {
            for (const [n, t] of [
              ['tomcat2', up2],
              ['tomcat3', up3],
            ] as const) {
              back[b].push(
                (Math.min(...load.results.filter((r) => r.b === b && r.node === n && r.t0 + r.ms >= t).map((r) => r.t0 + r.ms)) - t) / 1000,
              );
            }
          }
          await sleep(500);
        }
      } finally {
        await load.stop();
      }
      const lines = BALANCERS.map((b) => {
        const mine = load.results.filter((r) => r.b === b);
        return (
          `${b}: ${mine.filter((r) => r.status !== 200).length}/${mine.length} failed; back after ` +
          `${Math.min(...back[b]).toFixed(2)}-${Math.max(...back[b]).toFixed(2)} s (printed ${estimates[b].failbackSeconds} s)`
        );
      });
      console.log(`# kills: ${lines.join('; ')}`);
      // A SIGKILLed JVM takes some 20 ms to die; its kernel still accepts connections meanwhile, then resets them.
      // mod_proxy_balancer has no request retry: the requests that reach that window fail (502, or the client's
      // keep-alive connection closed so that a browser sends again). HAProxy (retry-on) and mod_jk retry them.
      const atKill = (r: { t0: number; ms: number }) => kills.some(([k, gone]) => r.t0 <= gone && r.t0 + r.ms >= k);
      for (const b of BALANCERS) {
        const failed = load.results.filter((r) => r.b === b && r.status !== 200);
        const allowed = b === 'proxy' ? failed.filter(atKill) : [];
        console.log(`# ${b}: ${failed.length} failed, ${allowed.length} of them reaching a Tomcat as it died`);
        assert.equal(
          failed.length,
          allowed.length,
          `${b}: ${failed.length - allowed.length} failed outside a kill's moment: ` +
            `${JSON.stringify(failed.filter((r) => !allowed.includes(r)).slice(0, 5))}\n${lines.join('\n')}`,
        );
        assert.ok(
          Math.max(...back[b]) <= estimates[b].failbackSeconds + 0.5,
          `${b}: back after ${Math.max(...back[b])} s, printed ${estimates[b].failbackSeconds} s`,
        );
      }
    },
  );

  it(
    "GIVEN tomcat2 hung (SIGSTOP) THEN from its balancer's printed hang figure on, every new request and tomcat2's sticky client are " +
      'answered by tomcat1: within 1.5 s (mod_jk: its recovery tests within 2 CPing timeouts); SIGCONT brings tomcat2 back',
    async () => {
      // jk: the CPing timeout; HAProxy: interval x fall + timeout check; mod_proxy_balancer: the
      // response timeout of the first request sent to it, then failontimeout.
      const hang: Record<string, number> = { jk: 1, haproxy: 1 * 1 + 1, proxy: 3 + 1 };
      const sticky: Record<string, string> = {};
      for (const b of BALANCERS) {
        await waitUntil(
          `${b} session on tomcat2`,
          async () => {
            const r = await get(ports[b], '/identity/');
            if (r.node === 'tomcat2') sticky[b] = r.setCookie!;
            return r.node === 'tomcat2';
          },
          10_000,
        );
      }
      const pid = Number(fs.readFileSync(path.join(tomcats.tomcat2.base, 'tomcat.pid'), 'utf8').trim());
      const probes: Array<{ b: string; sticky: boolean; t0: number; ms: number; status: number; node?: string }> = [];
      process.kill(pid, 'SIGSTOP');
      const stopped = Date.now();
      try {
        const pending: Promise<void>[] = [];
        while (Date.now() - stopped < (Math.max(...Object.values(hang)) + 3) * 1000) {
          for (const b of BALANCERS) {
            for (const s of [false, true]) {
              const t0 = Date.now();
              pending.push(
                get(ports[b], s ? '/identity/' : '/identity/node.jsp', s ? sticky[b] : undefined, undefined, 8000).then(
                  (r) => {
                    probes.push({ b, sticky: s, t0, ms: Date.now() - t0, status: r.status, node: r.node });
                  },
                  () => {
                    probes.push({ b, sticky: s, t0, ms: Date.now() - t0, status: 0 });
                  },
                ),
              );
            }
          }
          await sleep(200);
        }
        await Promise.all(pending);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      for (const b of BALANCERS) {
        const late = probes.filter((p) => p.b === b && p.t0 - stopped >= hang[b] * 1000 + 500);
        const bad = late.filter((p) => p.status !== 200 || p.node !== 'tomcat1');
        assert.ok(late.length >= 10, `${b}: ${late.length} probes after the hang figure`);
        assert.equal(
          bad.length,
          0,
          `${b}: from ${hang[b]} s after SIGSTOP: ${JSON.stringify(bad.slice(0, 4).map((p) => ({ ...p, t: p.t0 - stopped })))}`,
        );
        const slow = late.filter((p) => p.ms > 1500);
        const window = (Math.max(...late.map((p) => p.t0)) - Math.min(...late.map((p) => p.t0))) / 1000;
        console.log(
          `# hang ${b}: ${late.length} probes from ${hang[b]} s on, all from tomcat1; ${slow.length} slower than 1.5 s (max ` +
            `${Math.max(...late.map((p) => p.ms))} ms)`,
        );
        if (b === 'jk') {
          // mod_jk tests a worker in error again with live requests once per recover_time (1 s here): the request
          // that tests it, and tomcat2's sticky requests while that test runs, pay the CPing timeout per connection
          // attempt (2 attempts) before they go to tomcat1. New clients are slowed at most once per recover_time.
          const newSlow = slow.filter((p) => !p.sticky);
          console.log(`# hang jk: slow: ${slow.length - newSlow.length} sticky, ${newSlow.length} new clients in ${window} s`);
          assert.ok(
            newSlow.length <= Math.ceil(window / 1) + 1,
            `jk: ${newSlow.length} slow new clients in ${window} s, more than one per recover_time`,
          );
          assert.ok(
            slow.every((p) => p.ms <= 2 * 1000 + 600),
            `jk: ${JSON.stringify(slow)}`,
          );
        } else {
          assert.equal(slow.length, 0, `${b}: ${JSON.stringify(slow.slice(0, 4))}`);
        }
      }
      await waitUntil(
        'tomcat2 back behind every balancer after SIGCONT',
        async () => {
          const seen = await Promise.all(
            BALANCERS.map(async (b) => {
              for (let i = 0; i < 6; i++) if ((await get(ports[b], '/identity/node.jsp')).node === 'tomcat2') return true;
              return false;
            }),
          );
          return seen.every(Boolean);
        },
        20_000,
      );
    },
  );

  it('GIVEN tomcat3 killed THEN the second application goes to its standby tomcat1 through every balancer; never to tomcat2', async () => {
    await crash('tomcat3', ports.h3);
    await new Promise((res) => setTimeout(res, 3000));
    for (const b of BALANCERS) {
      for (let i = 0; i < 6; i++) {
        const x = await get(ports[b], '/selfservice/');
        assert.equal(x.status, 200, `${b}: ${x.body}`);
        assert.equal(x.node, 'tomcat1', b);
      }
    }
  });

  it('GIVEN the sticky node of a session killed THEN its new requests and the sticky client go to the other node, on every balancer', async () => {
    const sessions: Record<string, { node: string; cookie: string }> = {};
    for (const b of BALANCERS) {
      // A session on tomcat2, the node about to stop.
      await waitUntil(
        `${b} session on tomcat2`,
        async () => {
          const r = await get(ports[b], '/identity/');
          if (r.node === 'tomcat2') sessions[b] = { node: r.node, cookie: r.setCookie! };
          return r.node === 'tomcat2';
        },
        10_000,
      );
    }
    await crash('tomcat2', ports.h2);
    await new Promise((res) => setTimeout(res, 3000));
    for (const b of BALANCERS) {
      const sticky = await get(ports[b], '/identity/', sessions[b].cookie);
      assert.equal(sticky.status, 200, `${b}: ${sticky.body}`);
      assert.equal(sticky.node, 'tomcat1', `${b}: the sticky client is re-routed`);
      for (let i = 0; i < 6; i++) assert.equal((await get(ports[b], '/identity/')).node, 'tomcat1', b);
    }
  });
});
