import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import { ConnectionAction, HaproxyTarget, HaproxyTargetProps, IqServiceHaPairProps, ProbeKind, haproxyTime, renderHaproxyConfig } from '../lib/internal';
import { besideItsNeighbour, EXAMPLE, pairProps, problemsOf, runIdha, synthPair } from './helpers';
import { freePorts, haproxyBin, sleep, start, stop, until } from './e2e-helpers';
import * as net from 'net';
import { hostShims } from '../lib/hosts/host-plan';
import { Shim } from '../lib/runtime';

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

describe('HAProxy target', () => {
  const cfg = cfgOf({ tlsPort: 5051 }, { bindAddress: '10.0.0.60' });

  it('THEN mode tcp, the primary active and the secondary backup, health from the shim gate and agent, never the service port', () => {
    assert.match(cfg, /^defaults\n {4}mode tcp$/m);
    assert.match(cfg, /^ {4}server primary 10\.0\.1\.10:5050 check port 15050 inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 observe layer4 error-limit 3 on-error mark-down agent-check agent-port 15052 agent-inter 250ms$/m);
    assert.match(cfg, /^ {4}server secondary 10\.0\.2\.10:5050 backup check port 15050 /m);
    assert.doesNotMatch(cfg, /check port 5050|check port 5051/);
  });

  it('THEN retries, option redispatch and timeouts fit for idle IQService connections', () => {
    for (const line of ['retries 3', 'option redispatch', 'timeout connect 2s', 'timeout client 30m', 'timeout server 30m', 'timeout check 2s']) {
      assert.match(cfg, new RegExp(`^ {4}${line}$`, 'm'));
    }
  });

  it('THEN one frontend per port bound to the given address, clients limited to allowedClients', () => {
    assert.match(cfg, /frontend iqservice-iq\n {4}bind 10\.0\.0\.60:5050\n {4}tcp-request connection reject if !\{ src 10\.20\.0\.0\/24 \}/);
    assert.match(cfg, /frontend iqservice-iq-tls\n {4}bind 10\.0\.0\.60:5051/);
  });

  it('GIVEN onFailback reset THEN on-marked-up shutdown-backup-sessions on the primary only; GIVEN onFailover reset THEN on-marked-down shutdown-sessions', () => {
    const c = cfgOf({ onFailback: ConnectionAction.RESET }, {});
    assert.match(c, /server primary .* on-marked-up shutdown-backup-sessions$/m);
    assert.doesNotMatch(c, /server secondary .*shutdown/m);
    assert.doesNotMatch(c, /on-marked-down/);
    assert.match(cfgOf({ onFailover: ConnectionAction.RESET }, {}), /server primary .* on-marked-down shutdown-sessions$/m);
    assert.doesNotMatch(cfgOf({}, {}), /shutdown/, 'keep, the default, renders neither');
  });

  it('THEN each backend sends its server state changes to the primary\'s shim (notice level: state changes only), matching the host plan\'s --report-server; GIVEN a named primary or observe off THEN no log line', () => {
    assert.match(cfg, /^backend iqservice-iq\n {4}balance first\n {4}log 10\.0\.1\.10:15053 local1 notice$/m);
    assert.match(cfg, /^backend iqservice-iq-tls\n {4}balance first\n {4}log 10\.0\.1\.10:15053 local1 notice$/m);
    const { pair } = synthPair(pairProps({ tlsPort: 5051, targets: [new HaproxyTarget()] }));
    const primary = hostShims(pair.model).find((h) => h.role === 'primary')!;
    const arg = (n: string) => primary.args[primary.args.indexOf(n) + 1];
    assert.equal(arg('--report-port'), '15053');
    assert.equal(arg('--report-server'), 'iqservice-iq/primary,iqservice-iq-tls/primary');
    assert.ok(!hostShims(pair.model).find((h) => h.role === 'secondary')!.args.includes('--report-port'), 'the backup has no observe, so no reports');
    assert.doesNotMatch(cfgOf({ primary: { address: 'iq1.example.com', iqserviceVersion: '8.4p2' } }), /local1 notice/);
    assert.doesNotMatch(cfgOf({}, { observeErrorLimit: 0 }), /local1 notice/);
    assert.match(cfgOf({ probe: { reportPort: 16000 } }), /log 10\.0\.1\.10:16000 local1 notice/);
  });

  it('GIVEN the sidecar HTTP probe THEN an HTTP check of GET /healthz on the health port expecting 200', () => {
    const c = cfgOf({ probe: { kind: ProbeKind.SIDECAR_HTTP } });
    assert.match(c, /option httpchk\n {4}http-check send meth GET uri \/healthz\n {4}http-check expect status 200/);
    assert.match(c, /server primary 10\.0\.1\.10:5050 check port 15051/);
  });

  it('GIVEN the noisy tcp-connect probe (accepted) THEN the check is on the service port and no agent', () => {
    const c = cfgOf({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true } });
    assert.match(c, /server primary 10\.0\.1\.10:5050 check port 5050 inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 observe layer4 error-limit 3 on-error mark-down$/m);
  });

  it('THEN the estimate is sidecar + interval + (fall - 1) x fastinter + check timeout (the backup is already up)', () => {
    const { pair } = synthPair(pairProps({ targets: [new HaproxyTarget({ checkIntervalSeconds: 2, fall: 3, checkTimeoutSeconds: 1 })] }));
    const [e] = pair.failoverEstimates();
    assert.equal(e.worstCaseSeconds, 2 + 2 + 2 * 0.5 + 1);
    assert.equal(e.formula, '2s sidecar + 2s + 2 x 0.5s fastinter + 1s timeout = 6');
  });

  it('THEN haproxyTime writes minutes, seconds or milliseconds', () => {
    assert.deepEqual([haproxyTime(1_800_000), haproxyTime(2000), haproxyTime(250)], ['30m', '2s', '250ms']);
  });
});

describe('HAProxy validation: every bad input beside an accepted neighbour', () => {
  const rows: Array<[string, HaproxyTargetProps, string, HaproxyTargetProps]> = [
    ['fall 0', { fall: 0 }, 'targets.haproxy.fall', { fall: 1 }],
    ['rise 11', { rise: 11 }, 'targets.haproxy.rise', { rise: 10 }],
    ['a 0 s check interval', { checkIntervalSeconds: 0 }, 'targets.haproxy.checkIntervalSeconds', { checkIntervalSeconds: 1 }],
    ['retries 11', { retries: 11 }, 'targets.haproxy.retries', { retries: 0 }],
    ['a DNS bind address', { bindAddress: 'lb.example.com' }, 'targets.haproxy.bindAddress', { bindAddress: '*' }],
    ['a log target with a space', { logTarget: 'stdout format raw' }, 'targets.haproxy.logTarget', { logTarget: 'stdout' }],
  ];
  besideItsNeighbour(rows, (x) => problemsOf(() => synthPair(pairProps({ targets: [new HaproxyTarget(x)] }))), { verb: 'error' });
  it('GIVEN a half-open probe THEN refused (HAProxy has none); GIVEN the gate THEN accepted', () => {
    assert.ok(problemsOf(() => synthPair(pairProps({ probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new HaproxyTarget()] }))).some((p) => p.field === 'probe.kind'));
  });
});

describe('haproxy -c accepts what we generate', { skip: HAPROXY ? false : 'haproxy is not installed: .ci/run installs it' }, () => {
  const cases: Array<[string, Partial<IqServiceHaPairProps>, HaproxyTargetProps]> = [
    ['the default IPv4 pair with TLS', { tlsPort: 5051 }, {}],
    ['IPv6 hosts and an IPv6 bind', { primary: { address: 'fd00::10', iqserviceVersion: '8.4p2' }, secondary: { address: 'fd00::20', iqserviceVersion: '8.4p2' }, allowedClients: ['fd00:20::/64'] }, { bindAddress: 'fd00::60' }],
    ['DNS-named hosts', { primary: { address: 'localhost', iqserviceVersion: '8.4p2' }, secondary: { address: 'no-such-host.invalid', iqserviceVersion: '8.4p2' } }, {}],
    ['the HTTP sidecar check and every option', { probe: { kind: ProbeKind.SIDECAR_HTTP }, onFailover: ConnectionAction.RESET, onFailback: ConnectionAction.RESET, idleTimeoutMinutes: 5 }, { agentCheck: false, logTarget: 'stdout', maxconn: 100 }],
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

  it('GIVEN the bundled example WHEN idha synth --platform haproxy THEN snippets/iqservice/haproxy.cfg only, valid, and idha snippet haproxy prints the same', () => {
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
  });

  it('GIVEN renderHaproxyConfig used directly (as idha lab does) THEN valid as well', () => {
    const { labHaproxyConfig, labPorts } = require('../lib/runtime');
    assert.equal(haproxyCheck(labHaproxyConfig('127.0.0.1', labPorts(25050), 500)).status, 0);
    assert.ok(renderHaproxyConfig);
  });
});

describe('HAProxy and the shim together: a primary that HAProxy cannot reach while its shim finds it healthy', { skip: HAPROXY ? false : 'haproxy is not installed: .ci/run installs it' }, () => {
  // The primary's service port refuses (nothing listens on 127.0.0.2), but its shim is given a
  // checker that always finds the service healthy: the shape of a black hole, a host firewall or a
  // broken route between HAProxy and the primary. Without reports HAProxy flaps: observe marks the
  // primary down, the gate check brings it back a second later (rise 1), the next clients fail again.
  async function run(reports: boolean): Promise<{ downs: number; failed: number; total: number; heldDownUntil: string | null }> {
    const [port, gate, health, agent, report] = await freePorts(5);
    const { pair } = synthPair(pairProps({
      primary: { address: '127.0.0.2', iqserviceVersion: '8.4p2' }, secondary: { address: '127.0.0.3', iqserviceVersion: '8.4p2' },
      port, allowedClients: ['127.0.0.0/8'], probe: { gatePort: gate, healthPort: health, agentPort: agent, reportPort: report },
      targets: [new HaproxyTarget({ bindAddress: '127.0.0.1', logTarget: 'stdout', connectTimeoutSeconds: 1 })],
    }));
    // The generated file as it is: the frontend binds 127.0.0.1:<port>, the servers are 127.0.0.2/3:<port>.
    const front = port;
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hrep-')), 'haproxy.cfg');
    fs.writeFileSync(f, pair.snippets()[0].content);
    // The shims, with the arguments of the host plan (reports from the primary's --report-* flags).
    const [p, sc] = hostShims(pair.model);
    const arg = (n: string) => p.args[p.args.indexOf(n) + 1];
    const healthy = { method: 'fake', check: async () => ({ ok: true, reason: 'looks healthy' }) };
    const primary = new Shim({ checker: healthy, bind: '127.0.0.2', gatePort: gate, healthPort: health, agentPort: agent, intervalMs: 1000, fall: 2, rise: 1,
      reports: reports ? { port: Number(arg('--report-port')), servers: arg('--report-server').split(',') } : undefined });
    const secondary = new Shim({ checker: healthy, bind: sc.address, gatePort: gate, healthPort: health, agentPort: agent, intervalMs: 1000 });
    const service = net.createServer((s) => s.end('secondary\n'));
    await new Promise<void>((r) => service.listen(port, '127.0.0.3', () => r()));
    await primary.start();
    await secondary.start();
    const hap = start('haproxy', ['-db', '-f', f]);
    try {
      await until('HAProxy listening', async () => new Promise<boolean>((r) => { const c = net.connect(front, '127.0.0.1'); c.once('connect', () => (c.destroy(), r(true))); c.once('error', () => r(false)); }));
      let failed = 0; let total = 0;
      const client = () => new Promise<void>((resolve) => {
        total++;
        const c = net.connect(front, '127.0.0.1');
        let got = '';
        c.on('data', (d) => (got += d));
        c.setTimeout(5000, () => c.destroy());
        c.on('close', () => { if (got !== 'secondary\n') failed++; resolve(); });
        c.on('error', () => undefined);
      });
      const end = Date.now() + 6000;
      const pending: Promise<void>[] = [];
      while (Date.now() < end) { pending.push(client()); await sleep(100); }
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

  it('GIVEN the generated haproxy.cfg and the host plan\'s report flags THEN HAProxy marks the primary down once, the shim holds it down, and at most `retries` (3) clients fail', async () => {
    const r = await run(true);
    assert.equal(r.downs, 1, `down transitions: ${r.downs}`);
    assert.ok(r.failed <= 3, `${r.failed} of ${r.total} clients failed`);
    assert.ok(r.heldDownUntil, 'the primary\'s shim holds it down');
  });

  it('negative control: GIVEN the same without reports THEN HAProxy flaps (so the test above can fail)', async () => {
    const r = await run(false);
    assert.ok(r.downs >= 2, `down transitions: ${r.downs}`);
    assert.equal(r.heldDownUntil, null);
  });
});
