// The hostile-strings matrix: every output language identity-ha writes, every user field that
// reaches it, and the strings an attacker (or a careless paste) would try. Each case is either
// refused, naming the field, or rendered and then run through the real consumer, which must parse it
// and must see the literal value the user wrote (never a command, a reference or a second directive).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import * as YAML from 'yaml';
import { IdhaValidationError, parseTopologyText, synthesizeTopology } from '../../lib/internal';
import { as3Validator, REPO, runIdha } from '../helpers';

const HOSTILE: Array<[string, string]> = [
  ['a single quote', "'"],
  ['a double quote', '"'],
  ['a backtick', '`id`'],
  ['a semicolon', ';touch${IFS}/tmp/PWNED;#'],
  ['a command substitution', '$(id)'],
  ['a Terraform reference', '${var.x}'],
  ['a Terraform directive', '%{ if true }x%{ endif }'],
  ['a newline', 'a\nb'],
  ['a NUL', 'a\u0000b'],
  ['a dot segment', '/../other'],
  ['an encoded dot segment', '/%2e%2e/other'],
  ['a bidi control', 'a\u202Eb'],
  ['300 characters', 'a'.repeat(300)],
  ['a path parameter dot segment', '/..;/other'],
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hostile-'));
fs.chmodSync(tmp, 0o755);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Synthesizes a topology text: the problems it has, or the folder it was written to. */
function synth(text: string): { problems: IdhaValidationError['problems'] } | { out: string } {
  const out = fs.mkdtempSync(path.join(tmp, 'o-'));
  fs.rmdirSync(out);
  try {
    synthesizeTopology({ topology: parseTopologyText(text, 't.yaml'), outDir: out });
    return { out };
  } catch (e) {
    if (e instanceof IdhaValidationError) return { problems: e.problems };
    throw e;
  }
}

/** Each case: refused naming `field` (and exit 2 from the CLI for the first one), or rendered and checked by `consume`. */
function matrix(what: string, field: string, text: (v: string) => string, consume: (out: string, value: string) => void, neighbour: string): void {
  describe(`hostile strings in ${field}`, () => {
    let cliChecked = false;
    for (const [name, value] of HOSTILE) {
      it(`GIVEN ${name} in ${what} THEN refused naming ${field}, or its consumer reads the literal value`, () => {
        const r = synth(text(value));
        if ('problems' in r) {
          assert.ok(
            r.problems.some((p) => p.field === field),
            `${JSON.stringify(r.problems.map((p) => p.field))} names ${field}`,
          );
          for (const p of r.problems)
            assert.doesNotMatch(
              new IdhaValidationError([p]).message,
              /[^\x20-\x7e\n]/,
              'the message shows no raw control, bidi or non-ASCII character',
            );
          if (!cliChecked) {
            cliChecked = true;
            const f = path.join(tmp, `cli-${field.replace(/\W/g, '_')}.yaml`);
            fs.writeFileSync(f, text(value));
            const c = runIdha(['synth', '--config', f, '--out', path.join(tmp, 'never')]);
            assert.equal(c.status, 2, c.stderr);
            assert.ok(c.stderr.includes(field), c.stderr);
            assert.doesNotMatch(c.stderr, /\n\s+at /, 'no stack trace');
            assert.ok(!fs.existsSync(path.join(tmp, 'never')), 'nothing written');
          }
        } else {
          consume(r.out, value);
        }
      });
    }
    it(`GIVEN the accepted neighbour ${JSON.stringify(neighbour)} THEN it renders and its consumer accepts it`, () => {
      const r = synth(text(neighbour));
      assert.ok('out' in r, JSON.stringify((r as { problems: unknown }).problems));
      consume(r.out, neighbour);
    });
  });
}

// ---- Clusters: keepalived, the Pacemaker script and OCF agent, the WSFC watcher --------------
const clusterText = (
  healthCheck: object,
  targets: object = {
    keepalived: { virtualRouterId: 51, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/idha-auth.conf' },
    pacemaker: { serviceUnit: 'tomcat10' },
  },
) =>
  YAML.stringify({
    version: 1,
    clusters: [
      {
        name: 'idm',
        nodes: [
          { name: 'tomcat1', address: '10.99.0.1' },
          { name: 'tomcat2', address: '10.99.0.2' },
        ],
        virtualIp: '10.99.0.100',
        prefixLength: 24,
        servicePorts: [8080],
        healthCheck,
        targets,
      },
    ],
  });

/** The argv the OCF agent passes to idha on node tomcat1, through a stand-in idha that records it. */
function agentArgv(out: string, env: Record<string, string> = {}): string[] {
  const agent = path.join(out, 'snippets', 'idm', 'pacemaker', 'identity-ha-idm');
  assert.equal(spawnSync('sh', ['-n', agent]).status, 0, 'sh -n accepts the agent');
  assert.equal(spawnSync('sh', ['-n', path.join(out, 'snippets', 'idm', 'pacemaker', 'pacemaker.sh')]).status, 0, 'sh -n accepts the pcs script');
  const record = path.join(out, 'argv.json');
  const standIn = path.join(out, 'idha-stand-in');
  fs.writeFileSync(
    standIn,
    `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`,
    { mode: 0o755 },
  );
  const rsc = fs.mkdtempSync(path.join(out, 'rsc-'));
  // The agent publishes the node's health with attrd_updater, which needs a running cluster: a stand-in that records it.
  const bin = fs.mkdtempSync(path.join(out, 'bin-'));
  fs.writeFileSync(path.join(bin, 'attrd_updater'), `#!/bin/sh\necho "$*" >> ${path.join(out, 'attrd.log')}\n`, { mode: 0o755 });
  const base = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    HA_RSCTMP: rsc,
    OCF_RESKEY_CRM_meta_on_node: 'tomcat1',
    OCF_RESKEY_idha: standIn,
    ...env,
  };
  assert.equal(spawnSync('sh', [agent, 'start'], { env: base }).status, 0);
  spawnSync('sh', [agent, 'monitor'], { env: base });
  assert.ok(fs.existsSync(record), 'the agent ran the stand-in');
  assert.ok(!fs.existsSync('/tmp/PWNED'), 'no command ran');
  return JSON.parse(fs.readFileSync(record, 'utf8'));
}

/** keepalived --config-test on node tomcat1's config, in a namespace with an eth0 and the secret file. */
function keepalivedAccepts(out: string): void {
  assert.ok(have('keepalived'), 'keepalived is installed (.ci/run installs it)');
  const conf = fs.readFileSync(path.join(out, 'snippets', 'idm', 'keepalived', 'tomcat1-10.99.0.1.conf'), 'utf8');
  const secret = path.join(out, 'auth.conf');
  fs.writeFileSync(secret, '$IDHA_AUTH_PASS=hostile\n', { mode: 0o600 });
  const local = path.join(out, 'k.conf');
  // keepalived disables a track script whose program is missing: an executable stands where idha's default path is.
  const idha = path.join(out, 'idha');
  fs.writeFileSync(idha, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(local, conf.split('/etc/keepalived/idha-auth.conf').join(secret).split('/usr/local/bin/idha ').join(`${idha} `));
  const ns = `idhah${process.pid % 100000}`;
  spawnSync('sh', ['-c', `ip netns add ${ns} && ip -n ${ns} link add eth0 type veth peer name eth0p && ip -n ${ns} link set eth0 up`]);
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '--config-test', '--use-file', local], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

matrix(
  "the path of a cluster's health URL",
  'clusters[0].healthCheck.url',
  (v) => clusterText({ kind: 'http', url: `http://{address}:8080/x${v}` }),
  (out, v) => {
    keepalivedAccepts(out);
    const argv = agentArgv(out);
    assert.deepEqual(argv, ['check', '--http', `http://10.99.0.1:8080/x${v}`, '--timeout', '1'], 'the literal URL, one argument');
    const k = fs.readFileSync(path.join(out, 'snippets', 'idm', 'keepalived', 'tomcat1-10.99.0.1.conf'), 'utf8');
    assert.ok(k.includes(`script "/usr/local/bin/idha check --http http://10.99.0.1:8080/x${v} --timeout 1"`));
  },
  '?a=1&b=(2);c=!d',
);

const scripts = path.join(tmp, 'bin');
matrix(
  "a cluster's own check command",
  'clusters[0].healthCheck.command',
  (v) => clusterText({ kind: 'command', command: `${scripts}/check${v}` }),
  (out, v) => {
    // keepalived (with script security) wants the program to exist: the literal path, resolved.
    const program = path.resolve(`${scripts}/check${v}`);
    fs.mkdirSync(path.dirname(program), { recursive: true });
    fs.mkdirSync(path.join(scripts, 'check'), { recursive: true }); // check/../other: the kernel walks through check
    fs.writeFileSync(program, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    keepalivedAccepts(out);
    const agent = path.join(out, 'snippets', 'idm', 'pacemaker', 'identity-ha-idm');
    assert.ok(
      fs.readFileSync(agent, 'utf8').split('\n').includes(`[ -n "\${OCF_RESKEY_command+x}" ] || OCF_RESKEY_command=${scripts}/check${v}`),
      "the literal command as the agent's default",
    );
  },
  '-tomcat.sh',
);

describe('the OCF agent with hostile parameters set by pcs resource update (OCF_RESKEY_*)', () => {
  it("GIVEN a URL or a command with shell syntax in the agent's parameters THEN idha gets the literal words and nothing runs", () => {
    const r = synth(clusterText({ kind: 'http', url: 'http://{address}:8080/identity/' }));
    assert.ok('out' in r);
    for (const [name, value] of HOSTILE.filter(([, v]) => !v.includes('\u0000'))) {
      const argv = agentArgv(r.out, { OCF_RESKEY_url: `http://{address}/${value}` });
      assert.deepEqual(argv, ['check', '--http', `http://10.99.0.1/${value}`, '--timeout', '1'], name);
    }
  });
});

// ---- Web tiers: httpd (mod_jk, mod_proxy_balancer), HAProxy, Tomcat's server.xml -------------
const webText = (app: object) => {
  const doc = YAML.parse(fs.readFileSync(path.join(REPO, 'examples', 'web-tier.yaml'), 'utf8'));
  doc.webTiers[0].applications[0] = { ...doc.webTiers[0].applications[0], ...app };
  return YAML.stringify(doc);
};

/** httpd -t with the generated snippets in a scratch ServerRoot layout, haproxy -c, xmllint. */
function webConsumersAccept(out: string): void {
  const dir = path.join(out, 'snippets', 'idm-web');
  assert.ok(have('haproxy') && have('apache2ctl') && have('xmllint'), 'haproxy, apache2 and xmllint are installed');
  const h = spawnSync('haproxy', ['-c', '-f', path.join(dir, 'haproxy', 'haproxy.cfg')], { encoding: 'utf8' });
  assert.equal(h.status, 0, h.stdout + h.stderr);
  const secret = path.join(out, 'secret.conf');
  fs.writeFileSync(secret, 'Define IDHA_AJP_SECRET s\n');
  for (const [conf, modules] of [
    ['mod-jk/idha-idm-web.conf', ['jk']],
    ['mod-proxy-balancer/idha-idm-web-proxy.conf', ['proxy', 'proxy_http', 'proxy_balancer', 'proxy_hcheck', 'lbmethod_byrequests', 'slotmem_shm']],
  ] as const) {
    const inc = path.join(out, `${path.basename(conf)}.inc`);
    fs.writeFileSync(
      inc,
      fs
        .readFileSync(path.join(dir, conf), 'utf8')
        .replace(/\/etc\/apache2\/idha-ajp-secret\.conf/g, secret)
        .replace(/\/etc\/apache2\/identity-ha/g, path.join(dir, 'mod-jk'))
        .replace(/\/var\/log\/apache2/g, out),
    );
    const main = path.join(out, `${path.basename(conf)}.main`);
    fs.writeFileSync(
      main,
      [
        'ServerRoot /etc/apache2',
        'ServerName localhost',
        'Listen 127.0.0.1:1',
        `PidFile ${out}/h.pid`,
        `ErrorLog ${out}/h.log`,
        `DefaultRuntimeDir ${out}`,
        ...['mpm_event', 'authz_core', 'authz_host', ...modules].map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
        `Include ${inc}`,
        '',
      ].join('\n'),
    );
    const a = spawnSync('apache2ctl', ['-f', main, '-t'], { encoding: 'utf8' });
    assert.equal(a.status, 0, `${conf}: ${a.stderr}`);
  }
  for (const f of fs.readdirSync(path.join(dir, 'tomcat'))) {
    const x = spawnSync('xmllint', ['--noout', '-'], {
      input: `<r>${fs.readFileSync(path.join(dir, 'tomcat', f), 'utf8').replace(/<Engine [^>]*>/, '')}</r>`,
      encoding: 'utf8',
    });
    assert.equal(x.status, 0, x.stderr);
  }
}

matrix(
  "an application's context path",
  'webTiers[0].applications[0].paths[0]',
  (v) => webText({ paths: [`/identity${v}`] }),
  (out) => webConsumersAccept(out),
  '-x',
);
matrix(
  "an application's health path",
  'webTiers[0].applications[0].healthPath',
  (v) => webText({ healthPath: `/identity/health${v}` }),
  (out) => webConsumersAccept(out),
  '.jsp',
);
matrix(
  "an application's name",
  'webTiers[0].applications[0].name',
  (v) => webText({ name: `op${v}` }),
  (out) => webConsumersAccept(out),
  'erator2',
);

describe('reserved application names', () => {
  for (const name of ['node', 'jkstatus']) {
    it(`GIVEN an application named ${name} THEN refused naming it; ${name}-app is accepted and httpd, HAProxy accept it`, () => {
      const bad = synth(webText({ name }));
      assert.ok('problems' in bad && bad.problems.some((p) => p.field === 'webTiers[0].applications[0].name' && /reserve/.test(p.allowed)));
      const good = synth(webText({ name: `${name}-app` }));
      assert.ok('out' in good);
      webConsumersAccept(good.out);
    });
  }
});

// ---- HAProxy for services; Terraform text -----------------------------------------------------
const serviceText = (edit: (doc: any) => void) => {
  const doc = YAML.parse(fs.readFileSync(path.join(REPO, 'examples', 'iqservice-pair.yaml'), 'utf8'));
  edit(doc);
  return YAML.stringify(doc);
};
matrix(
  "HAProxy's bind address",
  'services[0].targets.haproxy.bindAddress',
  (v) =>
    serviceText((d) => {
      d.services[0].targets.haproxy.bindAddress = `10.0.0.60${v}`;
    }),
  (out) => {
    const h = spawnSync('haproxy', ['-c', '-f', path.join(out, 'snippets', 'iqservice', 'haproxy.cfg')], { encoding: 'utf8' });
    assert.equal(h.status, 0, h.stdout + h.stderr);
  },
  '',
);
matrix(
  "HAProxy's log target",
  'services[0].targets.haproxy.logTarget',
  (v) =>
    serviceText((d) => {
      d.services[0].targets.haproxy.logTarget = `/dev/log${v}`;
    }),
  (out) => {
    const h = spawnSync('haproxy', ['-c', '-f', path.join(out, 'snippets', 'iqservice', 'haproxy.cfg')], { encoding: 'utf8' });
    assert.equal(h.status, 0, h.stdout + h.stderr);
  },
  '-x',
);

/** Terraform reads a JSON string as a template: the literal value is the string with $${ and %%{ undoubled. */
const terraformReads = (s: string) => s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
matrix(
  'a tag value (free text)',
  'services[0].targets.aws.tags.owner',
  (v) =>
    serviceText((d) => {
      d.services[0].targets.aws.tags = { owner: `ops${v}` };
    }),
  (out, v) => {
    const stacks = fs.readdirSync(path.join(out, 'stacks'));
    const tf = JSON.parse(
      fs.readFileSync(
        path.join(
          out,
          'stacks',
          stacks.find((s) => /aws/.test(s))!,
          'cdk.tf.json',
        ),
        'utf8',
      ),
    );
    const tags = Object.values(tf.resource.aws_lb as Record<string, { tags?: Record<string, string> }>).map((r) => r.tags?.owner);
    assert.ok(tags.length > 0);
    for (const t of tags) {
      assert.equal(terraformReads(t!), `ops${v}`, 'Terraform reads the literal text');
      assert.doesNotMatch(t!.replace(/\$\$\{|%%\{/g, ''), /\$\{|%\{/, 'no live template sequence');
    }
  },
  ' (team A)',
);
matrix(
  'a resource group name (an ID)',
  'services[0].targets.azure.resourceGroupName',
  (v) =>
    serviceText((d) => {
      d.services[0].targets.azure.resourceGroupName = `rg${v}`;
    }),
  (out, v) => {
    const stacks = fs.readdirSync(path.join(out, 'stacks'));
    const tf = fs.readFileSync(
      path.join(
        out,
        'stacks',
        stacks.find((s) => /azure/.test(s))!,
        'cdk.tf.json',
      ),
      'utf8',
    );
    assert.ok(JSON.stringify(JSON.parse(tf)).includes(JSON.stringify(`rg${v}`)), 'the literal name');
    assert.doesNotMatch(`rg${v}`, /\$\{|%\{/, 'never a template');
  },
  '-identity',
);

// ---- F5 AS3 (the vendored schema) and the host plan's systemd units ----------------------------
matrix(
  'the F5 tenant',
  'services[0].targets.f5.tenant',
  (v) =>
    serviceText((d) => {
      d.services[0].targets.f5.tenant = `t${v}`;
    }),
  (out, v) => {
    const decl = JSON.parse(fs.readFileSync(path.join(out, 'snippets', 'iqservice', 'f5-as3.json'), 'utf8'));
    const validate = as3Validator();
    assert.ok(validate(decl), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.ok(Object.keys(decl.declaration ?? decl).includes(`t${v}`), 'the literal tenant name');
  },
  '_identity',
);
matrix(
  "the primary's address",
  'services[0].primary.address',
  (v) =>
    serviceText((d) => {
      d.services[0].primary.address = `10.0.1.10${v}`;
    }),
  (out) => {
    assert.ok(have('systemd-analyze'), 'systemd-analyze is installed (.ci/run installs systemd)');
    const hosts = path.join(out, 'snippets', 'iqservice', 'hosts');
    for (const h of fs.readdirSync(hosts)) {
      const dir = fs.mkdtempSync(path.join(out, 'unit-'));
      fs.copyFileSync(path.join(hosts, h, 'idha-shim.service'), path.join(dir, 'idha-shim.service'));
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'idha-shim.service')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${h}: ${r.stderr}`);
    }
  },
  '0',
);

// ---- XML comments: `--` is valid in a name and forbidden in an XML comment ---------------------

/** Every .xml file below a folder, as paths. */
function xmlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.xml'))
    .map((f) => path.join(dir, f));
}

/** xmllint --noout on each file; a Tomcat fragment holds the opening tag of an Engine, so it is read inside a wrapper with that tag left out. */
function xmlParses(files: string[]): void {
  assert.ok(have('xmllint'), 'xmllint is installed (.ci/run installs libxml2-utils)');
  assert.ok(files.length > 0, 'some XML was written');
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const input = path.basename(path.dirname(f)) === 'tomcat' ? `<r>${text.replace(/<Engine [^>]*>/, '')}</r>` : text;
    const x = spawnSync('xmllint', ['--noout', '-'], { input, encoding: 'utf8' });
    assert.equal(x.status, 0, `${path.relative(tmp, f)}: ${x.stderr}`);
  }
}

const exampleWith = (file: string, edit: (d: any) => void): string => {
  const doc = YAML.parse(fs.readFileSync(path.join(REPO, 'examples', file), 'utf8'));
  edit(doc);
  return YAML.stringify(doc);
};

describe('XML comments with names that hold a double hyphen (web tier and Tomcat names refuse one)', () => {
  for (const [what, hyphens] of [
    ['names with a double hyphen', '--'],
    ['the neighbour, single hyphens', '-'],
  ] as const) {
    it(`GIVEN ${what} in the IQService and its Windows client THEN every WinSW XML file parses, with the names as written in the elements`, () => {
      const cs = synth(
        exampleWith('iqservice-client-side.yaml', (d) => {
          d.services[0].name = `iq${hyphens}svc`;
          d.services[0].targets['client-proxy'].clients[2].name = `gw${hyphens}win`;
        }),
      );
      assert.ok('out' in cs, JSON.stringify(cs));
      const files = xmlFiles(cs.out);
      xmlParses(files);
      const proxyXml = fs.readFileSync(
        files.find((f) => f.endsWith(path.join(`gw${hyphens}win`, 'idha-proxy-iq.xml')))!,
        'utf8',
      );
      assert.ok(proxyXml.includes(`<name>identity-ha failover proxy (iq${hyphens}svc, port 5050)</name>`), proxyXml);
    });
  }

  it(
    'GIVEN a WSFC cluster with nodeExe and an installFolder with a double hyphen THEN the check watcher XML parses, ' +
      'its arguments name installFolder\\bin\\idha.js as written and its comment holds no control character',
    () => {
      const r = synth(
        exampleWith('failover-cluster-pacemaker-wsfc.yaml', (d) => {
          d.clusters[1].name = 'idm--win';
          d.clusters[1].targets.wsfc.installFolder = 'C:\\idha--kit';
          d.clusters[1].targets.wsfc.nodeExe = 'C:\\Program Files\\nodejs\\node.exe';
        }),
      );
      assert.ok('out' in r, JSON.stringify(r));
      const files = xmlFiles(r.out).filter((f) => f.includes(`${path.sep}wsfc${path.sep}`));
      xmlParses(files);
      for (const f of files) {
        const text = fs.readFileSync(f, 'utf8');
        assert.doesNotMatch(text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, `${f}: a control character`);
        assert.ok(text.includes('<arguments>C:\\idha--kit\\bin\\idha.js '), text);
        assert.ok(text.includes('with C:\\idha- -kit\\bin\\idha.js. -->'), text);
      }
    },
  );
});
