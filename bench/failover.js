#!/usr/bin/env node
// Failover benchmark: HAProxy and idha proxy in the same run, on loopback, with what `idha synth`
// generates: the haproxy.cfg and each host's `idha shim` command line from the host plan, run as
// written. Only the addresses are loopback (primary 127.0.0.2, secondary 127.0.0.3).
//   npm run build && node bench/failover.js [--interval 1] [--rate 100] [--hold 60] [--mib 256] [--quick]
//
// Scenarios, each under a steady load of new client connections:
//   kill      the primary's stand-in is stopped and restarted 6 s later (port refused);
//   hung      the stand-in is stopped with SIGSTOP (the socket still listens) and resumed 6 s later;
//   blackhole iptables DROP on the primary's service port for --hold s (root and iptables; else skipped):
//             the shim finds the service healthy, only the balancer sees the fault;
//   flap      the stand-in is stopped and restarted every 2 s for --hold s.
// Per scenario: client connections that failed, down transitions of the primary as the balancer
// logged them, time to the first answer from the secondary, and time from the restore to the first
// answer from the primary, in seconds and in check intervals. Then bulk throughput and added latency
// against a direct connection. Prints tables and ratios; asserts nothing. Results: bench/results/failover.json.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const lib = { ...require('../dist/lib/internal'), ...require('../dist/lib/runtime') };

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const QUICK = args.includes('--quick');
const RATE = Number(opt('--rate', '100'));
const INTERVAL = Number(opt('--interval', '1'));
const HOLD = Number(opt('--hold', QUICK ? '20' : '60'));
const MIB = Number(opt('--mib', QUICK ? '64' : '256'));
const IDHA = path.resolve(__dirname, '..', 'bin', 'idha.js');
const H = { front: '127.0.0.1', primary: '127.0.0.2', secondary: '127.0.0.3' };
const P = { service: 28050, stats: 28060, gate: 28070, health: 28071, agent: 28072, report: 28073 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = new Set();
const LOGS = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-failover-logs-'));
process.on('exit', () => { for (const c of live) try { c.kill('SIGKILL'); } catch { /* gone */ } });

function run(cmd, argv) {
  const c = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  c.out = '';
  c.stdout.on('data', (d) => (c.out += d));
  c.stderr.on('data', (d) => (c.out += d));
  live.add(c);
  c.once('exit', () => live.delete(c));
  return c;
}
const idha = (argv) => run(process.execPath, [IDHA, ...argv]);
const kill = (c) => lib.stopChild(c); // SIGCONT + SIGTERM, SIGKILL after 3 s
async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  while (!(await fn())) { if (Date.now() > end) throw new Error(`timeout: ${what}`); await sleep(50); }
}
function who(host, port, timeoutMs = 5000) {
  return lib.iqRequest({ host, port, timeoutMs }, Buffer.from(lib.WHO_REQUEST)).then((b) => b.toString());
}

/** `idha synth --platform haproxy` of a loopback topology: the haproxy.cfg and each host's shim arguments. */
function generate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-failover-'));
  const topology = [
    'version: 1', 'name: bench', 'services:', '  - name: bench',
    `    primary: { address: ${H.primary}, iqserviceVersion: "8.4p2" }`,
    `    secondary: { address: ${H.secondary}, iqserviceVersion: "8.4p2" }`,
    `    port: ${P.service}`, '    allowedClients: [127.0.0.0/8]',
    `    probe: { gatePort: ${P.gate}, healthPort: ${P.health}, agentPort: ${P.agent}, reportPort: ${P.report}, sidecar: { checkIntervalSeconds: ${INTERVAL} } }`,
    `    targets: { haproxy: { bindAddress: ${H.front}, logTarget: stdout, checkIntervalSeconds: ${INTERVAL} } }`,
  ].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'topology.yaml'), topology);
  const r = spawnSync(process.execPath, [IDHA, 'synth', '--config', path.join(dir, 'topology.yaml'), '--platform', 'haproxy', '--out', path.join(dir, 'out')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`idha synth failed: ${r.stderr}`);
  const snip = path.join(dir, 'out', 'snippets', 'bench');
  const shimArgs = (role) => {
    const folder = fs.readdirSync(path.join(snip, 'hosts')).find((f) => f.startsWith(`${role}-`));
    const line = fs.readFileSync(path.join(snip, 'hosts', folder, 'shim-command.txt'), 'utf8').split('\n').find((l) => l.startsWith('idha shim '));
    return line.split(' ').slice(1);
  };
  return { cfgFile: path.join(snip, 'haproxy.cfg'), cfg: fs.readFileSync(path.join(snip, 'haproxy.cfg'), 'utf8'), shim: { primary: shimArgs('primary'), secondary: shimArgs('secondary') } };
}

class Rig {
  constructor(balancer, gen) { this.balancer = balancer; this.gen = gen; this.mimic = {}; this.shim = {}; }
  startMimic(role) { this.mimic[role] = idha(['mimic', '--listen', `${H[role]}:${P.service}`, '--stats-port', String(P.stats), '--name', role]); }
  async start() {
    this.startMimic('primary'); this.startMimic('secondary');
    await until('mimics', async () => (await lib.getJson(`http://${H.primary}:${P.stats}/stats`)).status === 200 && (await lib.getJson(`http://${H.secondary}:${P.stats}/stats`)).status === 200);
    for (const role of ['primary', 'secondary']) this.shim[role] = idha(this.gen.shim[role]);
    await until('shims', async () => (await lib.getJson(`http://${H.primary}:${P.health}/healthz`)).status === 200 && (await lib.getJson(`http://${H.secondary}:${P.health}/healthz`)).status === 200);
    this.lb = this.balancer === 'haproxy'
      ? run('haproxy', ['-db', '-f', this.gen.cfgFile])
      : idha(['proxy', '--listen', `${H.front}:${P.service}`, '--primary', `${H.primary}:${P.service}`, '--secondary', `${H.secondary}:${P.service}`,
        '--primary-health', `http://${H.primary}:${P.health}/healthz`, '--health-poll', '0.1', '--connect-timeout', '0.5']);
    await until('balancer on the primary', async () => (await who(H.front, P.service).catch(() => '')) === 'primary');
  }
  primaryListening() { return until('primary stand-in back', async () => (await lib.getJson(`http://${H.primary}:${P.stats}/stats`, 200)).status === 200, 10000); }
  /** Down transitions of the primary, as the balancer logged them. */
  downs() {
    return this.balancer === 'haproxy'
      // HAProxy prints each state change twice here: a [WARNING] on stderr and the syslog line on stdout.
      ? (this.lb.out.match(/^\[WARNING\].*Server bench-iq\/primary is DOWN/gm) ?? []).length
      : (this.lb.out.match(/"msg":"primary (down|marked down)"/g) ?? []).length;
  }
  async stop() { await Promise.all([this.lb, this.shim.primary, this.shim.secondary, this.mimic.primary, this.mimic.secondary].map((c) => kill(c))); }
}

const iptables = (op) => spawnSync('iptables', [op, 'INPUT', '-p', 'tcp', '-d', H.primary, '--dport', String(P.service), '-j', 'DROP'], { encoding: 'utf8' });
const canBlackhole = () => { const r = iptables('-A'); if (r.error || r.status !== 0) return false; iptables('-D'); return true; };

/** Failure injection: { fail(), restore(), holdMs }. */
function failure(kind, rig) {
  switch (kind) {
    // The restore ends when the stand-in listens again: failback is measured from the service being back.
    case 'kill': return { holdMs: 6000, fail: () => kill(rig.mimic.primary), restore: async () => { rig.startMimic('primary'); await rig.primaryListening(); } };
    case 'hung': return { holdMs: 6000, fail: async () => rig.mimic.primary.kill('SIGSTOP'), restore: async () => rig.mimic.primary.kill('SIGCONT') };
    case 'blackhole': return { holdMs: HOLD * 1000, fail: async () => iptables('-A'), restore: async () => iptables('-D') };
    case 'flap': {
      let flapping = true; let loop;
      return {
        holdMs: HOLD * 1000,
        fail: async () => {
          await kill(rig.mimic.primary);
          loop = (async () => {
            for (let up = false; flapping; up = !up) {
              await sleep(2000);
              if (!flapping) break;
              if (up) await kill(rig.mimic.primary); else rig.startMimic('primary');
            }
          })();
        },
        restore: async () => {
          flapping = false;
          await loop;
          if (rig.mimic.primary.exitCode !== null || rig.mimic.primary.signalCode !== null) rig.startMimic('primary');
        },
      };
    }
    default: throw new Error(kind);
  }
}

async function scenario(balancer, kind, gen) {
  const rig = new Rig(balancer, gen);
  await rig.start();
  const results = [];
  let stopLoad = false;
  const loadDone = (async () => {
    const gap = 1000 / RATE;
    let next = Date.now();
    const pending = [];
    while (!stopLoad) {
      const start = Date.now();
      pending.push(who(H.front, P.service, 10000).then((w) => results.push({ start, end: Date.now(), ok: true, w }), (e) => results.push({ start, end: Date.now(), ok: false, e: e.message })));
      next += gap;
      await sleep(Math.max(0, next - Date.now()));
    }
    await Promise.all(pending);
  })();
  await sleep(2000);
  const f = failure(kind, rig);
  const tKill = Date.now();
  await f.fail();
  const tKilled = Date.now();
  await sleep(f.holdMs);
  const downsDuring = rig.downs();
  await f.restore();
  const tRestore = Date.now();
  // Wait for the primary to serve again (a hold-down can outlast the fault), up to 2 minutes.
  const waitEnd = Date.now() + 120_000;
  while (Date.now() < waitEnd && !results.some((r) => r.ok && r.w === 'primary' && r.start >= tRestore)) await sleep(200);
  await sleep(2000);
  stopLoad = true;
  await loadDone;
  const downs = rig.downs();
  await rig.stop();
  const logFile = path.join(LOGS, `${balancer}-${kind}.log`);
  fs.writeFileSync(logFile, `${rig.lb.out}\n--- primary shim ---\n${rig.shim.primary.out}`);
  if (kind === 'blackhole') iptables('-D');
  const during = results.filter((r) => r.start >= tKilled && r.start < tRestore);
  const firstSecondary = results.filter((r) => r.ok && r.w === 'secondary' && r.end >= tKill).sort((a, b) => a.end - b.end)[0];
  const firstBack = results.filter((r) => r.ok && r.w === 'primary' && r.start >= tRestore).sort((a, b) => a.end - b.end)[0];
  return {
    balancer, kind, holdS: f.holdMs / 1000,
    started: results.length,
    // Started once the failure was in place, before the restore.
    failedDuring: during.filter((r) => !r.ok).length,
    failedAfterRestore: results.filter((r) => r.start >= tRestore && !r.ok).length,
    inFlightAtKill: results.filter((r) => r.start < tKilled && r.end >= tKill && !r.ok).length,
    downTransitionsDuring: downsDuring,
    downTransitions: downs,
    killToSecondaryS: firstSecondary ? (firstSecondary.end - tKill) / 1000 : null,
    restoreToPrimaryS: firstBack ? (firstBack.end - tRestore) / 1000 : null,
    slowestDuringS: during.length ? Math.max(...during.map((r) => r.end - r.start)) / 1000 : null,
    // Answered, but only after waiting out a connect timeout (0.5 s on idha proxy, 2 s on HAProxy).
    paidTimeoutDuring: during.filter((r) => r.ok && r.end - r.start >= (balancer === 'haproxy' ? 2000 : 500)).length,
  };
}

/** Echoes `mib` MiB in 4 parallel framed requests of mib/4 each; returns MiB/s. */
async function throughput(host, port, mib) {
  const each = Math.floor((mib * 1024 * 1024) / 4);
  const payload = crypto.randomBytes(each);
  const t0 = process.hrtime.bigint();
  await Promise.all([0, 1, 2, 3].map(() => lib.iqRequest({ host, port, timeoutMs: 120000 }, payload)));
  return mib / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function latency(host, port, n = 300) {
  const t = [];
  for (let i = 0; i < n; i++) { const s = process.hrtime.bigint(); await who(host, port); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n / 2)], p99: t[Math.floor(n * 0.99)] };
}

async function dataPath(balancer, gen) {
  const rig = new Rig(balancer, gen);
  await rig.start();
  const tp = await throughput(H.front, P.service, MIB);
  const lat = await latency(H.front, P.service);
  await rig.stop();
  return { balancer, mibPerS: tp, latencyP50Ms: lat.p50, latencyP99Ms: lat.p99 };
}

async function direct() {
  const m = idha(['mimic', '--listen', `${H.primary}:${P.service}`, '--stats-port', String(P.stats), '--name', 'primary']);
  await until('mimic', async () => (await lib.getJson(`http://${H.primary}:${P.stats}/stats`)).status === 200);
  const tp = await throughput(H.primary, P.service, MIB);
  const lat = await latency(H.primary, P.service);
  await kill(m);
  return { balancer: 'direct', mibPerS: tp, latencyP50Ms: lat.p50, latencyP99Ms: lat.p99 };
}

const fmt = (v, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));

(async () => {
  const gen = generate();
  const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;
  const balancers = haveHaproxy ? ['haproxy', 'proxy'] : ['proxy'];
  const only = opt('--only', '');
  const kinds = ['kill', 'hung', ...(canBlackhole() ? ['blackhole'] : []), 'flap'].filter((k) => !only || only.split(',').includes(k));
  const serverLine = gen.cfg.split('\n').find((l) => l.includes('server primary')).trim();
  console.log(`failover benchmark: ${RATE} new connections/s; generated by idha synth (interval ${INTERVAL}s):`);
  console.log(`  shim (primary): idha ${gen.shim.primary.join(' ')}`);
  console.log(`  HAProxy: ${serverLine}; retries 3, option redispatch`);
  console.log('  idha proxy: polls the primary\'s shim every 0.1 s, connect timeout 0.5 s; passive mark-down after 3 failed connects in 10 s (hold 60 s), suspect after 0.1 s (the defaults)');
  console.log(`  black hole and flap held ${HOLD} s`);
  if (!haveHaproxy) console.log('  HAProxy not installed: idha proxy only');
  if (!kinds.includes('blackhole')) console.log('  black-holed case skipped: needs root and iptables');
  const rows = [];
  for (const kind of kinds) for (const b of balancers) {
    const r = await scenario(b, kind, gen);
    rows.push(r);
    console.log(`  ${kind.padEnd(9)} ${b.padEnd(7)} failed ${String(r.failedDuring).padStart(3)} during (${r.failedAfterRestore} after restore, ${r.inFlightAtKill} in flight)  down transitions ${r.downTransitionsDuring} during / ${r.downTransitions} total  kill->secondary ${fmt(r.killToSecondaryS)} s  restore->primary ${fmt(r.restoreToPrimaryS)} s (${fmt(r.restoreToPrimaryS / INTERVAL, 1)} intervals)  waited >= the connect timeout ${r.paidTimeoutDuring}  of ${r.started}`);
  }
  const paths = [await direct()];
  for (const b of balancers) paths.push(await dataPath(b, gen));
  console.log(`\ndata path: ${MIB} MiB echoed in 4 parallel streams; latency of a new connection + one request (300 sequential)`);
  for (const p of paths) console.log(`  ${p.balancer.padEnd(8)} ${p.mibPerS.toFixed(0).padStart(6)} MiB/s   p50 ${p.latencyP50Ms.toFixed(2)} ms   p99 ${p.latencyP99Ms.toFixed(2)} ms`);
  const get = (b) => paths.find((p) => p.balancer === b);
  const ratios = {};
  if (haveHaproxy) {
    ratios.throughputProxyVsHaproxy = get('proxy').mibPerS / get('haproxy').mibPerS;
    console.log(`\nratios: idha proxy / HAProxy throughput ${ratios.throughputProxyVsHaproxy.toFixed(2)}x (target >= 0.8x)`);
  }
  ratios.proxyAddedLatencyP50Ms = get('proxy').latencyP50Ms - get('direct').latencyP50Ms;
  if (haveHaproxy) ratios.haproxyAddedLatencyP50Ms = get('haproxy').latencyP50Ms - get('direct').latencyP50Ms;
  console.log(`added p50 latency vs direct: idha proxy ${ratios.proxyAddedLatencyP50Ms.toFixed(2)} ms${haveHaproxy ? `, HAProxy ${ratios.haproxyAddedLatencyP50Ms.toFixed(2)} ms` : ''}`);
  console.log('\ntargets:');
  for (const r of rows.filter((x) => x.kind === 'kill')) console.log(`  failback after one kill, ${r.balancer}: ${fmt(r.restoreToPrimaryS / INTERVAL, 2)} check intervals (target <= 1)`);
  for (const r of rows.filter((x) => x.kind === 'hung')) console.log(`  hung, ${r.balancer}: kill->secondary ${fmt(r.killToSecondaryS / INTERVAL, 1)} check intervals (target <= 3)`);
  for (const r of rows.filter((x) => x.kind === 'blackhole' || x.kind === 'flap')) {
    console.log(`  ${r.kind} ${r.holdS} s, ${r.balancer}: ${r.downTransitionsDuring} down transitions (target <= 1), ${r.failedDuring} failed connections (target <= 3, the retries)`);
  }
  console.log(`\nbalancer and primary-shim logs of each scenario: ${LOGS}`);
  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'failover.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, rate: RATE, intervalS: INTERVAL, holdS: HOLD, shim: gen.shim, haproxyServer: serverLine, rows, paths, ratios }, null, 2) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
