import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import { FailoverCluster, FailoverClusterProps, IClusterTarget, PacemakerTarget, Preemption } from '../../lib/internal';
import { IDHA, REPO } from '../helpers';

const nodes = [
  { name: 'tomcat1', address: '10.99.0.1' },
  { name: 'tomcat2', address: '10.99.0.2' },
];
const vipProps = (targets: IClusterTarget[], over: Partial<FailoverClusterProps> = {}): FailoverClusterProps => ({
  nodes,
  virtualIp: '10.99.0.100',
  prefixLength: 24,
  servicePorts: [8080],
  targets,
  ...over,
});
const pcs = (over: Partial<FailoverClusterProps> = {}) => vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10' })], over);
const build = (p: FailoverClusterProps) => new FailoverCluster(new TerraformStack(Testing.app(), 's'), 'idm', p);
const file = (c: FailoverCluster, name: string) => {
  const s = c.snippets().find((x) => x.fileName === name);
  assert.ok(
    s,
    `${name} among ${c
      .snippets()
      .map((x) => x.fileName)
      .join(', ')}`,
  );
  return s.content;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cluster-targets-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const havePacemaker = ['pcs', 'cibadmin', 'crm_simulate', 'crm_verify', 'ocf-tester', 'xmllint'].every(
  (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0,
);

describe("Pacemaker for real: the script against a CIB file, the scheduler's placement, the agent under ocf-tester", { timeout: 600_000 }, () => {
  it('THEN pcs, cibadmin, crm_simulate, crm_verify and ocf-tester are installed (.ci/run installs pcs, pacemaker-cli-utils, resource-agents)', () => {
    assert.ok(havePacemaker, 'Pacemaker tools missing: apt-get install -y pcs pacemaker-cli-utils resource-agents libxml2-utils');
  });

  /**
   * A CIB with the script applied (twice for preemption on, to show a second run changes nothing),
   * once per preemption setting; stonith off in this test CIB only (the script never touches fencing).
   * pcs takes about a second per call, so each CIB is built once.
   */
  const cibs = new Map<Preemption, string>();
  const applied = (preemption: Preemption): string => {
    if (cibs.has(preemption)) return cibs.get(preemption)!;
    const dir = fs.mkdtempSync(path.join(tmp, `pcs-${preemption}-`));
    const cib = path.join(dir, 'cib.xml');
    fs.writeFileSync(cib, spawnSync('cibadmin', ['--empty'], { encoding: 'utf8' }).stdout);
    assert.equal(spawnSync('pcs', ['-f', cib, 'property', 'set', 'stonith-enabled=false'], { encoding: 'utf8' }).status, 0);
    const script = path.join(dir, 'pacemaker.sh');
    fs.writeFileSync(script, file(build(pcs({ preemption })), 'pacemaker/pacemaker.sh'));
    for (const run of preemption === Preemption.ON ? [1, 2] : [1]) {
      const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, IDHA_CIB_FILE: cib } });
      assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
    }
    const pristine = path.join(dir, 'applied.xml');
    fs.copyFileSync(cib, pristine);
    cibs.set(preemption, pristine);
    return pristine;
  };

  /**
   * Where the VIP and the clone instances run after the scheduler's transition (crm_simulate -S),
   * and the CIB after it.
   */
  const simulate = (cib: string, args: string[]): { vip: string; service: string; check: string; failed: boolean; next: string } => {
    const next = `${cib.replace(/\.xml$/, '')}-${Math.random().toString(36).slice(2)}.xml`;
    const r = spawnSync('crm_simulate', ['-x', cib, '-q', 'true', '-S', '-O', next, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const revised = r.stdout.slice(r.stdout.indexOf('Revised Cluster Status'));
    const vip = /\* idha-idm-vip\s+\([^)]*\):\s+(?:Started (\S+)|(Stopped))/.exec(revised);
    assert.ok(vip, revised);
    const started = (clone: string) =>
      (new RegExp(`Clone Set: ${clone} \\[[^\\]]*\\]:\\n\\s+\\* Started: \\[ ([^\\]]*) \\]`).exec(revised)?.[1] ?? '').trim();
    return {
      vip: vip[1] ?? 'stopped',
      service: started('idha-idm-service-clone'),
      check: started('idha-idm-check-clone'),
      failed: /Failed Resource Actions/.test(revised),
      next,
    };
  };
  /** What the check clone's monitor does on a node: set the node attribute (a transient one, as attrd_updater does). */
  const publish = (cib: string, node: string, healthy: 0 | 1): void => {
    const r = spawnSync('crm_attribute', ['--node', node, '--name', 'idha-idm-healthy', '--update', String(healthy), '--lifetime', 'reboot'], {
      encoding: 'utf8',
      env: { ...process.env, CIB_file: cib },
    });
    assert.equal(r.status, 0, r.stderr);
  };
  /** Both nodes up; the clones started everywhere; no attribute yet (the checks have not passed rise times). */
  const booted = (preemption: Preemption) => {
    let s = simulate(applied(preemption), ['-u', 'tomcat1', '-u', 'tomcat2']);
    s = simulate(s.next, []);
    assert.equal(s.service, 'tomcat1 tomcat2', 'the service runs on every node');
    assert.equal(s.check, 'tomcat1 tomcat2', 'the check runs on every node');
    return s;
  };

  it(
    'GIVEN the script run twice on an empty CIB THEN crm_verify passes and nothing is doubled',
    { skip: !havePacemaker && 'tools missing (the test above fails)' },
    () => {
      const cib = applied(Preemption.ON);
      const v = spawnSync('crm_verify', ['-x', cib], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
      const xml = fs.readFileSync(cib, 'utf8');
      assert.equal(xml.match(/<primitive /g)?.length, 3);
      assert.equal(xml.match(/<clone /g)?.length, 2);
      assert.equal(xml.match(/<rsc_location /g)?.length, 3);
      assert.equal(xml.match(/<rsc_colocation /g)?.length, 2);
      assert.equal(xml.match(/<rsc_order /g)?.length, 1);
    },
  );

  it(
    'GIVEN the script of a changed topology (another VIP and prefix, check interval 3 s, startupSeconds 90) run on the CIB of the first THEN ' +
      'the CIB converges (nothing doubled, crm_verify passes); GIVEN another service unit THEN it stops, naming the resource to delete, and ' +
      'the CIB is untouched',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'pcs-converge-'));
      const cib = path.join(dir, 'cib.xml');
      fs.copyFileSync(applied(Preemption.ON), cib);
      const changed = path.join(dir, 'changed.sh');
      fs.writeFileSync(
        changed,
        file(
          build(
            pcs({ preemption: Preemption.OFF, virtualIp: '10.99.0.200', prefixLength: 16, healthCheck: { intervalSeconds: 3, startupSeconds: 90 } }),
          ),
          'pacemaker/pacemaker.sh',
        ),
      );
      const r = spawnSync('bash', [changed], { encoding: 'utf8', env: { ...process.env, IDHA_CIB_FILE: cib } });
      assert.equal(r.status, 0, r.stderr);
      const xml = fs.readFileSync(cib, 'utf8');
      assert.match(xml, /name="ip" value="10\.99\.0\.200"/);
      assert.match(xml, /name="cidr_netmask" value="16"/);
      assert.match(xml, /<op (?=[^>]*name="monitor")(?=[^>]*interval="3s")(?=[^>]*timeout="12s")[^>]*id="idha-idm-check-monitor/);
      assert.match(xml, /<op (?=[^>]*name="start")(?=[^>]*timeout="90s")[^>]*id="idha-idm-service-start/);
      assert.match(xml, /name="resource-stickiness" value="200"/);
      assert.doesNotMatch(xml, /10\.99\.0\.100|interval="2s"|timeout="300s"|name="resource-stickiness" value="0"/);
      assert.equal(xml.match(/<primitive /g)?.length, 3);
      assert.equal(xml.match(/<rsc_location /g)?.length, 3);
      assert.equal(spawnSync('crm_verify', ['-x', cib], { encoding: 'utf8' }).status, 0);
      const before = fs.readFileSync(cib, 'utf8');
      const other = path.join(dir, 'other.sh');
      fs.writeFileSync(other, file(build(vipProps([new PacemakerTarget({ serviceUnit: 'apache2' })])), 'pacemaker/pacemaker.sh'));
      const o = spawnSync('bash', [other], { encoding: 'utf8', env: { ...process.env, IDHA_CIB_FILE: cib } });
      assert.equal(o.status, 1);
      assert.match(o.stderr, /idha-idm-service runs another unit than apache2: delete it \(pcs resource delete idha-idm-service\)/);
      assert.equal(fs.readFileSync(cib, 'utf8'), before);
    },
  );

  it(
    'GIVEN a running cluster set up by the previous layout (test/fixtures/pacemaker-previous-layout.sh: one group, a check primitive) THEN ' +
      'the script converts it in one push: clones, the rule, no group; crm_verify passes and the VIP stays on tomcat1',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'pcs-previous-'));
      const cib = path.join(dir, 'cib.xml');
      fs.writeFileSync(cib, spawnSync('cibadmin', ['--empty'], { encoding: 'utf8' }).stdout);
      assert.equal(spawnSync('pcs', ['-f', cib, 'property', 'set', 'stonith-enabled=false'], { encoding: 'utf8' }).status, 0);
      const env = { ...process.env, IDHA_CIB_FILE: cib };
      assert.equal(spawnSync('bash', [path.join(REPO, 'test', 'fixtures', 'pacemaker-previous-layout.sh')], { encoding: 'utf8', env }).status, 0);
      assert.match(fs.readFileSync(cib, 'utf8'), /<group id="idha-idm">/);
      let s = simulate(cib, ['-u', 'tomcat1', '-u', 'tomcat2']);
      assert.equal(s.vip, 'tomcat1', 'the previous layout runs the group on tomcat1');
      const running = path.join(dir, 'running.xml');
      fs.copyFileSync(s.next, running);
      publish(running, 'tomcat1', 1);
      publish(running, 'tomcat2', 1);
      const script = path.join(dir, 'pacemaker.sh');
      fs.writeFileSync(script, file(build(pcs()), 'pacemaker/pacemaker.sh'));
      const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...env, IDHA_CIB_FILE: running } });
      assert.equal(r.status, 0, r.stderr);
      const xml = fs.readFileSync(running, 'utf8');
      assert.doesNotMatch(xml, /<group /);
      assert.equal(xml.match(/<clone /g)?.length, 2);
      assert.match(xml, /<rsc_location id="idha-idm-vip-healthy"/);
      assert.doesNotMatch(xml, /migration-threshold/);
      assert.equal(spawnSync('crm_verify', ['-x', running], { encoding: 'utf8' }).status, 0);
      s = simulate(running, []);
      assert.equal(s.vip, 'tomcat1');
      assert.equal(s.service, 'tomcat1 tomcat2');
    },
  );

  it(
    'GIVEN both nodes starting slowly (no check passed yet) THEN the VIP waits, stopped, and nothing fails or is banned; the first node to ' +
      'pass takes it (tomcat2); tomcat1 passing later takes it back with on, and not with off',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      for (const preemption of [Preemption.ON, Preemption.OFF]) {
        let s = booted(preemption);
        for (let i = 0; i < 3; i++) {
          s = simulate(s.next, []);
          assert.equal(s.vip, 'stopped', `${preemption}: no node healthy yet (transition ${i})`);
          assert.equal(s.failed, false);
        }
        publish(s.next, 'tomcat1', 0);
        publish(s.next, 'tomcat2', 1);
        s = simulate(s.next, []);
        assert.equal(s.vip, 'tomcat2', `${preemption}: tomcat1 still starting, tomcat2 healthy`);
        publish(s.next, 'tomcat1', 1);
        s = simulate(s.next, []);
        assert.equal(s.vip, preemption === Preemption.ON ? 'tomcat1' : 'tomcat2', `${preemption}: tomcat1 healthy`);
      }
    },
  );

  it(
    'GIVEN both healthy at start THEN the VIP is on tomcat1 with on and with off (priority among the healthy); GIVEN tomcat1 unhealthy THEN ' +
      'it moves to tomcat2 and stays there however long tomcat1 stays broken (no failure expires into a blind failback); once tomcat1 passes ' +
      'rise checks, on takes it back and off does not',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      for (const preemption of [Preemption.ON, Preemption.OFF]) {
        let s = booted(preemption);
        publish(s.next, 'tomcat1', 1);
        publish(s.next, 'tomcat2', 1);
        s = simulate(s.next, []);
        assert.equal(s.vip, 'tomcat1', `${preemption}: both healthy at start: the preferred node`);
        publish(s.next, 'tomcat1', 0);
        s = simulate(s.next, []);
        assert.equal(s.vip, 'tomcat2', `${preemption}: tomcat1's check failed fall times`);
        for (let i = 0; i < 5; i++) {
          // Each transition is what the cluster does at a recheck or any event while tomcat1 is broken:
          // the rule keeps the VIP off it; the check's monitor answered 0, so there is no failure to expire.
          s = simulate(s.next, ['-i', 'idha-idm-check_monitor_2000@tomcat1=0']);
          assert.equal(s.vip, 'tomcat2', `${preemption}: tomcat1 still broken (transition ${i})`);
          assert.equal(s.failed, false);
        }
        assert.doesNotMatch(fs.readFileSync(s.next, 'utf8'), /fail-count/);
        publish(s.next, 'tomcat1', 1);
        s = simulate(s.next, []);
        assert.equal(s.vip, preemption === Preemption.ON ? 'tomcat1' : 'tomcat2', `${preemption}: tomcat1 healthy again`);
      }
    },
  );

  it(
    'GIVEN preemption off and tomcat1 down at start THEN tomcat2 takes the VIP and keeps it when tomcat1 joins healthy; GIVEN tomcat2 then ' +
      'failing THEN tomcat1 takes it',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      let s = simulate(applied(Preemption.OFF), ['-u', 'tomcat2']);
      s = simulate(s.next, []);
      publish(s.next, 'tomcat2', 1);
      s = simulate(s.next, []);
      assert.equal(s.vip, 'tomcat2');
      s = simulate(s.next, ['-u', 'tomcat1']);
      publish(s.next, 'tomcat1', 1);
      s = simulate(s.next, []);
      assert.equal(s.vip, 'tomcat2', 'off: the holder keeps it');
      publish(s.next, 'tomcat2', 0);
      s = simulate(s.next, []);
      assert.equal(s.vip, 'tomcat1');
    },
  );

  it(
    'GIVEN the holder lost (node down) THEN the VIP goes to the other healthy node; the service on the holder failing THEN Pacemaker ' +
      'restarts it in place and nothing is banned',
    { skip: !havePacemaker && 'tools missing' },
    () => {
      let s = booted(Preemption.ON);
      publish(s.next, 'tomcat1', 1);
      publish(s.next, 'tomcat2', 1);
      s = simulate(s.next, []);
      assert.equal(s.vip, 'tomcat1');
      s = simulate(s.next, ['-i', 'idha-idm-service_monitor_10000@tomcat1=7']);
      assert.equal(s.service, 'tomcat1 tomcat2', 'restarted in place');
      s = simulate(s.next, ['-d', 'tomcat1']);
      assert.equal(s.vip, 'tomcat2');
    },
  );

  it(
    'GIVEN the generated agent THEN ocf-tester passes it, with the listening check healthy (attrd_updater a stand-in that records its calls)',
    { skip: !havePacemaker && 'tools missing' },
    async () => {
      const server = net.createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        // ocf-tester runs the agent as another user too: the folders must be searchable and the log writable.
        fs.chmodSync(tmp, 0o755);
        const { agent, env, published } = agentFor(port, `${process.execPath} ${IDHA}`);
        // OCF 1.1 (Pacemaker 2.1) reads reloadable="1" and calls reload-agent; Debian's resource-agents 4.12
        // ships ocf-tester with the OCF 1.0 DTD, which lacks that attribute and that action. ocf-tester runs
        // here with that DTD plus both, as the OCF 1.1 DTD declares them; everything else is Debian's.
        const data = fs.mkdtempSync(path.join(tmp, 'ocf-data-'));
        fs.mkdirSync(path.join(data, 'resource-agents'));
        const dtd = fs.readFileSync('/usr/share/resource-agents/ra-api-1.dtd', 'utf8');
        const dtd11 = dtd
          .replace('unique  (1|0)   "0">', 'unique  (1|0)   "0"\n        reloadable  (1|0)   "0">')
          .replace('|reload|', '|reload|reload-agent|');
        assert.equal(dtd11.length - dtd.length, 45, "the DTD's parameter attributes and actions as Debian ships them");
        fs.writeFileSync(path.join(data, 'resource-agents', 'ra-api-1.dtd'), dtd11);
        const tester = path.join(data, 'ocf-tester');
        const original = fs.readFileSync(spawnSync('sh', ['-c', 'command -v ocf-tester'], { encoding: 'utf8' }).stdout.trim(), 'utf8');
        assert.match(original, /^DATADIR=\/usr\/share$/m);
        fs.writeFileSync(tester, original.replace(/^DATADIR=\/usr\/share$/m, `DATADIR=${data}`), { mode: 0o755 });
        fs.chmodSync(data, 0o755);
        const t = await new Promise<{ code: number | null; out: string }>((resolve) => {
          const p = spawn(tester, ['-n', 'idha-check', '-o', 'CRM_meta_on_node=n1', agent], { env });
          let out = '';
          p.stdout.on('data', (d) => {
            out += d;
          });
          p.stderr.on('data', (d) => {
            out += d;
          });
          p.on('close', (code) => resolve({ code, out }));
        });
        assert.equal(t.code, 0, t.out);
        assert.match(t.out, /passed all tests/);
        assert.match(published(), /-n idha-idm-healthy -U 0/);
      } finally {
        server.close();
      }
    },
  );
});

/** The generated agent for two loopback nodes, with a stand-in attrd_updater on PATH that logs its arguments. */
const agentFor = (port: number, idha: string, check: Partial<FailoverClusterProps['healthCheck']> = {}) => {
  const c = build(
    vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10', idhaCommand: idha })], {
      nodes: [
        { name: 'n1', address: '127.0.0.1' },
        { name: 'n2', address: '127.0.0.2' },
      ],
      virtualIp: '127.0.0.100',
      prefixLength: 8,
      servicePorts: [port],
      healthCheck: { intervalSeconds: 1, ...check },
    }),
  );
  const dir = fs.mkdtempSync(path.join(tmp, 'agent-'));
  fs.chmodSync(dir, 0o777);
  const agent = path.join(dir, 'identity-ha-idm');
  fs.writeFileSync(agent, file(c, 'pacemaker/identity-ha-idm'), { mode: 0o755 });
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  const log = path.join(dir, 'attrd.log');
  fs.writeFileSync(log, '', { mode: 0o666 });
  fs.writeFileSync(path.join(bin, 'attrd_updater'), `#!/bin/sh\necho "$*" >> ${log}\n`, { mode: 0o755 });
  const rsctmp = path.join(dir, 'rsctmp');
  fs.mkdirSync(rsctmp, { mode: 0o777 });
  return {
    agent,
    bin,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HA_RSCTMP: rsctmp, OCF_RESKEY_CRM_meta_on_node: 'n1' } as NodeJS.ProcessEnv,
    /** What the agent published, one attrd_updater call per line. */
    published: () => fs.readFileSync(log, 'utf8'),
  };
};

describe('the check agent on its own: rise and fall into the node attribute, and a service that takes 20 s to answer', { timeout: 120_000 }, () => {
  /** A node whose service opens its port `afterMs` after the start (Tomcat deploying its webapps). */
  const slowService = async (afterMs = 20_000) => {
    const port = await new Promise<number>((r) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    let server: net.Server | undefined;
    const t = setTimeout(() => {
      server = net.createServer((c) => c.destroy()).listen(port, '127.0.0.1');
    }, afterMs);
    return {
      port,
      t0: Date.now(),
      close: () =>
        new Promise<void>((r) => {
          clearTimeout(t);
          if (server) server.close(() => r());
          else r();
        }),
    };
  };
  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    new Promise<{ code: number | null; ms: number; out: string }>((resolve) => {
      const t0 = Date.now();
      const p = spawn(cmd, args, { env });
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        out += d;
      });
      p.on('close', (code) => resolve({ code, ms: Date.now() - t0, out }));
    });
  const values = (log: string) => [...log.matchAll(/-n idha-idm-healthy -U (\d)/g)].map((m) => Number(m[1]));

  it(
    'GIVEN a service that answers 20 s after its start, monitored every second as Pacemaker does THEN start returns at once, every monitor ' +
      'answers 0 (nothing counted against the node), the node publishes 0 until the service answers and 1 after rise (3) passes; fall (2) ' +
      'failures publish 0 again; stop removes the attribute',
    async () => {
      const svc = await slowService();
      try {
        const { agent, env, published } = agentFor(svc.port, `${process.execPath} ${IDHA}`, { rise: 3, fall: 2 });
        const start = await run(agent, ['start'], env);
        assert.equal(start.code, 0, start.out);
        assert.ok(start.ms < 5000, `start does not wait for the service (${start.ms} ms)`);
        const codes: number[] = [];
        let healthyAt = 0;
        while (Date.now() - svc.t0 < 40_000 && !healthyAt) {
          const m = await run(agent, ['monitor'], env);
          codes.push(m.code ?? -1);
          if (values(published()).at(-1) === 1) healthyAt = Date.now() - svc.t0;
          await new Promise((r) => setTimeout(r, 1000));
        }
        assert.ok(
          codes.every((c) => c === 0),
          `every monitor answered 0: ${codes.join(',')}`,
        );
        assert.ok(healthyAt >= 20_000, `healthy only after the service answered (${healthyAt} ms)`);
        const seen = values(published());
        const firstOne = seen.indexOf(1);
        assert.ok(seen.slice(0, firstOne).every((v) => v === 0) && firstOne >= 3, `0 while starting, then 1: ${seen.join('')}`);
        await svc.close();
        await run(agent, ['monitor'], env);
        assert.equal(values(published()).at(-1), 1, 'one failure (fall 2): still healthy');
        await run(agent, ['monitor'], env);
        assert.equal(values(published()).at(-1), 0, 'two failures: unhealthy');
        assert.equal((await run(agent, ['stop'], env)).code, 0);
        assert.match(published(), /-n idha-idm-healthy -D$/m);
        assert.equal((await run(agent, ['monitor'], env)).code, 7, 'stopped');
        assert.equal(
          spawnSync(agent, ['start'], { env: { ...env, OCF_RESKEY_CRM_meta_on_node: 'n9' } }).status,
          5,
          'a node the cluster does not list',
        );
      } finally {
        await svc.close();
      }
    },
  );

  it(
    'GIVEN the service still starting THEN idha check --watch with --start-period 60 keeps running through it; without a start period the ' +
      'watch ends (exit 1) while the service starts',
    async () => {
      const svc = await slowService();
      try {
        const watch = ['check', '--watch', '--listening', String(svc.port), '--host', '127.0.0.1', '--interval', '1', '--fall', '2'];
        const graced = spawn(process.execPath, [IDHA, ...watch, '--start-period', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let gracedOut = '';
        graced.stdout.on('data', (d) => {
          gracedOut += d;
        });
        const bare = await run(process.execPath, [IDHA, ...watch]);
        assert.equal(bare.code, 1, 'no start period: two failures while starting end the watch');
        assert.ok(bare.ms < 15_000, `it ended while the service was starting (${bare.ms} ms)`);
        while (Date.now() - svc.t0 < 22_500) await new Promise((r) => setTimeout(r, 500));
        assert.equal(graced.exitCode, null, `with --start-period the watch still runs: ${gracedOut}`);
        assert.match(gracedOut, /starting \(not counted\)/);
        assert.doesNotMatch(gracedOut, /^unhealthy/m);
        graced.kill('SIGTERM');
        await new Promise((r) => graced.once('close', r));
      } finally {
        await svc.close();
      }
    },
  );

  it('GIVEN a start period that ends before the service answers THEN failures count from then on: the watch ends', async () => {
    const r = await run(process.execPath, [
      IDHA,
      'check',
      '--watch',
      '--listening',
      '1',
      '--host',
      '127.0.0.1',
      '--interval',
      '0.5',
      '--fall',
      '2',
      '--start-period',
      '2',
    ]);
    assert.equal(r.code, 1, r.out);
    assert.ok(r.ms >= 2000, `not before the start period ended (${r.ms} ms)`);
    assert.match(r.out, /starting \(not counted\)/);
    assert.match(r.out, /^unhealthy: /m);
  });

  it(
    'GIVEN idha or node missing on the node THEN start, monitor and validate-all answer 5 (OCF_ERR_INSTALLED), saying which; GIVEN both ' +
      'THEN not 5',
    () => {
      const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
      fs.writeFileSync(path.join(bin, 'idha'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      // A PATH with the few programs the agent itself uses and no node (which /usr/bin may hold).
      const tools = fs.mkdtempSync(path.join(tmp, 'tools-'));
      for (const t of ['dirname', 'mkdir', 'rm', 'env'])
        fs.symlinkSync(spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim(), path.join(tools, t));
      const cases: Array<[string, string, string, RegExp | undefined]> = [
        ['idha not at its path', '/nonexistent/idha', tools, /\/nonexistent\/idha not found/],
        ['idha not on PATH', '/usr/bin/env idha', tools, /idha not found on PATH/],
        ['node not on PATH', '/usr/bin/env idha', `${bin}:${tools}`, /node \(Node\.js\) not found/],
        ['both', '/usr/bin/env idha', `${bin}:${path.dirname(process.execPath)}:${tools}`, undefined],
      ];
      for (const [what, idha, PATH, message] of cases) {
        const { agent, env, bin: attrd } = agentFor(1, idha);
        for (const action of ['validate-all', 'monitor', 'start']) {
          if (action === 'monitor') fs.writeFileSync(path.join(env.HA_RSCTMP!, 'identity-ha-idm.state'), '0 0 0\n');
          const r = spawnSync(agent, [action], { env: { ...env, PATH: `${attrd}:${PATH}` }, encoding: 'utf8', timeout: 5000 });
          if (message) {
            assert.equal(r.status, 5, `${what}: ${action} ${r.stderr}`);
            assert.match(r.stderr, message, `${what}: ${action}`);
          } else {
            assert.equal(r.status, 0, `${what}: ${action} ${r.stderr}`);
          }
        }
      }
    },
  );
});

describe('idha check --watch: what the Windows cluster runs as a Generic Service resource', () => {
  const watch = (args: string[], killAfterMs?: number) =>
    new Promise<{ code: number | null; ms: number; out: string }>((resolve) => {
      const t0 = Date.now();
      const p = spawn(process.execPath, [IDHA, 'check', '--watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      if (killAfterMs) setTimeout(() => p.kill('SIGTERM'), killAfterMs);
      p.on('close', (code) => resolve({ code, ms: Date.now() - t0, out }));
    });

  it('GIVEN a closed port, interval 0.3 s, fall 3 THEN it exits 1 after the third failure in a row', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await watch(['--listening', String(port), '--host', '127.0.0.1', '--interval', '0.3', '--fall', '3']);
    assert.equal(r.code, 1, r.out);
    assert.equal(r.out.match(/^unhealthy: /gm)?.length, 3);
    assert.match(r.out, /unhealthy 3 times in a row/);
    assert.ok(r.ms >= 600, `two intervals between three checks (${r.ms} ms)`);
  });

  it('GIVEN a listening port THEN it keeps watching, and exits 0 on SIGTERM (a clean stop by the cluster)', async () => {
    const s = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const r = await watch(
        ['--listening', String((s.address() as net.AddressInfo).port), '--host', '127.0.0.1', '--interval', '0.2', '--fall', '1'],
        1500,
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^stopped$/m);
      assert.doesNotMatch(r.out, /unhealthy/);
    } finally {
      s.close();
    }
  });

  it('GIVEN --fall 0 THEN refused with exit 2 (its neighbour --fall 1 runs in the test above)', () => {
    const bad = spawnSync(process.execPath, [IDHA, 'check', '--watch', '--listening', '1', '--fall', '0'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--fall/);
  });
});
