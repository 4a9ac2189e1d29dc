import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'child_process';
import { getJson, malformedLine } from '../../lib/runtime';
import { runIdha } from '../helpers';
import { Proc, ask, freePorts, haproxyBin, idha, mimicStats, sleep, start, stop, stream, tmpFile, until } from '../e2e-helpers';

/** Each rig gets its own 127.x.y.0/24 so test files running in parallel never share an address. */
function loopbackNet(): string {
  return `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
}

type Role = 'primary' | 'secondary';

/** Two stand-ins, two shims and a balancer, all real processes. */
class Rig {
  public readonly net = loopbackNet();
  public readonly front = `${this.net}.1`;
  public readonly ip: Record<Role, string> = { primary: `${this.net}.2`, secondary: `${this.net}.3` };
  public mimic: Partial<Record<Role, Proc>> = {};
  public retired: Proc[] = [];
  public shim: Partial<Record<Role, Proc>> = {};
  public balancer?: Proc;
  public port = 0;
  gate = 0;
  health = 0;
  agent = 0;
  stats = 0;
  priority = 0;

  public async ports(): Promise<void> {
    [this.port, this.gate, this.health, this.agent, this.stats, this.priority] = await freePorts(6);
  }

  public startMimic(role: Role): void {
    this.mimic[role] = idha(['mimic', '--listen', `${this.ip[role]}:${this.port}`, '--stats-port', String(this.stats)]);
  }

  public startShim(role: Role, extra: string[] = []): void {
    this.shim[role] = idha([
      'shim',
      '--bind',
      this.ip[role],
      '--service-port',
      String(this.port),
      '--service-host',
      this.ip[role],
      '--gate-port',
      String(this.gate),
      '--priority-port',
      String(this.priority),
      '--health-port',
      String(this.health),
      '--agent-port',
      String(this.agent),
      '--interval',
      '0.2',
      '--rise',
      '2',
      '--fall',
      '2',
      '--drain',
      '0',
      ...extra,
    ]);
  }

  public async statsOf(role: Role) {
    return mimicStats(this.ip[role], this.stats);
  }

  public async requests(role: Role): Promise<number> {
    return (await this.statsOf(role))?.requests ?? -1;
  }

  public healthy(role: Role): Promise<boolean> {
    return getJson(`http://${this.ip[role]}:${this.health}/healthz`).then((r) => r.status === 200);
  }

  public gateOpen(role: Role, port: number = this.gate): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect({ host: this.ip[role], port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  }

  /** Stops the primary stand-in (its port then refuses). */
  public async killPrimary(): Promise<void> {
    const p = this.mimic.primary!;
    await stop(p);
    this.retired.push(p);
  }

  public async startBoth(): Promise<void> {
    await this.ports();
    this.startMimic('primary');
    this.startMimic('secondary');
    await until('both stand-ins', async () => (await this.statsOf('primary')) && (await this.statsOf('secondary')));
  }

  /** Sends one request through the balancer; resolves to the role whose counter moved. */
  public async askWho(): Promise<{ ok: boolean; servedBy?: Role; error?: string }> {
    const before = { primary: await this.requests('primary'), secondary: await this.requests('secondary') };
    let error: string | undefined;
    const ok = await ask(this.front, this.port).catch((e: Error) => ((error = e.message), false));
    const afterP = await this.requests('primary');
    const afterS = await this.requests('secondary');
    const servedBy = afterP > before.primary && before.primary >= 0 ? 'primary' : afterS > before.secondary ? 'secondary' : undefined;
    return { ok, servedBy, error };
  }

  public async stopAll(): Promise<void> {
    await Promise.all([this.balancer, this.shim.primary, this.shim.secondary, this.mimic.primary, this.mimic.secondary].map((p) => stop(p)));
  }

  /** Everything every stand-in process ever wrote, and its malformed counters. */
  public malformedSeen(): { lines: number; counters: number[] } {
    const all = [...this.retired, this.mimic.primary, this.mimic.secondary].filter(Boolean) as Proc[];
    const lines = all.reduce((n, p) => n + (p.stdout.match(/Malformed request received/g)?.length ?? 0), 0);
    const counters = all.map((p) => {
      const m = /\{"stats":(\{[^}]*\})\}/.exec(p.stdout);
      return m ? JSON.parse(m[1]).malformed : 0;
    });
    return { lines, counters };
  }
}

async function startHaproxyRig(rig: Rig): Promise<string> {
  const topo = tmpFile(
    'topology.yaml',
    [
      'version: 1',
      'services:',
      '  - name: e2e',
      `    primary: { address: ${rig.ip.primary}, iqserviceVersion: "8.4p2" }`,
      `    secondary: { address: ${rig.ip.secondary}, iqserviceVersion: "8.4p2" }`,
      `    port: ${rig.port}`,
      '    allowedClients: [127.0.0.0/8]',
      `    probe: { kind: sidecar-gate, gatePort: ${rig.gate}, healthPort: ${rig.health}, agentPort: ${rig.agent} }`,
      '    targets:',
      `      haproxy: { bindAddress: ${rig.front}, checkIntervalSeconds: 1, fall: 2, rise: 2, connectTimeoutSeconds: 1, logTarget: stdout }`,
    ].join('\n'),
  );
  const out = path.join(path.dirname(topo), 'out');
  const r = runIdha(['synth', '--config', topo, '--platform', 'haproxy', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const cfg = path.join(out, 'snippets', 'e2e', 'haproxy.cfg');
  const check = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  rig.balancer = start('haproxy', ['-db', '-f', cfg]);
  return fs.readFileSync(cfg, 'utf8');
}

function startProxyRig(rig: Rig, extra: string[] = []): void {
  rig.balancer = idha([
    'proxy',
    '--listen',
    `${rig.front}:${rig.port}`,
    '--primary',
    `${rig.ip.primary}:${rig.port}`,
    '--secondary',
    `${rig.ip.secondary}:${rig.port}`,
    '--primary-health',
    `http://${rig.ip.primary}:${rig.health}/healthz`,
    '--health-poll',
    '0.1',
    '--connect-timeout',
    '0.5',
    ...extra,
  ]);
}

const HAPROXY = haproxyBin();

for (const kind of ['haproxy', 'proxy'] as const) {
  describe(
    `failover and failback through ${kind === 'haproxy' ? 'real HAProxy with the generated config' : 'idha proxy'}`,
    { skip: kind === 'haproxy' && !HAPROXY ? 'haproxy is not installed: .ci/run installs it' : false },
    () => {
      const rig = new Rig();
      after(() => rig.stopAll());

      it(
        'GIVEN stand-ins, shims and the balancer WHEN the primary stops THEN new connections succeed on the secondary, and come back when ' +
          'it returns; nothing malformed',
        async () => {
          await rig.startBoth();
          rig.startShim('primary');
          rig.startShim('secondary');
          await until('both shims healthy', async () => (await rig.healthy('primary')) && (await rig.healthy('secondary')));
          if (kind === 'haproxy') await startHaproxyRig(rig);
          else startProxyRig(rig);
          await until('the balancer serving from the primary', async () => (await rig.askWho()).servedBy === 'primary').catch((e) => {
            throw new Error(`${e.message}\nbalancer output:\n${rig.balancer?.stdout}${rig.balancer?.stderr}`);
          });

          // WHEN the primary stand-in stops
          await rig.killPrimary();
          const after1: Array<{ ok: boolean; servedBy?: Role }> = [];
          for (let i = 0; i < 40; i++) {
            after1.push(await rig.askWho());
            await sleep(100);
          }
          assert.deepEqual(
            after1.filter((x) => !x.ok),
            [],
            'every new connection after the kill is answered',
          );
          assert.ok(
            after1.every((x) => x.servedBy === 'secondary'),
            JSON.stringify(after1),
          );

          // WHEN it is back
          rig.startMimic('primary');
          const back = await until(
            'new connections back on the primary',
            async () => {
              const r = await rig.askWho();
              assert.equal(r.ok, true, 'no failure during failback');
              return r.servedBy === 'primary' ? r : undefined;
            },
            15_000,
          );
          assert.equal(back.servedBy, 'primary');
          for (let i = 0; i < 5; i++) assert.equal((await rig.askWho()).servedBy, 'primary', 'and they stay there');

          await rig.stopAll();
          const seen = rig.malformedSeen();
          assert.equal(seen.lines, 0, 'no malformed log line in any stand-in');
          assert.deepEqual(
            seen.counters.filter((n) => n !== 0),
            [],
          );
          assert.equal(seen.counters.length, 3, 'old primary, new primary and secondary each reported their counters');
        },
      );
    },
  );
}

describe('negative control: the malformed counter works', () => {
  it(
    'GIVEN a stand-in WHEN a probe completes the handshake and closes gracefully THEN it counts one malformed connection and logs the ' +
      'IQService line',
    async () => {
      const [port, stats] = await freePorts(2);
      const m = idha(['mimic', '--listen', `127.0.0.1:${port}`, '--stats-port', String(stats)]);
      after(() => stop(m));
      await until('stand-in', () => mimicStats('127.0.0.1', stats));
      const local = await new Promise<number>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {
          const p = s.localPort!;
          s.end();
          s.on('close', () => resolve(p));
        });
        s.on('error', reject);
      });
      const st = await until('the malformed count', async () => {
        const x = await mimicStats('127.0.0.1', stats);
        return x && x.malformed === 1 ? x : undefined;
      });
      assert.deepEqual(st, { connections: 1, requests: 0, malformed: 1 });
      assert.ok(await ask('127.0.0.1', port), 'its neighbour, a well-formed request, is answered');
      assert.equal((await mimicStats('127.0.0.1', stats))!.malformed, 1, '...and not counted');
      assert.ok(m.stdout.split('\n').includes(malformedLine('127.0.0.1', local)));
      assert.equal(
        malformedLine('127.0.0.1', local),
        `Malformed request received from client - 127.0.0.1:${local}. Received header length as - Error in parsing - Input string was not in a ` +
          `correct format.`,
      );
    },
  );
});

describe('the priority gate with real processes', () => {
  const rig = new Rig();
  after(() => rig.stopAll());

  it(
    'GIVEN a primary and a secondary shim with --role and --peer THEN exactly one priority gate is open at a time and it follows the ' +
      "primary, while the secondary's health gate stays open throughout",
    async () => {
      await rig.startBoth();
      rig.startShim('primary', ['--role', 'primary', '--peer', `http://${rig.ip.secondary}:${rig.health}/healthz`, '--standby-poll', '0.2']);
      await until('primary healthy', () => rig.healthy('primary'));
      rig.startShim('secondary', [
        '--role',
        'secondary',
        '--peer',
        `http://${rig.ip.primary}:${rig.health}/healthz`,
        '--standby-poll',
        '0.2',
        '--standby-fall',
        '3',
        '--standby-rise',
        '3',
      ]);
      await until('secondary shim healthy', () => rig.healthy('secondary'));
      assert.equal((await getJson(`http://${rig.ip.secondary}:${rig.health}/priority`)).status, 503);

      const samples: Array<[boolean, boolean, boolean]> = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          samples.push([await rig.gateOpen('primary', rig.priority), await rig.gateOpen('secondary', rig.priority), await rig.gateOpen('secondary')]);
          await sleep(25);
        }
      })();
      const open = async () => [await rig.gateOpen('primary', rig.priority), await rig.gateOpen('secondary', rig.priority)].join();
      await until('primary priority gate open, secondary closed', async () => (await open()) === 'true,false');
      await rig.killPrimary();
      await until('the open priority gate moves to the secondary', async () => (await open()) === 'false,true');
      rig.startMimic('primary');
      await until('the open priority gate moves back to the primary', async () => (await open()) === 'true,false');
      sampling = false;
      await sampler;
      assert.ok(samples.length > 20);
      assert.deepEqual(
        samples.filter(([a, b]) => a && b),
        [],
        'never both priority gates open',
      );
      assert.ok(samples.some(([a, b]) => !a && b) && samples.some(([a, b]) => a && !b));
      assert.deepEqual(
        samples.filter(([, , h]) => !h),
        [],
        "the secondary's health gate never closed",
      );
    },
  );
});

describe('data integrity through idha proxy', () => {
  const rig = new Rig();
  after(() => rig.stopAll());

  it(
    'GIVEN random-byte streams WHEN the primary is killed and restored during the transfer THEN every stream that completes is identical, ' +
      'and streams on the secondary are not cut',
    async () => {
      await rig.startBoth();
      rig.startShim('primary');
      rig.startShim('secondary');
      await until('shims', async () => (await rig.healthy('primary')) && (await rig.healthy('secondary')));
      startProxyRig(rig);
      await until('serving from the primary', async () => (await rig.askWho()).servedBy === 'primary');

      const MiB = 1024 * 1024;
      // On the primary while it is killed: these may be cut, but never corrupted.
      const onPrimary = [0, 1, 2].map(() => stream(rig.front, rig.port, 2 * MiB, 64 * 1024, 40));
      await sleep(300);
      await rig.killPrimary();
      await until('serving from the secondary', async () => (await rig.askWho()).servedBy === 'secondary');
      // On the secondary while the primary comes back: must all complete, identical.
      const onSecondary = [0, 1, 2, 3].map(() => stream(rig.front, rig.port, 3 * MiB, 64 * 1024, 30));
      await sleep(400);
      rig.startMimic('primary');
      await until('failback', async () => (await rig.askWho()).servedBy === 'primary', 15_000);
      // After failback: on the primary, fast and large.
      const afterBack = [0, 1].map(() => stream(rig.front, rig.port, 8 * MiB, 256 * 1024, 0));

      const p = await Promise.all(onPrimary);
      const s = await Promise.all(onSecondary);
      const a = await Promise.all(afterBack);
      for (const r of p) assert.ok(!r.ok || r.identical, `a stream on the killed primary completed but differs: ${JSON.stringify(r)}`);
      for (const r of [...s, ...a]) assert.deepEqual([r.ok, r.identical], [true, true], JSON.stringify(r));
      assert.ok(
        s.every((r) => r.bytes > 3 * MiB),
        'the whole echo came back',
      );
    },
  );

  it('GIVEN a client that half-closes after its request THEN it still receives the whole answer', async () => {
    const r = await stream(rig.front, rig.port, 512 * 1024, 512 * 1024, 0);
    assert.deepEqual([r.ok, r.identical], [true, true]);
  });
});

for (const balancer of ['haproxy', 'proxy', 'client-side'] as const) {
  describe(`idha lab with ${balancer}`, { skip: balancer === 'haproxy' && !HAPROXY ? 'haproxy is not installed' : false }, () => {
    it(
      'GIVEN idha lab running WHEN kill-primary / restore-primary from another process THEN the table follows, clients keep being served, ' +
        'nothing malformed',
      async () => {
        // Below the ephemeral range (32768+). CI runs the suite on Node 22 and 24 side by side: each Node
        // major gets its own 40 blocks of 100 ports, so two labs never share a base (one run read the
        // other leg's lab as its own and failed).
        const major = Number(process.versions.node.split('.')[0]);
        const base = 20000 + ((major % 3) * 40 + Math.floor(Math.random() * 40)) * 100;
        const mode = balancer === 'client-side' ? ['--strategy', 'client-side'] : ['--balancer', balancer];
        const lab = idha(['lab', ...mode, '--base-port', String(base), '--no-watch', '--interval', '0.2']);
        after(() => stop(lab));
        const status = async () => {
          const r = runIdha(['lab', 'status', '--base-port', String(base)]);
          return r.status === 0 ? JSON.parse(r.stdout) : undefined;
        };
        const s0 = await until(
          'the lab serving from the primary',
          async () => {
            const s = await status();
            return s && s.client.lastServedBy === 'primary' && s.client.ok > 2 ? s : undefined;
          },
          20_000,
        ).catch((e) => {
          throw new Error(
            `${e.message}; lab output: ${lab.stdout.slice(-600)} ${lab.stderr.slice(-600)}; status: ` +
              `${runIdha(['lab', 'status', '--base-port', String(base)]).stdout}`,
          );
        });
        assert.equal(
          s0.balancer,
          {
            haproxy: 'HAProxy (generated config)',
            proxy: 'idha proxy',
            'client-side': `idha proxy as a client host runs it (client-side; /healthz and /metrics on 127.0.0.1:${base + 41})`,
          }[balancer],
        );
        assert.equal(runIdha(['lab', 'kill-primary', '--base-port', String(base)]).status, 0);
        const s1 = await until('traffic on the secondary', async () => {
          const s = await status();
          return s && s.client.lastServedBy === 'secondary' && s.primary.shim !== 'up' && s.secondary.shim === 'up' ? s : undefined;
        });
        assert.equal(s1.primary.mimic, 'stopped');
        assert.equal(s1.secondary.shim, 'up');
        assert.equal(runIdha(['lab', 'restore-primary', '--base-port', String(base)]).status, 0);
        const s2 = await until(
          'traffic back on the primary',
          async () => {
            const s = await status();
            return s && s.client.lastServedBy === 'primary' && s.primary.mimic === 'running' ? s : undefined;
          },
          15_000,
        ).catch(async (e) => {
          // What the balancer saw: for the proxies, their metrics (the mark, the preferred upstream).
          const metrics =
            balancer === 'haproxy'
              ? ''
              : await fetch(`http://127.0.0.1:${base + 41}/metrics`).then(
                  (r) => r.text(),
                  (x: Error) => x.message,
                );
          throw new Error(
            `${e.message}; status: ${runIdha(['lab', 'status', '--base-port', String(base)]).stdout}; proxy metrics: ` +
              metrics
                .split('\n')
                .filter((l) => /^idha_proxy_(marked_down|preferred|mark_downs|primary)/.test(l))
                .join(' | '),
          );
        });
        assert.equal(s2.primary.malformed, 0);
        assert.equal(s2.secondary.malformed, 0);
        assert.ok(s2.client.ok > s0.client.ok);
        await stop(lab);
        assert.equal(lab.child.exitCode, 0, lab.stderr);
        assert.notEqual(runIdha(['lab', 'status', '--base-port', String(base)]).status, 0, 'the lab is gone with its control port');
      },
    );
  });
}
