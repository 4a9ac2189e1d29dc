import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import {
  AwsNlbTarget,
  AzureLoadBalancerTarget,
  F5BigIpTarget,
  hostPlan,
  hostShims,
  HaproxyTarget,
  IqServiceHaPairProps,
  parseTopologyText,
  ProbeKind,
  SidecarMode,
  synthesizeTopology,
} from '../../../lib/internal';
import { freePorts, idha, stop, until } from '../../e2e-helpers';
import { AWS, AZURE, EXAMPLE, F5, pairProps, problemsOf, resources, rx, synthPair } from '../../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-hosts-'));
const modelOf = (over: Partial<IqServiceHaPairProps>) => synthPair(pairProps(over)).pair.model;
const argsOf = (over: Partial<IqServiceHaPairProps>) => Object.fromEntries(hostShims(modelOf(over)).map((h) => [h.role, h.args.join(' ')]));

describe('one command per host serves every balancer: each target probes the gate that fits it, and its estimate follows that gate', () => {
  it('GIVEN any targets THEN the same command on each host: both gates, the role and the peer', () => {
    const seen = new Set<string>();
    for (const targets of [
      [new AzureLoadBalancerTarget(AZURE)],
      [new AwsNlbTarget(AWS)],
      [new HaproxyTarget()],
      [new F5BigIpTarget(F5)],
      [new AzureLoadBalancerTarget(AZURE), new HaproxyTarget()],
    ]) {
      const a = argsOf({ targets });
      assert.match(
        a.primary,
        rx(
          '',
          String.raw`^shim --bind 10\.0\.1\.10 --service-port 5050 --service-host 10\.0\.1\.10 --gate-port 15050 --priority-port 15`,
          String.raw`054 --health-port 15051 --agent-port 15052 .* --role primary --peer http:\/\/10\.0\.2\.10:15051\/healthz --sta`,
          String.raw`ndby-poll 1$`,
        ),
      );
      assert.match(
        a.secondary,
        rx(
          '',
          String.raw`^shim --bind 10\.0\.2\.10 --service-port 5050 --service-host 10\.0\.2\.10 --gate-port 15050 --priority-port 15`,
          String.raw`054 .* --role secondary --peer http:\/\/10\.0\.1\.10:15051\/healthz --standby-poll 1 --standby-fall 3 --standb`,
          String.raw`y-rise 3$`,
        ),
      );
      seen.add(a.secondary);
    }
    assert.equal(seen.size, 1, "no mode: the secondary's command is the same whatever the targets");
  });

  it(
    'GIVEN Azure, AWS, F5 and HAProxy for one service THEN Azure and AWS probe the priority gate (15054), F5 and HAProxy the health gate ' +
      "(15050); HAProxy's estimate has no standby term, Azure's failback has the primary's poll",
    () => {
      const { pair, tf } = synthPair(
        pairProps({ targets: [new AzureLoadBalancerTarget(AZURE), new AwsNlbTarget(AWS), new F5BigIpTarget(F5), new HaproxyTarget()] }),
      );
      const est = Object.fromEntries(pair.failoverEstimates().map((e) => [e.platform, e]));
      assert.equal(est.haproxy.formula, '2s sidecar + 1s + 1 x 0.25s fastinter + 2s timeout = 5.25');
      assert.equal(est.haproxy.failbackFormula, '0.25s sidecar rise + 0.25s downinter x 1 checks = 0.5');
      assert.match(est.azure.formula, /^2 \+ max\(/);
      assert.match(est.azure.failbackFormula, /^0\.25s sidecar rise \+ 3s secondary closes \+ 1s primary polls it \+ /);
      const haproxy = pair.snippets().find((x) => x.kind === 'haproxy')!.content;
      assert.match(haproxy, /server primary 10\.0\.1\.10:5050 check port 15050 /);
      assert.deepEqual(
        resources(tf, 'azurerm_lb_probe').map((x) => x.port),
        [15054],
      );
      assert.deepEqual(
        resources(tf, 'aws_lb_target_group').map((x) => x.health_check.port),
        ['15054'],
      );
      assert.ok(
        JSON.stringify(resources(tf, 'bigip_ltm_monitor')).includes('15050') || JSON.stringify(pair.snippets()).includes('15050'),
        'F5 probes the health gate',
      );
      assert.doesNotMatch(
        JSON.stringify(resources(tf, 'bigip_ltm_monitor')) + JSON.stringify(pair.snippets().filter((x) => x.kind !== 'haproxy')),
        /15054/,
      );
    },
  );

  it('GIVEN sidecarMode set THEN a warning that it is no longer used, and the same output', () => {
    const { pair } = synthPair(pairProps({ sidecarMode: SidecarMode.NORMAL, targets: [new AzureLoadBalancerTarget(AZURE), new HaproxyTarget()] }));
    assert.ok(
      pair.warnings().some((w) => /sidecarMode \(normal\) is not used any more/.test(w)),
      pair.warnings().join('\n'),
    );
    assert.deepEqual(
      problemsOf(() => synthPair(pairProps({ sidecarMode: SidecarMode.STANDBY, targets: [new AzureLoadBalancerTarget(AZURE)] }))),
      [],
    );
  });

  it('GIVEN the bundled example rendered with --platform haproxy only THEN the same host plan as with every platform', () => {
    const out = path.join(tmp(), 'o');
    const all = path.join(tmp(), 'o');
    const r = synthesizeTopology({ topology: parseTopologyText(fs.readFileSync(EXAMPLE, 'utf8')), outDir: out, platforms: ['haproxy'] });
    const r2 = synthesizeTopology({ topology: parseTopologyText(fs.readFileSync(EXAMPLE, 'utf8')), outDir: all });
    assert.deepEqual(
      r.hosts.map((h) => h.command),
      r2.hosts.map((h) => h.command),
    );
    assert.match(
      fs.readFileSync(path.join(out, 'snippets/iqservice/hosts/secondary-10.0.2.10/shim-command.txt'), 'utf8'),
      /^idha shim .* --role secondary --peer http:\/\/10\.0\.1\.10:15051\/healthz/m,
    );
  });

  it('GIVEN IPv6 hosts THEN bracketed URLs and folder names without colons; GIVEN named hosts THEN no --service-host and a note saying why', () => {
    const v6 = hostShims(
      modelOf({
        primary: { address: 'fd00::10', iqserviceVersion: '8.4p2' },
        secondary: { address: 'fd00::20', iqserviceVersion: '8.4p2' },
        allowedClients: ['fd00:20::/64'],
        targets: [new AzureLoadBalancerTarget(AZURE)],
      }),
    );
    assert.deepEqual(
      v6.map((h) => h.folder),
      ['hosts/primary-fd00--10', 'hosts/secondary-fd00--20'],
    );
    assert.match(v6[1].args.join(' '), /--peer http:\/\/\[fd00::10\]:15051\/healthz/);
    const named = hostPlan(
      modelOf({
        primary: { address: 'iq1.corp.example', iqserviceVersion: '8.4p2' },
        secondary: { address: 'iq2.corp.example', iqserviceVersion: '8.4p2' },
        targets: [new HaproxyTarget()],
      }),
    );
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
  it(
    "GIVEN a topology on a loopback address WHEN the primary's generated shim command runs THEN its gate opens while a service listens " +
      'there and closes when it stops',
    async () => {
      const ip = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.1`;
      const [port, gate, health, agent, priority] = await freePorts(5);
      const doc = {
        version: 1,
        services: [
          {
            name: 'proof',
            primary: { address: ip, iqserviceVersion: '1' },
            secondary: { address: ip.replace(/\.1$/, '.2'), iqserviceVersion: '1' },
            port,
            allowedClients: ['127.0.0.0/8'],
            probe: { kind: 'sidecar-gate', gatePort: gate, healthPort: health, agentPort: agent, priorityPort: priority },
            targets: { haproxy: { bindAddress: '127.0.0.1' } },
          },
        ],
      };
      const out = path.join(tmp(), 'o');
      synthesizeTopology({ topology: parseTopologyText(YAML.stringify(doc)), outDir: out });
      const cmd = fs.readFileSync(path.join(out, `snippets/proof/hosts/primary-${ip}/shim-command.txt`), 'utf8');
      const line = /^idha (shim .*)$/m.exec(cmd)![1];
      const unit = fs.readFileSync(path.join(out, `snippets/proof/hosts/primary-${ip}/idha-shim.service`), 'utf8');
      assert.ok(unit.includes(`ExecStart=/usr/bin/env idha ${line}`), 'the unit runs the same command line');

      const gateOpen = () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect({ host: ip, port: gate });
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
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
    },
  );
});

describe('the shim watches its own address by default', () => {
  it(
    'GIVEN no --service-host WHEN only a neighbour address listens on the port THEN the gate stays closed; WHEN its own --bind address ' +
      'listens THEN it opens',
    async () => {
      const base = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`;
      const [port, gate] = await freePorts(2);
      const listen = (host: string) =>
        new Promise<net.Server>((r) => {
          const s = net.createServer((c) => c.destroy());
          s.listen(port, host, () => r(s));
        });
      const gateOpen = () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect({ host: `${base}.1`, port: gate });
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.once('error', () => resolve(false));
        });
      const neighbour = await listen(`${base}.2`);
      const shim = idha([
        'shim',
        '--bind',
        `${base}.1`,
        '--service-port',
        String(port),
        '--gate-port',
        String(gate),
        '--health-port',
        '0',
        '--agent-port',
        '0',
        '--interval',
        '0.2',
        '--rise',
        '1',
        '--fall',
        '1',
      ]);
      let own: net.Server | undefined;
      try {
        await until('the shim to log its first check', async () => shim.stdout.includes('"msg"') || shim.stderr.length > 0, 10_000);
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(await gateOpen(), false, "a listener on the neighbour address is not this host's service");
        own = await listen(`${base}.1`);
        await until('the gate to open for the own address', async () => gateOpen(), 10_000);
      } finally {
        neighbour.close();
        own?.close();
        await stop(shim);
      }
    },
  );
});
