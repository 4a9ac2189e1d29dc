import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { spawn, spawnSync } from 'child_process';
import * as net from 'net';
import { as3Validator, EXAMPLE, IDHA, REPO, runIdha, snapshotDir } from '../helpers';
import { freePort } from '../e2e-helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cli-'));

describe('idha CLI (built, run as a process)', () => {
  it('GIVEN no config WHEN idha synth THEN the bundled example is synthesized to the cdktf layout with a failover table', () => {
    const cwd = tmp();
    const r = runIdha(['synth'], cwd);
    assert.equal(r.status, 0, r.stderr);
    const files = Object.keys(snapshotDir(path.join(cwd, 'cdktf.out'))).sort();
    assert.deepEqual(files, [
      'idha-manifest.json',
      'manifest.json',
      'snippets/iqservice/f5-as3.json',
      'snippets/iqservice/f5-tmsh.txt',
      'snippets/iqservice/haproxy.cfg',
      'snippets/iqservice/hosts/primary-10.0.1.10/idha-shim.service',
      'snippets/iqservice/hosts/primary-10.0.1.10/idha-shim.xml',
      'snippets/iqservice/hosts/primary-10.0.1.10/install-command.txt',
      'snippets/iqservice/hosts/primary-10.0.1.10/shim-command.txt',
      'snippets/iqservice/hosts/secondary-10.0.2.10/idha-shim.service',
      'snippets/iqservice/hosts/secondary-10.0.2.10/idha-shim.xml',
      'snippets/iqservice/hosts/secondary-10.0.2.10/install-command.txt',
      'snippets/iqservice/hosts/secondary-10.0.2.10/shim-command.txt',
      'stacks/identity-ha-aws/cdk.tf.json',
      'stacks/identity-ha-azure/cdk.tf.json',
      'stacks/identity-ha-f5/cdk.tf.json',
    ]);
    assert.match(r.stdout, /iqservice\s+azure\s+17 s/);
    assert.match(r.stdout, /iqservice\s+aws\s+15 s/);
    assert.match(r.stdout, /iqservice\s+f5\s+9 s/);
    assert.ok(as3Validator()(JSON.parse(fs.readFileSync(path.join(cwd, 'cdktf.out/snippets/iqservice/f5-as3.json'), 'utf8'))));
  });

  it('GIVEN the same input twice in different folders THEN byte-identical output with no absolute paths', () => {
    const a = tmp();
    const b = tmp();
    assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], a).status, 0);
    assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', path.join(b, 'deep', 'out')], REPO).status, 0);
    const sa = snapshotDir(path.join(a, 'out'));
    assert.deepEqual(sa, snapshotDir(path.join(b, 'deep', 'out')));
    for (const [f, content] of Object.entries(sa)) {
      assert.ok(!content.includes(a) && !content.includes(REPO) && !content.includes(os.tmpdir()), `absolute path in ${f}`);
    }
  });

  it('GIVEN --platform f5 THEN only the F5 stack and snippets', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--config', EXAMPLE, '--platform', 'f5', '--out', 'o'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      Object.keys(snapshotDir(path.join(cwd, 'o'))).filter((f) => f.startsWith('stacks/')),
      ['stacks/identity-ha-f5/cdk.tf.json'],
    );
  });

  const badRuns: Array<[string, string[], RegExp]> = [
    [
      'invalid values',
      ['--config', path.join(REPO, 'test/fixtures/bad-values.yaml')],
      /services\[0\]\.port: got 70000; allowed: an integer from 1 to 65535/,
    ],
    [
      'unknown keys',
      ['--config', path.join(REPO, 'test/fixtures/bad-unknown-key.yaml')],
      /services\[0\]\.secondary\.adress: .*unknown keys are never ignored/,
    ],
    ['an unknown platform', ['--config', EXAMPLE, '--platform', 'azure,gcp'], /--platform: got "gcp"/],
    ['a missing file', ['--config', 'nope.yaml'], /--config: got "nope.yaml"/],
  ];
  for (const [what, args, message] of badRuns) {
    it(`GIVEN ${what} WHEN idha synth over an earlier output THEN exit 2, a message naming the field, and --out left exactly as it was`, () => {
      const cwd = tmp();
      const out = path.join(cwd, 'out');
      assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', out], cwd).status, 0);
      fs.writeFileSync(path.join(out, 'stacks', 'identity-ha-aws', 'terraform.tfstate'), '{"serial": 7}\n');
      const before = snapshotDir(out);
      const r = runIdha(['synth', ...args, '--out', out], cwd);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(snapshotDir(out), before);
      assert.deepEqual(fs.readdirSync(cwd), ['out'], 'no staging folder left behind');
    });
  }

  it('GIVEN an earlier output WHEN a service is renamed THEN the files idha wrote for the old name are removed and nothing else', () => {
    const cwd = tmp();
    assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd).status, 0);
    const renamed = path.join(cwd, 'renamed.yaml');
    fs.writeFileSync(renamed, fs.readFileSync(EXAMPLE, 'utf8').replace('  - name: iqservice', '  - name: iqs'));
    assert.equal(runIdha(['synth', '--config', renamed, '--out', 'out'], cwd).status, 0);
    assert.deepEqual(fs.readdirSync(path.join(cwd, 'out', 'snippets')), ['iqs']);
    assert.deepEqual(fs.readdirSync(cwd).sort(), ['out', 'renamed.yaml']);
  });

  it('WHEN idha snippet f5-as3 THEN the declaration on stdout equals the synthesized file', () => {
    const cwd = tmp();
    runIdha(['synth', '--config', EXAMPLE, '--out', 'o'], cwd);
    const r = runIdha(['snippet', 'f5-as3', '--config', EXAMPLE]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(path.join(cwd, 'o/snippets/iqservice/f5-as3.json'), 'utf8'));
  });

  it('WHEN idha snippet f5-tmsh / azure / aws THEN each prints its config', () => {
    assert.match(runIdha(['snippet', 'f5-tmsh', '--config', EXAMPLE]).stdout, /^create ltm pool idha_iqservice_iq_pool/m);
    const az = JSON.parse(runIdha(['snippet', 'azure', '--config', EXAMPLE]).stdout);
    assert.ok(az.resource.azurerm_lb_probe);
    assert.equal(az.terraform.backend, undefined);
    const aws = JSON.parse(runIdha(['snippet', 'aws', '--config', EXAMPLE]).stdout);
    assert.ok(Object.values(aws.resource.aws_lb_target_group).every((tg: any) => tg.proxy_protocol_v2 === false));
  });

  it('GIVEN an unknown snippet kind THEN exit non-zero listing the kinds', () => {
    const r = runIdha(['snippet', 'gcp', '--config', EXAMPLE]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Choices: "azure", "aws", "f5-as3", "f5-tmsh"/);
  });

  for (const cmd of [[], ['synth'], ['snippet']]) {
    it(`WHEN idha ${cmd.join(' ')} --help THEN usage is printed and exit 0`, () => {
      const r = runIdha([...cmd, '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /--help/);
      assert.match(r.stdout, cmd[0] === 'synth' ? /--platform/ : cmd[0] === 'snippet' ? /--service/ : /synth.*\n.*snippet/s);
    });
  }
});

describe('the README is a contract', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const cliPage = fs.readFileSync(path.join(REPO, 'docs', 'cli.md'), 'utf8');
  const synopsis = (text: string) => /```\n(idha synth .*?)```/s.exec(text)?.[1];

  it('THEN it starts with the two commands (install and synth the example; run the tests) and documents every command', () => {
    const head = readme.split('\n').slice(0, 6).join('\n');
    assert.match(head, /^# identity-ha\n\n```sh\nnpm ci && npx idha synth .*\nnpm test .*\n```/);
    for (const cmd of ['synth', 'validate', 'lint', 'snippet', 'peers', 'shim', 'check', 'mimic', 'proxy', 'lab', 'completion'])
      assert.match(readme, new RegExp(`^idha ${cmd} `, 'm'), `idha ${cmd} in the synopsis`);
    assert.ok(synopsis(readme), 'the synopsis block');
    assert.equal(synopsis(cliPage), synopsis(readme), 'docs/cli.md shows the same synopsis as the README');
  });

  it('THEN it is at most 15 KB, and every page it links to exists (its neighbour: a link to a missing page is named)', () => {
    assert.ok(Buffer.byteLength(readme) <= 15 * 1024, `${Buffer.byteLength(readme)} bytes`);
    const missing = (text: string, base: string) =>
      [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l) && !fs.existsSync(path.join(base, l)));
    assert.deepEqual(missing(readme, REPO), []);
    for (const page of ['concepts', 'cli', 'constructs', 'clusters', 'web-tier', 'host-runtime', 'windows-kit', 'session-failover']) {
      assert.deepEqual(missing(fs.readFileSync(path.join(REPO, 'docs', `${page}.md`), 'utf8'), path.join(REPO, 'docs')), [], page);
    }
    assert.deepEqual(missing('[a](docs/no-such-page.md) [b](docs/cli.md)', REPO), ['docs/no-such-page.md']);
  });

  it(
    "THEN the output docs/cli.md shows for `npx idha synth` (state, host plan, estimates) is what idha synth prints today, and the README's " +
      'excerpt is in it',
    () => {
      const start = cliPage.indexOf('Terraform state (run terraform in each stack folder):');
      assert.ok(start > 0, 'docs/cli.md shows the synth output');
      const shown = cliPage.slice(start, cliPage.indexOf('\n```', start) + 1);
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-readme-'));
      const r = runIdha(['synth', '--config', path.join(REPO, 'examples', 'iqservice-pair.yaml')], cwd);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(shown, r.stdout.slice(r.stdout.indexOf('Terraform state (run terraform')));
      const excerpt = readme.slice(readme.indexOf('\nservice    platform'), readme.indexOf('\n```', readme.indexOf('\nservice    platform')));
      const lines = excerpt.split('\n').filter(Boolean);
      assert.ok(lines.length >= 5, excerpt);
      for (const l of lines) assert.ok(r.stdout.includes(`${l}\n`), `README: ${l}`);
    },
  );
});

describe('idha runtime commands refuse bad input with exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['a shim without --bind', ['shim'], /bind/],
    [
      'a shim with port 70000',
      ['shim', '--bind', '127.0.0.1', '--service-port', '70000'],
      /--service-port: got 70000; allowed: an integer from 1 to 65535/,
    ],
    ['a shim with rise 0', ['shim', '--bind', '127.0.0.1', '--rise', '0'], /--rise: got 0/],
    [
      'a report port without the server names',
      ['shim', '--bind', '127.0.0.1', '--report-port', '15053'],
      /--report-server: got \(missing\); allowed: this host's <backend>\/<server> names/,
    ],
    [
      'a report server name without a backend',
      ['shim', '--bind', '127.0.0.1', '--report-port', '15053', '--report-server', 'primary'],
      /--report-server: got "primary"; allowed: <backend>\/<server>/,
    ],
    [
      'a report port equal to the gate port',
      ['shim', '--bind', '127.0.0.1', '--report-port', '15050', '--report-server', 'b/primary'],
      /--report-port: got 15050; allowed: a port other than the service, gate, priority, health and agent ports/,
    ],
    [
      'a report sender that is a name',
      ['shim', '--bind', '127.0.0.1', '--report-port', '15053', '--report-server', 'b/primary', '--report-from', 'lb1'],
      /--report-from: got "lb1"/,
    ],
    [
      'a damping half-life of 0',
      ['shim', '--bind', '127.0.0.1', '--damp-half-life', '0'],
      /--damp-half-life: got 0; allowed: seconds from 1 to 3600/,
    ],
    ['a negative hold-down cap', ['shim', '--bind', '127.0.0.1', '--max-hold-down', '-1'], /--max-hold-down: got -1/],
    [
      'a shim watching a name',
      ['shim', '--bind', '127.0.0.1', '--service-host', 'localhost'],
      /--service-host: got "localhost"; allowed: an IPv4 or IPv6 address/,
    ],
    [
      'a peer URL that is not /healthz',
      ['shim', '--bind', '127.0.0.1', '--role', 'secondary', '--peer', 'http://10.0.1.10:15051/'],
      /--peer: got "http:\/\/10\.0\.1\.10:15051\/"/,
    ],
    [
      'a peer without a role',
      ['shim', '--bind', '127.0.0.1', '--peer', 'http://a:1/healthz'],
      /--role: got \(missing\); allowed: primary or secondary, with --peer/,
    ],
    [
      'the old standby flag',
      ['shim', '--bind', '127.0.0.1', '--standby-of', 'http://a:1/healthz'],
      /--standby-of: got "http:\/\/a:1\/healthz"; allowed: --role secondary --peer <URL>.*run idha synth again/,
    ],
    [
      'the old primary flag',
      ['shim', '--bind', '127.0.0.1', '--standby-peer', 'http://b:1/healthz'],
      /--standby-peer: .*allowed: --role primary --peer <URL>/,
    ],
    [
      'a priority port equal to the gate port',
      ['shim', '--bind', '127.0.0.1', '--role', 'primary', '--peer', 'http://b:1/healthz', '--priority-port', '15050'],
      /--priority-port: got 15050; allowed: a port other than --gate-port's/,
    ],
    ['a proxy without --secondary', ['proxy', '--primary', '127.0.0.1:1'], /secondary/],
    [
      'a proxy with a negative mark-down count',
      ['proxy', '--primary', '127.0.0.1:1', '--secondary', '127.0.0.1:2', '--mark-down-after', '-1'],
      /--mark-down-after: got -1; allowed: an integer from 0 \(off\) to 100/,
    ],
    [
      'a proxy with a mark-down hold of 0',
      ['proxy', '--primary', '127.0.0.1:1', '--secondary', '127.0.0.1:2', '--mark-down-hold', '0'],
      /--mark-down-hold: got 0/,
    ],
    ['a lab action with no lab running', ['lab', 'status', '--base-port', '21950'], /a running idha lab on base port 21950/],
  ];
  for (const [what, argv, message] of cases) {
    it(`GIVEN ${what} THEN exit 2 and a message naming it`, () => {
      const r = runIdha(argv);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
    });
  }
});

describe(
  'idha runtime commands: every flag error and every listener that cannot open is exit 2, a message naming the flag, no trace, no ' + 'process left',
  () => {
    let busy: net.Server;
    let busyPort = 0;
    let freeAtStart = 0;
    before(async () => {
      freeAtStart = await freePort();
      busy = net.createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      busyPort = (busy.address() as net.AddressInfo).port;
    });
    after(() => busy.close());
    const quiet = ['--gate-port', '0', '--agent-port', '0', '--drain', '0'];
    // [what, argv (a function of the busy port), message]
    const cases: Array<[string, (busy: number, free: number) => string[], RegExp]> = [
      ['--interval 0', () => ['shim', '--bind', '127.0.0.1', '--interval', '0'], /--interval: got 0; allowed: seconds from 0\.1 to 60/],
      ['--interval abc', () => ['shim', '--bind', '127.0.0.1', '--interval', 'abc'], /--interval: got "abc"; allowed: a number/],
      ['--drain -1', () => ['shim', '--bind', '127.0.0.1', '--drain', '-1'], /--drain: got -1; allowed: seconds from 0 to 60/],
      ['--standby-poll 0', () => ['shim', '--bind', '127.0.0.1', '--standby-poll', '0'], /--standby-poll: got 0; allowed: seconds from 0\.1 to 60/],
      ['--bind 999.1.1.1', () => ['shim', '--bind', '999.1.1.1'], /--bind: got "999\.1\.1\.1"; allowed: an IPv4 or IPv6 address of this host/],
      [
        'a health port that is busy',
        (b) => ['shim', '--bind', '127.0.0.1', '--health-port', String(b), ...quiet],
        /--health-port: got "127\.0\.0\.1:\d+"; allowed: a port this process can listen on\. Fix: that port is in use/,
      ],
      // A shim that never started has nothing to drain: it exits at once, not after --drain (30 s here; spawnSync gives up after 20 s).
      [
        'a health port that is busy, with --drain 30',
        (b) => ['shim', '--bind', '127.0.0.1', '--health-port', String(b), '--gate-port', '0', '--agent-port', '0', '--drain', '30'],
        /--health-port: got "127\.0\.0\.1:\d+"; allowed: a port this process can listen on/,
      ],
      [
        'a gate port that is busy',
        (b) => ['shim', '--bind', '127.0.0.1', '--health-port', '0', '--gate-port', String(b), '--agent-port', '0', '--drain', '0'],
        /--gate-port: got "127\.0\.0\.1:\d+"; allowed: a port this process can listen on/,
      ],
      [
        'the health port equal to the agent port',
        () => ['shim', '--bind', '127.0.0.1', '--health-port', '15151', '--agent-port', '15151'],
        /--agent-port: got 15151; allowed: a port other than --health-port's/,
      ],
      [
        'an address this host does not have',
        () => ['shim', '--bind', '192.0.2.77', '--health-port', '15151', ...quiet],
        /--bind: got "192\.0\.2\.77"; allowed: an address this host has/,
      ],
      [
        'synth --platform given twice',
        () => ['synth', '--platform', 'azure', '--platform', 'aws', '--config', EXAMPLE],
        /--platform was given 2 times \("azure", "aws"\); it takes one value: give it once/,
      ],
      ['synth --out given twice', () => ['synth', '--out', 'a', '--out', 'b', '--config', EXAMPLE], /--out was given 2 times/],
      [
        'a proxy whose listen port is busy',
        (b) => ['proxy', '--listen', `127.0.0.1:${b}`, '--primary', '127.0.0.1:1', '--secondary', '127.0.0.1:2'],
        /--listen: got "127\.0\.0\.1:\d+"; allowed: a port this process can listen on/,
      ],
      [
        'a proxy whose primary is not host:port',
        () => ['proxy', '--primary', 'a', '--secondary', '127.0.0.1:2'],
        /--primary: got "a"; allowed: host:port/,
      ],
      [
        'a proxy with --connect-timeout 0',
        () => ['proxy', '--primary', '127.0.0.1:1', '--secondary', '127.0.0.1:2', '--connect-timeout', '0'],
        /--connect-timeout: got 0/,
      ],
      [
        'a proxy whose stats port is busy',
        (b, free) => ['proxy', '--listen', `127.0.0.1:${free}`, '--primary', '127.0.0.1:1', '--secondary', '127.0.0.1:2', '--stats-port', String(b)],
        /--stats-port: got "127\.0\.0\.1:\d+"; allowed: a port this process can listen on/,
      ],
      ['a mimic whose port is busy', (b) => ['mimic', '--listen', `127.0.0.1:${b}`], /--listen: got "127\.0\.0\.1:\d+"/],
    ];
    for (const [what, argv, message] of cases) {
      it(`GIVEN ${what} THEN exit 2, the message, no stack trace, and the process is gone`, () => {
        const r = spawnSync(process.execPath, [IDHA, ...argv(busyPort, freeAtStart)], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 20_000 });
        assert.equal(r.error, undefined, "it ended by itself (spawnSync's timeout kills a process that keeps running)");
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|Error:/, 'no stack trace');
        const said = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
        assert.equal(said.length, 1, `one line (beside the JSON log): ${JSON.stringify(said)}`);
      });
    }
    it(
      'GIVEN a gate port taken after the shim started THEN, when the service comes up and the gate cannot open, the shim says why and exits 1 ' +
        '(never up here and down to the balancers)',
      async () => {
        const [svcPort, gatePort] = [await freePort(), await freePort()];
        const p = spawn(
          process.execPath,
          [
            IDHA,
            'shim',
            '--bind',
            '127.0.0.1',
            '--service-port',
            String(svcPort),
            '--gate-port',
            String(gatePort),
            '--health-port',
            '0',
            '--agent-port',
            '0',
            '--drain',
            '0',
            '--interval',
            '0.2',
            '--rise',
            '1',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        const thief = net.createServer();
        const svc = net.createServer((c) => c.destroy());
        try {
          await new Promise((r) => setTimeout(r, 800));
          assert.equal(p.exitCode, null, 'running while the service is down');
          await new Promise<void>((r) => thief.listen(gatePort, '127.0.0.1', r));
          await new Promise<void>((r) => svc.listen(svcPort, '127.0.0.1', r));
          const code = await new Promise((r) => {
            const t = setTimeout(() => r('still running'), 10_000);
            p.once('exit', (c) => {
              clearTimeout(t);
              r(c);
            });
          });
          assert.equal(code, 1, err);
          assert.match(err, new RegExp(`the gate port ${gatePort} cannot open`));
        } finally {
          p.kill('SIGKILL');
          thief.close();
          svc.close();
        }
      },
    );

    it('GIVEN a neighbour: the same shim flags with free ports THEN it runs until SIGTERM', async () => {
      const p = spawn(process.execPath, [IDHA, 'shim', '--bind', '127.0.0.1', '--health-port', '0', ...quiet, '--interval', '0.5'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(p.exitCode, null, out);
      assert.match(out, /shim started/);
      p.kill('SIGTERM');
      assert.equal(await new Promise((r) => p.once('exit', r)), 0);
    });
  },
);
