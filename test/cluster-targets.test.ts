import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import * as yaml from 'yaml';
import {
  AwsNlbTarget, AzureLoadBalancerTarget, ClusterCheckKind, FailoverCluster, FailoverClusterProps, IClusterTarget, KeepalivedTarget,
  LoadBalancedClusterTarget, PacemakerTarget, Preemption, Topology, WindowsFailoverClusterTarget,
} from '../lib/internal';
import { AWS, AZURE, IDHA, problemsOf } from './helpers';

const nodes = [{ name: 'tomcat1', address: '10.99.0.1' }, { name: 'tomcat2', address: '10.99.0.2' }];
const vipProps = (targets: IClusterTarget[], over: Partial<FailoverClusterProps> = {}): FailoverClusterProps => ({
  nodes, virtualIp: '10.99.0.100', prefixLength: 24, servicePorts: [8080], targets, ...over,
});
const pcs = (over: Partial<FailoverClusterProps> = {}) => vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10' })], over);
const wsfc = (over: Partial<FailoverClusterProps> = {}, t: Partial<ConstructorParameters<typeof WindowsFailoverClusterTarget>[0]> = {}) =>
  vipProps([new WindowsFailoverClusterTarget({ clusterName: 'idm-cluster', clusterAddress: '10.99.0.50', serviceName: 'Tomcat10', ...t })], over);
const cloud = (lb: 'azure' | 'aws', over: Partial<FailoverClusterProps> = {}): FailoverClusterProps => ({
  nodes, servicePorts: [8080],
  targets: [new LoadBalancedClusterTarget({ loadBalancer: lb === 'azure' ? new AzureLoadBalancerTarget(AZURE) : new AwsNlbTarget(AWS), allowedClients: ['10.20.0.0/16'] })],
  ...over,
});
const build = (p: FailoverClusterProps) => new FailoverCluster(new TerraformStack(Testing.app(), 's'), 'idm', p);
const file = (c: FailoverCluster, name: string) => {
  const s = c.snippets().find((x) => x.fileName === name);
  assert.ok(s, `${name} among ${c.snippets().map((x) => x.fileName).join(', ')}`);
  return s.content;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cluster-targets-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Pacemaker: the pcs script and the OCF agent', () => {
  it('GIVEN two nodes and preemption on THEN IPaddr2 and the systemd unit in one group, the check resource, scores 200/100, stickiness 0', () => {
    const s = file(build(pcs()), 'pacemaker/pacemaker.sh');
    assert.match(s, /resource create idha-idm-vip ocf:heartbeat:IPaddr2 ip=10\.99\.0\.100 cidr_netmask=24 .*--group idha-idm; fi$/m);
    assert.match(s, /resource create idha-idm-service systemd:tomcat10 .*--group idha-idm \$on_nodes$/m);
    assert.match(s, /resource create idha-idm-check ocf:identity-ha:idm op monitor interval=2s timeout=2s op start timeout=300s meta migration-threshold=2 /);
    assert.match(s, /constraint colocation add idha-idm with idha-idm-check INFINITY/);
    assert.match(s, /constraint order start idha-idm then start idha-idm-check/);
    assert.match(s, /location add idha-idm-prefers-tomcat1 idha-idm-check tomcat1 200$/m);
    assert.match(s, /location add idha-idm-prefers-tomcat2 idha-idm-check tomcat2 100$/m);
    assert.match(s, /resource meta idha-idm resource-stickiness=0$/m);
    assert.match(s, /pcs cluster cib-push "\$cib" --config/);
  });

  it('GIVEN preemption off THEN stickiness above the scores\' spread (200 > 100)', () => {
    assert.match(file(build(pcs({ preemption: Preemption.OFF })), 'pacemaker/pacemaker.sh'), /resource meta idha-idm resource-stickiness=200$/m);
  });

  it('THEN the agent maps each node name to its own address and defaults its parameters to the cluster\'s check', () => {
    const a = file(build(pcs({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/identity/' } })), 'pacemaker/identity-ha-idm');
    assert.match(a, /^ {2}tomcat1\) address=10\.99\.0\.1 ;;$/m);
    assert.match(a, /^ {2}tomcat2\) address=10\.99\.0\.2 ;;$/m);
    assert.match(a, /^\[ -n "\$\{OCF_RESKEY_url\+x\}" \] \|\| OCF_RESKEY_url='http:\/\/\{address\}:8080\/identity\/'$/m);
    assert.doesNotMatch(a, /sh -c|eval /, 'no value is evaluated by a shell');
  });

  it('GIVEN preemption delayed THEN refused, naming what Pacemaker does instead; its neighbour (off) passes', () => {
    const bad = problemsOf(() => build(pcs({ preemption: Preemption.DELAYED, preemptDelaySeconds: 30 })));
    assert.equal(bad.length, 1);
    assert.equal(bad[0].field, 'preemption');
    assert.match(bad[0].fix ?? '', /no preempt delay/);
    assert.deepEqual(problemsOf(() => build(pcs({ preemption: Preemption.OFF }))), []);
  });

  it('GIVEN a bad unit name THEN the field is named; a good one passes', () => {
    const bad = problemsOf(() => build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat 10; rm' })])));
    assert.deepEqual(bad.map((p) => p.field), ['targets.pacemaker.serviceUnit']);
    assert.deepEqual(problemsOf(() => build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10.service' })]))), []);
  });

  it('THEN the estimate is interval x fall + timeout, the service\'s start on top', () => {
    const [e] = build(pcs()).estimates();
    assert.equal(e.seconds, 6);
    assert.match(e.formula, /^2s x 2 monitors \+ 2s timeout = 6, then the service's stop and start/);
  });
});

const havePacemaker = ['pcs', 'cibadmin', 'crm_simulate', 'crm_verify', 'ocf-tester', 'xmllint'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);

describe('Pacemaker for real: the script against a CIB file, the scheduler\'s placement, the agent under ocf-tester', { timeout: 180_000 }, () => {
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

  /** Where each resource runs after the scheduler's transition (crm_simulate -S), and the CIB after it. */
  const simulate = (cib: string, args: string[]): { placed: Record<string, string>; next: string } => {
    const next = `${cib.replace(/\.xml$/, '')}-${Math.random().toString(36).slice(2)}.xml`;
    const r = spawnSync('crm_simulate', ['-x', cib, '-q', 'true', '-S', '-O', next, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const revised = r.stdout.slice(r.stdout.indexOf('Revised Cluster Status'));
    const placed: Record<string, string> = {};
    for (const m of revised.matchAll(/\* (idha-idm-\w+)\s+\([^)]*\):\s+(Started (\S+)|Stopped)/g)) placed[m[1]] = m[3] ?? 'stopped';
    return { placed, next };
  };
  const all = (node: string) => ({ 'idha-idm-vip': node, 'idha-idm-service': node, 'idha-idm-check': node });

  it('GIVEN the script run twice on an empty CIB THEN crm_verify passes and nothing is doubled', { skip: !havePacemaker && 'tools missing (the test above fails)' }, () => {
    const cib = applied(Preemption.ON);
    const v = spawnSync('crm_verify', ['-x', cib], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    const xml = fs.readFileSync(cib, 'utf8');
    assert.equal(xml.match(/<primitive /g)?.length, 3);
    assert.equal(xml.match(/<rsc_location /g)?.length, 2);
    assert.equal(xml.match(/<rsc_colocation /g)?.length, 1);
    assert.equal(xml.match(/<rsc_order /g)?.length, 1);
  });

  it('GIVEN the script of a changed topology (another VIP and prefix, check interval 3 s, startupSeconds 90) run on the CIB of the first THEN the CIB converges (nothing doubled, crm_verify passes); GIVEN another service unit THEN it stops, naming the resource to delete, and the CIB is untouched', { skip: !havePacemaker && 'tools missing' }, () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'pcs-converge-'));
    const cib = path.join(dir, 'cib.xml');
    fs.copyFileSync(applied(Preemption.ON), cib);
    const changed = path.join(dir, 'changed.sh');
    fs.writeFileSync(changed, file(build(pcs({ preemption: Preemption.ON, virtualIp: '10.99.0.200', prefixLength: 16, healthCheck: { intervalSeconds: 3, startupSeconds: 90 } })), 'pacemaker/pacemaker.sh'));
    const r = spawnSync('bash', [changed], { encoding: 'utf8', env: { ...process.env, IDHA_CIB_FILE: cib } });
    assert.equal(r.status, 0, r.stderr);
    const xml = fs.readFileSync(cib, 'utf8');
    assert.match(xml, /name="ip" value="10\.99\.0\.200"/);
    assert.match(xml, /name="cidr_netmask" value="16"/);
    assert.match(xml, /<op (?=[^>]*name="monitor")(?=[^>]*interval="3s")(?=[^>]*timeout="3s")[^>]*id="idha-idm-check-monitor/);
    assert.match(xml, /<op (?=[^>]*name="start")(?=[^>]*timeout="90s")[^>]*id="idha-idm-check-start/);
    assert.doesNotMatch(xml, /10\.99\.0\.100|interval="2s"|timeout="300s"/);
    assert.equal(xml.match(/<primitive /g)?.length, 3);
    assert.equal(spawnSync('crm_verify', ['-x', cib], { encoding: 'utf8' }).status, 0);
    const before = fs.readFileSync(cib, 'utf8');
    const other = path.join(dir, 'other.sh');
    fs.writeFileSync(other, file(build(vipProps([new PacemakerTarget({ serviceUnit: 'apache2' })])), 'pacemaker/pacemaker.sh'));
    const o = spawnSync('bash', [other], { encoding: 'utf8', env: { ...process.env, IDHA_CIB_FILE: cib } });
    assert.equal(o.status, 1);
    assert.match(o.stderr, /idha-idm-service runs another unit than apache2: delete it \(pcs resource delete idha-idm-service\)/);
    assert.equal(fs.readFileSync(cib, 'utf8'), before);
  });

  for (const preemption of [Preemption.ON, Preemption.OFF]) {
    it(`GIVEN preemption ${preemption} THEN the group starts on tomcat1, moves after 2 failed checks (not 1), and ${preemption === Preemption.ON ? 'comes back' : 'stays'} when tomcat1 returns`, { skip: !havePacemaker && 'tools missing' }, () => {
      let s = simulate(applied(preemption), ['-u', 'tomcat1', '-u', 'tomcat2']);
      s = simulate(s.next, []);
      assert.deepEqual(s.placed, all('tomcat1'), 'both nodes up: the preferred node');
      s = simulate(s.next, ['-i', 'idha-idm-check_monitor_2000@tomcat1=1']);
      assert.deepEqual(s.placed, all('tomcat1'), 'one failed check (fall 2): restarted in place');
      s = simulate(s.next, ['-i', 'idha-idm-check_monitor_2000@tomcat1=1']);
      assert.deepEqual(s.placed, all('tomcat2'), 'two failed checks: the group follows the check to tomcat2');
      // tomcat1 leaves and comes back clean (its failure history goes with it).
      s = simulate(s.next, ['-d', 'tomcat1']);
      assert.deepEqual(s.placed, all('tomcat2'));
      s = simulate(s.next, ['-u', 'tomcat1']);
      assert.deepEqual(s.placed, all(preemption === Preemption.ON ? 'tomcat1' : 'tomcat2'));
    });
  }

  it('GIVEN the check\'s start failing on tomcat1 (no pass within healthCheck.startupSeconds: the agent\'s start timed out) THEN the group starts on tomcat2, and is never stopped on every node; the CIB gives the start that timeout', { skip: !havePacemaker && 'tools missing' }, () => {
    const cib = applied(Preemption.ON);
    assert.match(fs.readFileSync(cib, 'utf8'), /<op (?=[^>]*name="start")(?=[^>]*timeout="300s")(?=[^>]*id="idha-idm-check-start)/);
    // The agent's start returns only after a passing check, so no monitor fails while a service starts;
    // what can fail is the start itself (its timeout). crm_simulate counts a failed start as 1 (the
    // controller makes it INFINITY, start-failure-is-fatal): two failed starts (-F, failing the op in the
    // transition) reach migration-threshold 2 here.
    let s = simulate(cib, ['-u', 'tomcat1', '-u', 'tomcat2', '-F', 'idha-idm-check_start_0@tomcat1=1']);
    assert.equal(s.placed['idha-idm-vip'], 'tomcat1');
    s = simulate(s.next, ['-F', 'idha-idm-check_start_0@tomcat1=1']);
    for (let i = 0; i < 3; i++) {
      s = simulate(s.next, []);
      assert.deepEqual(s.placed, all('tomcat2'), `transition ${i + 3}: on tomcat2, started there`);
    }
  });

  it('GIVEN the generated agent THEN ocf-tester passes it, with the listening check healthy; its monitor fails once the port closes', { skip: !havePacemaker && 'tools missing' }, async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const c = build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10', idhaCommand: `${process.execPath} ${IDHA}` })], {
        nodes: [{ name: 'n1', address: '127.0.0.1' }, { name: 'n2', address: '127.0.0.2' }], virtualIp: '127.0.0.100', prefixLength: 8, servicePorts: [port],
      }));
      // ocf-tester runs the agent as another user too: the folder must be searchable.
      const dir = fs.mkdtempSync(path.join(tmp, 'agent-'));
      fs.chmodSync(tmp, 0o755);
      fs.chmodSync(dir, 0o755);
      const agent = path.join(dir, 'identity-ha-idm');
      fs.writeFileSync(agent, file(c, 'pacemaker/identity-ha-idm'));
      fs.chmodSync(agent, 0o755);
      const rsctmp = fs.mkdtempSync(path.join(tmp, 'rsctmp-'));
      const env = { ...process.env, HA_RSCTMP: rsctmp };
      const t = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('ocf-tester', ['-n', 'idha-check', '-o', 'CRM_meta_on_node=n1', agent], { env });
        let out = '';
        p.stdout.on('data', (d) => { out += d; });
        p.stderr.on('data', (d) => { out += d; });
        p.on('close', (code) => resolve({ code, out }));
      });
      assert.equal(t.code, 0, t.out);
      assert.match(t.out, /passed all tests/);
      const run = (action: string, node = 'n1') => spawnSync(agent, [action], { env: { ...env, OCF_RESKEY_CRM_meta_on_node: node }, encoding: 'utf8' }).status;
      assert.equal(run('monitor'), 7, 'stopped');
      assert.equal(run('start'), 0);
      assert.equal(run('monitor'), 0, 'port listening');
      await new Promise<void>((r) => server.close(() => r()));
      assert.equal(run('monitor'), 1, 'port closed: OCF_ERR_GENERIC');
      assert.equal(run('start', 'n9'), 5, 'a node the cluster does not list');
      assert.equal(run('stop'), 0);
    } finally {
      server.close();
    }
  });
});

describe('start-up grace: a service that takes 20 s to answer, under the OCF agent and idha check --watch', { timeout: 120_000 }, () => {
  /** A node whose service opens its port 20 s after the start (Tomcat deploying its webapps). */
  const slowService = async () => {
    const port = await new Promise<number>((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => r(p)); }); });
    let server: net.Server | undefined;
    const t = setTimeout(() => { server = net.createServer((c) => c.destroy()).listen(port, '127.0.0.1'); }, 20_000);
    return { port, t0: Date.now(), close: () => { clearTimeout(t); server?.close(); } };
  };
  const agentFor = (port: number, idha: string, startupSeconds = 60) => {
    const c = build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10', idhaCommand: idha })], {
      nodes: [{ name: 'n1', address: '127.0.0.1' }, { name: 'n2', address: '127.0.0.2' }], virtualIp: '127.0.0.100', prefixLength: 8, servicePorts: [port],
      healthCheck: { intervalSeconds: 1, startupSeconds },
    }));
    const dir = fs.mkdtempSync(path.join(tmp, 'grace-'));
    const agent = path.join(dir, 'identity-ha-idm');
    fs.writeFileSync(agent, file(c, 'pacemaker/identity-ha-idm'));
    fs.chmodSync(agent, 0o755);
    return { agent, env: { ...process.env, HA_RSCTMP: dir, OCF_RESKEY_CRM_meta_on_node: 'n1' } };
  };
  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => new Promise<{ code: number | null; ms: number; out: string }>((resolve) => {
    const t0 = Date.now();
    const p = spawn(cmd, args, { env });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, ms: Date.now() - t0, out }));
  });

  it('GIVEN the service still starting THEN the agent\'s start waits and returns 0 once it answers (monitor 0 then); check --watch with --start-period 60 keeps running through it; without a start period the watch ends (exit 1) while the service starts', async () => {
    const svc = await slowService();
    try {
      const { agent, env } = agentFor(svc.port, `${process.execPath} ${IDHA}`);
      const watch = ['check', '--watch', '--listening', String(svc.port), '--host', '127.0.0.1', '--interval', '1', '--fall', '2'];
      const graced = spawn(process.execPath, [IDHA, ...watch, '--start-period', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let gracedOut = '';
      graced.stdout.on('data', (d) => { gracedOut += d; });
      const [start, bare] = await Promise.all([run(agent, ['start'], env), run(process.execPath, [IDHA, ...watch])]);
      assert.equal(start.code, 0, start.out);
      assert.ok(Date.now() - svc.t0 >= 20_000, `start returned only once the service answered (after ${start.ms} ms)`);
      assert.equal(spawnSync(agent, ['monitor'], { env }).status, 0);
      assert.equal(bare.code, 1, 'no start period: two failures while starting end the watch');
      assert.ok(bare.ms < 15_000, `it ended while the service was starting (${bare.ms} ms)`);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(graced.exitCode, null, `with --start-period the watch still runs: ${gracedOut}`);
      assert.match(gracedOut, /starting \(not counted\)/);
      graced.kill('SIGTERM');
      await new Promise((r) => graced.once('close', r));
    } finally {
      svc.close();
    }
  });

  it('GIVEN a start period that ends before the service answers THEN failures count from then on: the watch ends', async () => {
    const r = await run(process.execPath, [IDHA, 'check', '--watch', '--listening', '1', '--host', '127.0.0.1', '--interval', '0.5', '--fall', '2', '--start-period', '2']);
    assert.equal(r.code, 1, r.out);
    assert.ok(r.ms >= 2000, `not before the start period ended (${r.ms} ms)`);
    assert.match(r.out, /starting \(not counted\)/);
    assert.match(r.out, /^unhealthy: /m);
  });

  it('GIVEN idha or node missing on the node THEN start, monitor and validate-all answer 5 (OCF_ERR_INSTALLED), saying which; GIVEN both THEN not 5', () => {
    const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
    fs.writeFileSync(path.join(bin, 'idha'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    // A PATH with the few programs the agent itself uses and no node (which /usr/bin may hold).
    const tools = fs.mkdtempSync(path.join(tmp, 'tools-'));
    for (const t of ['dirname', 'sleep', 'mkdir', 'touch', 'rm', 'env']) fs.symlinkSync(spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim(), path.join(tools, t));
    const cases: Array<[string, string, string, RegExp | undefined]> = [
      ['idha not at its path', '/nonexistent/idha', tools, /\/nonexistent\/idha not found/],
      ['idha not on PATH', '/usr/bin/env idha', tools, /idha not found on PATH/],
      ['node not on PATH', '/usr/bin/env idha', `${bin}:${tools}`, /node \(Node\.js\) not found/],
      ['both', '/usr/bin/env idha', `${bin}:${path.dirname(process.execPath)}:${tools}`, undefined],
    ];
    for (const [what, idha, PATH, message] of cases) {
      const { agent, env } = agentFor(1, idha);
      for (const action of ['validate-all', 'monitor', 'start']) {
        if (action === 'monitor') fs.writeFileSync(path.join(env.HA_RSCTMP!, 'identity-ha-idm.started'), '');
        const r = spawnSync(agent, [action], { env: { ...env, PATH }, encoding: 'utf8', timeout: 5000 });
        if (message) {
          assert.equal(r.status, 5, `${what}: ${action} ${r.stderr}`);
          assert.match(r.stderr, message, `${what}: ${action}`);
        } else if (action !== 'start') {
          assert.notEqual(r.status, 5, `${what}: ${action} ${r.stderr}`);
        }
      }
    }
  });
});

describe('Windows Server Failover Cluster: the PowerShell script and the check service', () => {
  // What wsfc.ps1 does (each cmdlet and its parameters, a second run, a changed topology) is specified
  // under Pester in test/powershell/wsfc.Tests.ps1 and parsed by PowerShell in powershell-syntax.test.ts.
  it('GIVEN two nodes THEN CRLF line ends, the nodes in order, the VIP; GIVEN preemption off THEN AutoFailbackType 0; GIVEN no clusterAddress THEN $null', () => {
    const s = file(build(wsfc()), 'wsfc/wsfc.ps1');
    assert.ok(s.split('\n').slice(0, -1).every((l) => l.endsWith('\r')), 'CRLF throughout');
    assert.match(s, /\$Nodes = @\('tomcat1', 'tomcat2'\)/);
    assert.match(s, /\$VirtualIp = '10\.99\.0\.100'/);
    assert.match(s, /\$settings = \[ordered\]@\{ AutoFailbackType = 1;/);
    assert.match(file(build(wsfc({ preemption: Preemption.OFF })), 'wsfc/wsfc.ps1'), /\$settings = \[ordered\]@\{ AutoFailbackType = 0;/);
    assert.match(file(build(wsfc({}, { clusterAddress: undefined })), 'wsfc/wsfc.ps1'), /\$ClusterAddress = \$null/);
  });

  it('THEN one WinSW file per node runs the kit\'s idha-shim.exe check --watch with the node\'s address, the interval, fall and start period, start type Manual; GIVEN nodeExe THEN Node.js with bin\\idha.js', () => {
    const c = build(wsfc({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/identity/', intervalSeconds: 3, fall: 3, startupSeconds: 120 } }));
    const x = file(c, 'wsfc/idha-check-idm-tomcat2-10.99.0.2.xml');
    assert.match(x, /<id>idha-check-idm<\/id>/);
    assert.match(x, /<executable>C:\\Program Files\\identity-ha\\idha-shim\.exe<\/executable>/);
    assert.match(x, /<arguments>check --http http:\/\/10\.99\.0\.2:8080\/identity\/ --timeout 2 --watch --interval 3 --fall 3 --start-period 120<\/arguments>/);
    assert.match(x, /<startmode>Manual<\/startmode>/);
    const n = file(build(wsfc({}, { nodeExe: 'C:\\nodejs\\node.exe' })), 'wsfc/idha-check-idm-tomcat2-10.99.0.2.xml');
    assert.match(n, /<executable>C:\\nodejs\\node\.exe<\/executable>/);
    assert.match(n, /<arguments>"C:\\Program Files\\identity-ha\\bin\\idha\.js" check --listening 8080 --host 10\.99\.0\.2 --watch --interval 2 --fall 2 --start-period 300<\/arguments>/);
  });

  const cases: Array<[string, FailoverClusterProps, string, FailoverClusterProps]> = [
    ['preemption delayed', wsfc({ preemption: Preemption.DELAYED }), 'preemption', wsfc({ preemption: Preemption.ON })],
    ['an IPv6 VIP', wsfc({ nodes: [{ name: 'a', address: 'fd00::1' }, { name: 'b', address: 'fd00::2' }], virtualIp: 'fd00::10', prefixLength: 64 }), 'virtualIp', wsfc()],
    ['a node name over 15 characters', wsfc({ nodes: [{ name: 'tomcat-primary-01', address: '10.99.0.1' }, nodes[1]] }), 'nodes[0].name', wsfc({ nodes: [{ name: 'tomcat-prim-01', address: '10.99.0.1' }, nodes[1]] })],
    ['a command check', wsfc({ healthCheck: { kind: ClusterCheckKind.COMMAND, command: '/bin/true' } }), 'healthCheck.kind', wsfc({ healthCheck: { kind: ClusterCheckKind.LISTENING } })],
    ['a cluster address equal to the VIP', wsfc({}, { clusterAddress: '10.99.0.100' }), 'targets.wsfc.clusterAddress', wsfc({}, { clusterAddress: '10.99.0.101' })],
    ['a network name over 15 characters', wsfc({}, { networkName: 'identity-manager-web' }), 'targets.wsfc.networkName', wsfc({}, { networkName: 'idm-web' })],
  ];
  for (const [what, bad, field, good] of cases) {
    it(`GIVEN ${what} THEN the problem names ${field}; its neighbour passes`, () => {
      assert.deepEqual(problemsOf(() => build(bad)).map((p) => p.field), [field]);
      assert.deepEqual(problemsOf(() => build(good)), []);
    });
  }
});

describe('a cloud cluster: the load balancer renderers as they are, with the pair\'s prefer-primary wiring', () => {
  for (const lb of ['azure', 'aws'] as const) {
    it(`GIVEN ${lb} THEN its load balancer resources in the stack, and a host plan with the second node\'s sidecar in standby mode`, () => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 's');
      const c = new FailoverCluster(stack, 'idm', cloud(lb));
      const tf = JSON.parse(Testing.synth(stack));
      const types = Object.keys(tf.resource ?? {});
      assert.ok(types.includes(lb === 'azure' ? 'azurerm_lb' : 'aws_lb'), types.join(', '));
      const second = c.snippets().find((s) => s.fileName === 'hosts/secondary-10.99.0.2/shim-command.txt');
      assert.ok(second, c.snippets().map((s) => s.fileName).join(', '));
      assert.match(second.content, /--standby-of http:\/\/10\.99\.0\.1:15051\/healthz/);
      assert.match(c.snippets().find((s) => s.fileName === 'hosts/primary-10.99.0.1/shim-command.txt')!.content, /--service-port 8080 /);
      assert.ok(c.estimates()[0].seconds > 0);
    });
  }

  const cases: Array<[string, FailoverClusterProps, string, FailoverClusterProps]> = [
    ['a cloud target with a bare VIP', cloud('azure', { virtualIp: '10.99.0.100', prefixLength: 24 }), 'virtualIp', cloud('azure')],
    ['a cloud target beside keepalived', { ...vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' }), ...cloud('aws').targets]) }, 'targets', vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })])],
    ['three nodes behind a load balancer', cloud('aws', { nodes: [...nodes, { name: 'tomcat3', address: '10.99.0.3' }] }), 'nodes', cloud('aws')],
    ['an HTTP check behind a load balancer', cloud('azure', { healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/' } }), 'healthCheck', cloud('azure', { healthCheck: { kind: ClusterCheckKind.LISTENING, port: 8080 } })],
    ['preemption off behind a load balancer', cloud('aws', { preemption: Preemption.OFF }), 'preemption', cloud('aws', { preemption: Preemption.ON })],
    // The balancer checks a service model derived from the cluster: the path is the one the user wrote (the target's list, its own index), not the model's.
    ['an IPv6 client block (after a repeated one) beside IPv4 nodes', { ...cloud('azure'), targets: [new LoadBalancedClusterTarget({ loadBalancer: new AzureLoadBalancerTarget(AZURE), allowedClients: ['10.20.0.0/16', '10.20.0.0/16', 'fd00::/8'] })] }, 'targets.azure.allowedClients[2]',
      { ...cloud('azure'), targets: [new LoadBalancedClusterTarget({ loadBalancer: new AzureLoadBalancerTarget(AZURE), allowedClients: ['10.20.0.0/16', '10.20.0.0/16', '10.30.0.0/16'] })] }],
    ['a keepalived cluster without a VIP', { ...vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })]), virtualIp: undefined, prefixLength: undefined }, 'virtualIp', vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })])],
  ];
  for (const [what, bad, field, good] of cases) {
    it(`GIVEN ${what} THEN the problem names ${field}; its neighbour passes`, () => {
      const problems = problemsOf(() => build(bad));
      assert.deepEqual(problems.map((p) => p.field), [field], JSON.stringify(problems));
      assert.deepEqual(problemsOf(() => build(good)), []);
    });
  }
});

describe('idha check --watch: what the Windows cluster runs as a Generic Service resource', () => {
  const watch = (args: string[], killAfterMs?: number) => new Promise<{ code: number | null; ms: number; out: string }>((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [IDHA, 'check', '--watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
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
      const r = await watch(['--listening', String((s.address() as net.AddressInfo).port), '--host', '127.0.0.1', '--interval', '0.2', '--fall', '1'], 1500);
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

describe('the bundled cluster examples through idha synth', () => {
  const REPO_EX = path.resolve(__dirname, '..', '..', 'examples');
  const synth = (example: string) => {
    const out = path.join(fs.mkdtempSync(path.join(tmp, 'synth-')), 'out');
    const r = spawnSync(process.execPath, [IDHA, 'synth', '--config', path.join(REPO_EX, example), '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return { out, stdout: r.stdout };
  };

  it('GIVEN examples/failover-cluster-pacemaker-wsfc.yaml THEN the pcs script, its agent, the PowerShell script and a check service per Windows node, with both estimates', () => {
    const { out, stdout } = synth('failover-cluster-pacemaker-wsfc.yaml');
    assert.deepEqual(fs.readdirSync(path.join(out, 'snippets', 'idm-linux', 'pacemaker')).sort(), ['identity-ha-idm-linux', 'pacemaker.sh']);
    assert.deepEqual(fs.readdirSync(path.join(out, 'snippets', 'idm-win', 'wsfc')).sort(), ['idha-check-idm-win-idm-web1-10.0.4.11.xml', 'idha-check-idm-win-idm-web2-10.0.4.12.xml', 'wsfc.ps1']);
    assert.match(stdout, /^idm-linux\s+pacemaker\s+6 s\s+2s x 2 monitors/m);
    assert.match(stdout, /^idm-win\s+wsfc\s+11 s\s+2s x 2 checks \+ 2s timeout \+ 5s LooksAlive = 11/m);
    assert.equal(fs.existsSync(path.join(out, 'stacks')), false, 'no Terraform for clusters rendered as files');
    assert.match(fs.readFileSync(path.join(out, 'snippets', 'idm-linux', 'pacemaker', 'pacemaker.sh'), 'utf8'), /resource-stickiness=200$/m);
  });

  it('GIVEN examples/failover-cluster-cloud.yaml THEN the Azure and AWS stacks hold a load balancer, and each node\'s sidecar command is printed', () => {
    const { out, stdout } = synth('failover-cluster-cloud.yaml');
    const az = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'identity-ha-azure', 'cdk.tf.json'), 'utf8'));
    const aws = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'identity-ha-aws', 'cdk.tf.json'), 'utf8'));
    assert.ok(az.resource.azurerm_lb && az.provider.azurerm, Object.keys(az.resource).join(', '));
    assert.ok(aws.resource.aws_lb && aws.provider.aws, Object.keys(aws.resource).join(', '));
    assert.match(JSON.stringify(az.resource.azurerm_lb), /10\.1\.3\.10/, 'the frontend address from the loadBalancer block');
    assert.match(stdout, /idm-az secondary \(tomcat2\) 10\.1\.3\.12 \(standby mode\): idha shim .*--interval 2 --fall 2 --rise 2 .*--standby-of http:\/\/10\.1\.3\.11:15051\/healthz/);
    assert.match(stdout, /^idm-aws\s+aws\s+\d+ s/m);
  });

  it('GIVEN a cloud cluster with a virtualIp in the file THEN refused under clusters[0].virtualIp; without it THEN accepted', () => {
    const doc = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'failover-cluster-cloud.yaml'), 'utf8'));
    const bad = Topology.validate({ ...doc, clusters: [{ ...doc.clusters[0], virtualIp: '10.1.3.10', prefixLength: 24 }] });
    assert.deepEqual(bad.map((p) => p.field), ['clusters[0].virtualIp']);
    assert.deepEqual(Topology.validate({ ...doc, clusters: [doc.clusters[0]] }), []);
  });

  it('GIVEN a cluster named like a service THEN refused (both write snippets/<name>/); renamed THEN accepted', () => {
    const doc = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'failover-cluster-pacemaker-wsfc.yaml'), 'utf8'));
    const pair = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'iqservice-pair.yaml'), 'utf8'));
    const svc = { ...pair.services[0], targets: { haproxy: pair.services[0].targets.haproxy } };
    assert.deepEqual(Topology.validate({ ...doc, services: [{ ...svc, name: 'idm-linux' }] }).map((p) => p.field), ['clusters[0].name']);
    assert.deepEqual(Topology.validate({ ...doc, services: [svc] }), []);
  });
});
