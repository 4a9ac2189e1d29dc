import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import { ConnectionAction, HaproxyTarget, HaproxyTargetProps, IqServiceHaPairProps, ProbeKind, renderHaproxyConfig } from '../../lib/internal';
import { EXAMPLE, pairProps, runIdha, synthPair } from '../helpers';
import { freePorts, haproxyBin, sleep, start, stop, until } from '../e2e-helpers';
import * as net from 'net';
import { hostShims } from '../../lib/hosts/host-plan';
import { labHaproxyConfig, labPorts, Shim } from '../../lib/runtime';

const HAPROXY = haproxyBin();

/** `haproxy -c` on a config; returns exit status and output. */
function haproxyCheck(cfg: string): { status: number | null; out: string } {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hap-')), 'haproxy.cfg');
  fs.writeFileSync(f, cfg);
  const r = spawnSync('haproxy', ['-c', '-f', f], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function cfgOf(props: Partial<IqServiceHaPairProps>, hp: HaproxyTargetProps = {}): string {
  const { pair } = synthPair(pairProps({ ...props, targets: [new HaproxyTarget(hp)] }));
  const [s] = pair.snippets();
  assert.equal(s.fileName, 'haproxy.cfg');
  return s.content;
}

describe('haproxy -c accepts what we generate', { skip: HAPROXY ? false : 'haproxy is not installed: .ci/run installs it' }, () => {
  const cases: Array<[string, Partial<IqServiceHaPairProps>, HaproxyTargetProps]> = [
    ['the default IPv4 pair with TLS', { tlsPort: 5051 }, {}],
    [
      'IPv6 hosts and an IPv6 bind',
      {
        primary: { address: 'fd00::10', iqserviceVersion: '8.4p2' },
        secondary: { address: 'fd00::20', iqserviceVersion: '8.4p2' },
        allowedClients: ['fd00:20::/64'],
      },
      { bindAddress: 'fd00::60' },
    ],
    [
      'DNS-named hosts',
      { primary: { address: 'localhost', iqserviceVersion: '8.4p2' }, secondary: { address: 'no-such-host.invalid', iqserviceVersion: '8.4p2' } },
      {},
    ],
    [
      'the HTTP sidecar check and every option',
      { probe: { kind: ProbeKind.SIDECAR_HTTP }, onFailover: ConnectionAction.RESET, onFailback: ConnectionAction.RESET, idleTimeoutMinutes: 5 },
      { agentCheck: false, logTarget: 'stdout', maxconn: 100 },
    ],
  ];
  for (const [what, props, hp] of cases) {
    it(`GIVEN ${what} THEN haproxy -c says valid`, () => {
      const r = haproxyCheck(cfgOf(props, hp));
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /Configuration file is valid/);
    });
  }

  it('negative control: GIVEN a broken line THEN haproxy -c fails, so the check above can fail', () => {
    const r = haproxyCheck(cfgOf({}).replace('balance first', 'balance firstest'));
    assert.notEqual(r.status, 0);
  });

  it(
    'GIVEN the bundled example WHEN idha synth --platform haproxy THEN snippets/iqservice/haproxy.cfg only, valid, and idha snippet haproxy ' +
      'prints the same',
    () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hsyn-')), 'o');
      const r = runIdha(['synth', '--platform', 'haproxy', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      // The example also renders Azure and AWS; HAProxy still probes the health gate, so its estimate is what HAProxy alone gives.
      assert.match(r.stdout, /iqservice\s+haproxy\s+5\.25 s\s+2s sidecar \+ 1s \+ 1 x 0\.25s fastinter \+ 2s timeout = 5\.25/);
      assert.deepEqual(fs.readdirSync(out).sort(), ['idha-manifest.json', 'manifest.json', 'snippets']);
      const file = fs.readFileSync(path.join(out, 'snippets', 'iqservice', 'haproxy.cfg'), 'utf8');
      assert.equal(haproxyCheck(file).status, 0);
      const s = runIdha(['snippet', 'haproxy', '--config', EXAMPLE]);
      assert.equal(s.status, 0, s.stderr);
      assert.equal(s.stdout, file);
    },
  );

  it('GIVEN renderHaproxyConfig used directly (as idha lab does) THEN valid as well', () => {
    assert.equal(haproxyCheck(labHaproxyConfig('127.0.0.1', labPorts(25050), 500)).status, 0);
    assert.ok(renderHaproxyConfig);
  });
});

describe(
  'HAProxy and the shim together: a primary that HAProxy cannot reach while its shim finds it healthy',
  { skip: HAPROXY ? false : 'haproxy is not installed: .ci/run installs it' },
  () => {
    // The primary's service port refuses (nothing listens on 127.0.0.2), but its shim is given a
    // checker that always finds the service healthy: the shape of a black hole, a host firewall or a
    // broken route between HAProxy and the primary. Without reports HAProxy flaps: observe marks the
    // primary down, the gate check brings it back a second later (rise 1), the next clients fail again.
    async function run(reports: boolean): Promise<{ downs: number; failed: number; total: number; heldDownUntil: string | null }> {
      const [port, gate, health, agent, report] = await freePorts(5);
      const { pair } = synthPair(
        pairProps({
          primary: { address: '127.0.0.2', iqserviceVersion: '8.4p2' },
          secondary: { address: '127.0.0.3', iqserviceVersion: '8.4p2' },
          port,
          allowedClients: ['127.0.0.0/8'],
          probe: { gatePort: gate, healthPort: health, agentPort: agent, reportPort: report },
          targets: [new HaproxyTarget({ bindAddress: '127.0.0.1', logTarget: 'stdout', connectTimeoutSeconds: 1 })],
        }),
      );
      // The generated file as it is: the frontend binds 127.0.0.1:<port>, the servers are 127.0.0.2/3:<port>.
      const front = port;
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hrep-')), 'haproxy.cfg');
      fs.writeFileSync(f, pair.snippets()[0].content);
      // The shims, with the arguments of the host plan (reports from the primary's --report-* flags).
      const [p, sc] = hostShims(pair.model);
      const arg = (n: string) => p.args[p.args.indexOf(n) + 1];
      const healthy = { method: 'fake', check: async () => ({ ok: true, reason: 'looks healthy' }) };
      const primary = new Shim({
        checker: healthy,
        bind: '127.0.0.2',
        gatePort: gate,
        healthPort: health,
        agentPort: agent,
        intervalMs: 1000,
        fall: 2,
        rise: 1,
        reports: reports ? { port: Number(arg('--report-port')), servers: arg('--report-server').split(',') } : undefined,
      });
      const secondary = new Shim({ checker: healthy, bind: sc.address, gatePort: gate, healthPort: health, agentPort: agent, intervalMs: 1000 });
      const service = net.createServer((s) => s.end('secondary\n'));
      await new Promise<void>((r) => service.listen(port, '127.0.0.3', () => r()));
      await primary.start();
      await secondary.start();
      const hap = start('haproxy', ['-db', '-f', f]);
      try {
        await until(
          'HAProxy listening',
          async () =>
            new Promise<boolean>((r) => {
              const c = net.connect(front, '127.0.0.1');
              c.once('connect', () => (c.destroy(), r(true)));
              c.once('error', () => r(false));
            }),
        );
        let failed = 0;
        let total = 0;
        const client = () =>
          new Promise<void>((resolve) => {
            total++;
            const c = net.connect(front, '127.0.0.1');
            let got = '';
            c.on('data', (d) => (got += d));
            c.setTimeout(5000, () => c.destroy());
            c.on('close', () => {
              if (got !== 'secondary\n') failed++;
              resolve();
            });
            c.on('error', () => undefined);
          });
        const end = Date.now() + 6000;
        const pending: Promise<void>[] = [];
        while (Date.now() < end) {
          pending.push(client());
          await sleep(100);
        }
        await Promise.all(pending);
        const downs = (hap.stdout.match(/Server iqservice-iq\/primary is DOWN/g) ?? []).length;
        return { downs, failed, total, heldDownUntil: primary.status().heldDownUntil };
      } finally {
        await stop(hap);
        await primary.stop();
        await secondary.stop();
        service.close();
      }
    }

    it(
      "GIVEN the generated haproxy.cfg and the host plan's report flags THEN HAProxy marks the primary down once, the shim holds it down, " +
        'and at most `retries` (3) clients fail',
      async () => {
        const r = await run(true);
        assert.equal(r.downs, 1, `down transitions: ${r.downs}`);
        assert.ok(r.failed <= 3, `${r.failed} of ${r.total} clients failed`);
        assert.ok(r.heldDownUntil, "the primary's shim holds it down");
      },
    );

    it('negative control: GIVEN the same without reports THEN HAProxy flaps (so the test above can fail)', async () => {
      const r = await run(false);
      assert.ok(r.downs >= 2, `down transitions: ${r.downs}`);
      assert.equal(r.heldDownUntil, null);
    });
  },
);
