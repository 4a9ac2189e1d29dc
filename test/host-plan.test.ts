import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import {
  AwsNlbTarget, AzureLoadBalancerTarget, F5BigIpTarget, hostPlan, hostShims, HaproxyTarget, IqServiceHaPairProps, parseTopologyText, ProbeKind,
  SidecarMode, synthesizeTopology,
} from '../lib/internal';
import { freePorts, idha, stop, until } from './e2e-helpers';
import { AWS, AZURE, EXAMPLE, F5, pairProps, problemsOf, synthPair } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hosts-'));
const modelOf = (over: Partial<IqServiceHaPairProps>) => synthPair(pairProps(over)).pair.model;
const argsOf = (over: Partial<IqServiceHaPairProps>) => Object.fromEntries(hostShims(modelOf(over)).map((h) => [h.role, h.args.join(' ')]));

describe('the sidecar mode follows the targets, and each estimate uses the mode rendered', () => {
  it('GIVEN Azure or AWS THEN standby mode: the primary waits for the standby (--standby-peer), the secondary opens only while the primary is down (--standby-of)', () => {
    for (const target of [new AzureLoadBalancerTarget(AZURE), new AwsNlbTarget(AWS)]) {
      const a = argsOf({ targets: [target] });
      assert.match(a.primary, /--bind 10\.0\.1\.10 --service-port 5050 --service-host 10\.0\.1\.10 .* --standby-peer http:\/\/10\.0\.2\.10:15051\/healthz$/);
      assert.match(a.secondary, /--bind 10\.0\.2\.10 --service-port 5050 --service-host 10\.0\.2\.10 .* --standby-of http:\/\/10\.0\.1\.10:15051\/healthz --standby-poll 1 --standby-fall 3 --standby-rise 3$/);
    }
  });

  it('GIVEN only HAProxy or F5 (priority of their own) THEN normal mode on both hosts, and the faster estimate', () => {
    for (const target of [new HaproxyTarget(), new F5BigIpTarget(F5)]) {
      const a = argsOf({ targets: [target] });
      assert.doesNotMatch(a.primary + a.secondary, /--standby/);
    }
    assert.equal(synthPair(pairProps({ targets: [new HaproxyTarget()] })).pair.failoverEstimates()[0].formula, '2s sidecar + 1s + 1 x 0.25s fastinter + 2s timeout = 5.25');
  });

  it('GIVEN Azure and HAProxy for one service THEN standby for the hosts, and HAProxy\'s estimate adds the standby\'s detection', () => {
    const { pair } = synthPair(pairProps({ targets: [new AzureLoadBalancerTarget(AZURE), new HaproxyTarget()] }));
    assert.equal(pair.model.sidecarMode, SidecarMode.STANDBY);
    assert.equal(pair.failoverEstimates().find((e) => e.platform === 'haproxy')!.formula, '2 + max(3.25, 3 + 0.25) = 5.25');
  });

  it('GIVEN sidecarMode normal with Azure THEN refused, naming the target and the split; GIVEN standby THEN accepted', () => {
    const problems = problemsOf(() => synthPair(pairProps({ sidecarMode: SidecarMode.NORMAL, targets: [new AzureLoadBalancerTarget(AZURE), new HaproxyTarget()] })));
    assert.equal(problems[0]?.field, 'sidecarMode');
    assert.match(`${problems[0].allowed} ${problems[0].fix}`, /"standby" with azure.*both hosts pass the probe and both get traffic.*split the service in two/);
    assert.deepEqual(problemsOf(() => synthPair(pairProps({ sidecarMode: SidecarMode.STANDBY, targets: [new AzureLoadBalancerTarget(AZURE), new HaproxyTarget()] }))), []);
  });

  it('GIVEN the bundled example rendered with --platform haproxy only THEN still standby: the hosts serve the service\'s Azure and AWS targets too', () => {
    const out = path.join(tmp(), 'o');
    const r = synthesizeTopology({ topology: parseTopologyText(fs.readFileSync(EXAMPLE, 'utf8')), outDir: out, platforms: ['haproxy'] });
    assert.deepEqual(r.hosts.map((h) => h.mode), ['standby', 'standby']);
    assert.match(fs.readFileSync(path.join(out, 'snippets/iqservice/hosts/secondary-10.0.2.10/shim-command.txt'), 'utf8'), /^idha shim .* --standby-of http:\/\/10\.0\.1\.10:15051\/healthz/m);
  });

  it('GIVEN IPv6 hosts THEN bracketed URLs and folder names without colons; GIVEN named hosts THEN no --service-host and a note saying why', () => {
    const v6 = hostShims(modelOf({ primary: { address: 'fd00::10', iqserviceVersion: '8.4p2' }, secondary: { address: 'fd00::20', iqserviceVersion: '8.4p2' }, allowedClients: ['fd00:20::/64'], targets: [new AzureLoadBalancerTarget(AZURE)] }));
    assert.deepEqual(v6.map((h) => h.folder), ['hosts/primary-fd00--10', 'hosts/secondary-fd00--20']);
    assert.match(v6[1].args.join(' '), /--standby-of http:\/\/\[fd00::10\]:15051\/healthz/);
    const named = hostPlan(modelOf({ primary: { address: 'iq1.corp.example', iqserviceVersion: '8.4p2' }, secondary: { address: 'iq2.corp.example', iqserviceVersion: '8.4p2' }, targets: [new HaproxyTarget()] }));
    const cmd = named.find((f) => f.path === 'hosts/primary-iq1.corp.example/shim-command.txt')!.content;
    assert.doesNotMatch(cmd, /--service-host/);
    assert.match(cmd, /The host is named, not addressed/);
  });

  it('GIVEN a probe that does not use the sidecar (F5 half-open) THEN no host plan', () => {
    assert.deepEqual(hostPlan(modelOf({ probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new F5BigIpTarget(F5)] })), []);
  });
});

describe('the host plan files', () => {
  const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

  it('GIVEN the bundled example THEN every generated systemd unit passes systemd-analyze verify; a broken unit does not (negative control)', () => {
    assert.ok(hasSystemd, 'systemd-analyze is needed (Debian package systemd; .ci/run installs it)');
    const out = path.join(tmp(), 'o');
    synthesizeTopology({ topology: parseTopologyText(fs.readFileSync(EXAMPLE, 'utf8')), outDir: out });
    const units = ['primary-10.0.1.10', 'secondary-10.0.2.10'].map((h) => path.join(out, 'snippets/iqservice/hosts', h, 'idha-shim.service'));
    for (const unit of units) {
      // systemd-analyze wants a unit file name it can load; copy each to a folder of its own.
      const dir = tmp();
      fs.copyFileSync(unit, path.join(dir, 'idha-shim.service'));
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'idha-shim.service')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${unit}: ${r.stderr}`);
    }
    const bad = path.join(tmp(), 'idha-shim.service');
    fs.writeFileSync(bad, fs.readFileSync(units[0], 'utf8').replace('ExecStart=/usr/bin/env idha', 'ExecStart=/no/such/idha'));
    assert.notEqual(spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' }).status, 0);
  });

  it('GIVEN the generated WinSW definition THEN it is well-formed XML with the same arguments as the command line', () => {
    const files = hostPlan(modelOf({ targets: [new AzureLoadBalancerTarget(AZURE)] }));
    const xml = files.find((f) => f.path.endsWith('secondary-10.0.2.10/idha-shim.xml'))!.content;
    const cmd = files.find((f) => f.path.endsWith('secondary-10.0.2.10/shim-command.txt'))!.content;
    const args = /^idha (shim .*)$/m.exec(cmd)![1];
    assert.ok(xml.includes(`<arguments>"C:\\Program Files\\identity-ha\\bin\\idha.js" ${args}</arguments>`));
    assert.equal((xml.match(/<service>/g) ?? []).length, 1);
    assert.doesNotMatch(xml.replace(/<!--[\s\S]*?-->/g, ''), /&(?!amp;|lt;|gt;|quot;|apos;)/, 'no bare ampersand');
  });
});

describe('the plan is proven: the generated command line, run as written', () => {
  it('GIVEN a topology on a loopback address WHEN the primary\'s generated shim command runs THEN its gate opens while a service listens there and closes when it stops', async () => {
    const ip = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.1`;
    const [port, gate, health, agent] = await freePorts(4);
    const doc = {
      version: 1,
      services: [{
        name: 'proof', primary: { address: ip, iqserviceVersion: '1' }, secondary: { address: ip.replace(/\.1$/, '.2'), iqserviceVersion: '1' },
        port, allowedClients: ['127.0.0.0/8'], probe: { kind: 'sidecar-gate', gatePort: gate, healthPort: health, agentPort: agent },
        targets: { haproxy: { bindAddress: '127.0.0.1' } },
      }],
    };
    const out = path.join(tmp(), 'o');
    synthesizeTopology({ topology: parseTopologyText(YAML.stringify(doc)), outDir: out });
    const cmd = fs.readFileSync(path.join(out, `snippets/proof/hosts/primary-${ip}/shim-command.txt`), 'utf8');
    const line = /^idha (shim .*)$/m.exec(cmd)![1];
    const unit = fs.readFileSync(path.join(out, `snippets/proof/hosts/primary-${ip}/idha-shim.service`), 'utf8');
    assert.ok(unit.includes(`ExecStart=/usr/bin/env idha ${line}`), 'the unit runs the same command line');

    const gateOpen = () => new Promise<boolean>((resolve) => {
      const s = net.connect({ host: ip, port: gate });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    const service = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => service.listen(port, ip, () => r()));
    const shim = idha(line.split(' '));
    try {
      await until('the gate to open with the service listening', async () => gateOpen(), 15_000);
      await new Promise<void>((r) => service.close(() => r()));
      await until('the gate to close with the service gone', async () => !(await gateOpen()), 15_000);
    } finally {
      service.close();
      await stop(shim);
    }
  });
});

describe('the shim watches its own address by default', () => {
  it('GIVEN no --service-host WHEN only a neighbour address listens on the port THEN the gate stays closed; WHEN its own --bind address listens THEN it opens', async () => {
    const base = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`;
    const [port, gate] = await freePorts(2);
    const listen = (host: string) => new Promise<net.Server>((r) => { const s = net.createServer((c) => c.destroy()); s.listen(port, host, () => r(s)); });
    const gateOpen = () => new Promise<boolean>((resolve) => {
      const s = net.connect({ host: `${base}.1`, port: gate });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    const neighbour = await listen(`${base}.2`);
    const shim = idha(['shim', '--bind', `${base}.1`, '--service-port', String(port), '--gate-port', String(gate), '--health-port', '0', '--agent-port', '0', '--interval', '0.2', '--rise', '1', '--fall', '1']);
    let own: net.Server | undefined;
    try {
      await until('the shim to log its first check', async () => shim.stdout.includes('"msg"') || shim.stderr.length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await gateOpen(), false, 'a listener on the neighbour address is not this host\'s service');
      own = await listen(`${base}.1`);
      await until('the gate to open for the own address', async () => gateOpen(), 10_000);
    } finally {
      neighbour.close();
      own?.close();
      await stop(shim);
    }
  });
});
