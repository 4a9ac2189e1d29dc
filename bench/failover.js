#!/usr/bin/env node
// Failover benchmark: HAProxy (generated config) and idha proxy in the same run, on loopback.
//   npm run build && node bench/failover.js [--rate 100] [--interval 0.5] [--mib 256]
// For each balancer and each kind of failure (refused port, black-holed port, hung process) under a
// steady load of new client connections, it measures: connections started after the kill that fail,
// time from the kill to the first answer from the secondary, time from the restore to the first
// answer from the primary. Then bulk throughput and added latency against a direct connection.
// The black-holed case needs root and iptables (it drops SYNs to the primary's port); without them
// it is reported as skipped. Prints tables and ratios; asserts nothing. Results: bench/results/failover.json.
'use strict';
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const lib = { ...require('../dist/lib'), ...require('../dist/lib/runtime') };

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const RATE = Number(opt('--rate', '100'));
const INTERVAL = Number(opt('--interval', '0.5'));
const MIB = Number(opt('--mib', '256'));
const RISE = Number(opt('--rise', '2'));
const IDHA = path.resolve(__dirname, '..', 'bin', 'idha.js');
const H = { front: '127.0.0.1', primary: '127.0.0.2', secondary: '127.0.0.3' };
const P = { service: 28050, stats: 28060, gate: 28070, health: 28071, agent: 28072 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = new Set();
process.on('exit', () => { for (const c of live) try { c.kill('SIGKILL'); } catch { /* gone */ } });

function run(cmd, argv) {
  const c = spawn(cmd, argv, { stdio: 'ignore' });
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

class Rig {
  constructor(balancer) { this.balancer = balancer; this.mimic = {}; this.shim = {}; }
  startMimic(role) { this.mimic[role] = idha(['mimic', '--listen', `${H[role]}:${P.service}`, '--stats-port', String(P.stats), '--name', role]); }
  async start() {
    this.startMimic('primary'); this.startMimic('secondary');
    await until('mimics', async () => (await lib.getJson(`http://${H.primary}:${P.stats}/stats`)).status === 200 && (await lib.getJson(`http://${H.secondary}:${P.stats}/stats`)).status === 200);
    for (const role of ['primary', 'secondary']) {
      this.shim[role] = idha(['shim', '--bind', H[role], '--service-port', String(P.service), '--service-host', H[role], '--gate-port', String(P.gate),
        '--health-port', String(P.health), '--agent-port', String(P.agent), '--interval', String(INTERVAL), '--fall', '2', '--rise', String(RISE), '--drain', '0']);
    }
    await until('shims', async () => (await lib.getJson(`http://${H.primary}:${P.health}/healthz`)).status === 200 && (await lib.getJson(`http://${H.secondary}:${P.health}/healthz`)).status === 200);
    if (this.balancer === 'haproxy') {
      const cfg = lib.renderHaproxyConfig({
        title: 'bench', logTarget: 'stdout', maxconn: 2000, cutBackupSessionsOnFailback: false, shutdownSessionsOnMarkedDown: false, observeErrorLimit: 3,
        timing: { checkIntervalMs: INTERVAL * 1000, fall: 2, rise: RISE, checkTimeoutMs: 1000, agentIntervalMs: INTERVAL * 1000, connectTimeoutMs: 500, clientTimeoutMs: 60000, serverTimeoutMs: 60000, retries: 3 },
        proxies: [{ name: 'bench', bindAddress: H.front, bindPort: P.service, allowedClients: ['127.0.0.0/8'], check: 'tcp',
          servers: ['primary', 'secondary'].map((r, i) => ({ name: r, address: H[r], port: P.service, backup: i > 0, checkPort: P.gate, agentPort: P.agent })) }],
      });
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-hap-')), 'haproxy.cfg');
      fs.writeFileSync(f, cfg);
      this.lb = run('haproxy', ['-db', '-f', f]);
    } else {
      this.lb = idha(['proxy', '--listen', `${H.front}:${P.service}`, '--primary', `${H.primary}:${P.service}`, '--secondary', `${H.secondary}:${P.service}`,
        '--primary-health', `http://${H.primary}:${P.health}/healthz`, '--health-poll', '0.1', '--connect-timeout', '0.5']);
    }
    await until('balancer on the primary', async () => (await who(H.front, P.service).catch(() => '')) === 'primary');
  }
  async stop() { await Promise.all([this.lb, this.shim.primary, this.shim.secondary, this.mimic.primary, this.mimic.secondary].map((c) => kill(c))); }
}

const iptables = (op) => spawnSync('iptables', [op, 'INPUT', '-p', 'tcp', '-d', H.primary, '--dport', String(P.service), '-j', 'DROP'], { encoding: 'utf8' });
const canBlackhole = () => { const r = iptables('-A'); if (r.status !== 0) return false; iptables('-D'); return true; };

/** Failure injection: returns { fail(), restore() }. */
function failure(kind, rig) {
  switch (kind) {
    case 'refused': return { fail: () => kill(rig.mimic.primary), restore: async () => { rig.startMimic('primary'); } };
    case 'hung': return { fail: async () => rig.mimic.primary.kill('SIGSTOP'), restore: async () => rig.mimic.primary.kill('SIGCONT') };
    case 'blackhole': return { fail: async () => iptables('-A'), restore: async () => iptables('-D') };
    default: throw new Error(kind);
  }
}

async function scenario(balancer, kind) {
  const rig = new Rig(balancer);
  await rig.start();
  const results = [];
  let stopLoad = false;
  const loadDone = (async () => {
    const gap = 1000 / RATE;
    let next = Date.now();
    const pending = [];
    while (!stopLoad) {
      const start = Date.now();
      pending.push(who(H.front, P.service, 8000).then((w) => results.push({ start, end: Date.now(), ok: true, w }), (e) => results.push({ start, end: Date.now(), ok: false, e: e.message })));
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
  await sleep(6000);
  const tRestore = Date.now();
  await f.restore();
  await sleep(6000);
  stopLoad = true;
  await loadDone;
  await rig.stop();
  if (kind === 'blackhole') iptables('-D');
  const afterKill = results.filter((r) => r.start >= tKill && r.start < tRestore);
  const firstSecondary = results.filter((r) => r.ok && r.w === 'secondary' && r.end >= tKill).sort((a, b) => a.end - b.end)[0];
  const firstBack = results.filter((r) => r.ok && r.w === 'primary' && r.start >= tRestore).sort((a, b) => a.end - b.end)[0];
  return {
    balancer, kind,
    started: results.length,
    // "After the kill": started once the failure was in place (the process had exited, the rule was in).
    failedAfterKill: afterKill.filter((r) => !r.ok && r.start >= tKilled).length,
    inFlightAtKill: results.filter((r) => r.start < tKilled && r.end >= tKill && !r.ok).length,
    killToSecondaryS: firstSecondary ? (firstSecondary.end - tKill) / 1000 : null,
    restoreToPrimaryS: firstBack ? (firstBack.end - tRestore) / 1000 : null,
    slowestAfterKillS: afterKill.length ? Math.max(...afterKill.map((r) => r.end - r.start)) / 1000 : null,
  };
}

/** Echoes `mib` MiB in 4 parallel framed requests of mib/4 each; returns MiB/s. */
async function throughput(port, mib) {
  const each = Math.floor((mib * 1024 * 1024) / 4);
  const payload = crypto.randomBytes(each);
  const t0 = process.hrtime.bigint();
  await Promise.all([0, 1, 2, 3].map(() => lib.iqRequest({ host: H.front, port, timeoutMs: 120000 }, payload)));
  return mib / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function latency(host, port, n = 300) {
  const t = [];
  for (let i = 0; i < n; i++) { const s = process.hrtime.bigint(); await who(host, port); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n / 2)], p99: t[Math.floor(n * 0.99)] };
}

async function dataPath(balancer) {
  const rig = new Rig(balancer);
  await rig.start();
  const tp = await throughput(P.service, MIB);
  const lat = await latency(H.front, P.service);
  await rig.stop();
  return { balancer, mibPerS: tp, latencyP50Ms: lat.p50, latencyP99Ms: lat.p99 };
}

async function direct() {
  const m = idha(['mimic', '--listen', `${H.primary}:${P.service}`, '--stats-port', String(P.stats), '--name', 'primary']);
  await until('mimic', async () => (await lib.getJson(`http://${H.primary}:${P.stats}/stats`)).status === 200);
  const each = Math.floor((MIB * 1024 * 1024) / 4);
  const payload = crypto.randomBytes(each);
  const t0 = process.hrtime.bigint();
  await Promise.all([0, 1, 2, 3].map(() => lib.iqRequest({ host: H.primary, port: P.service, timeoutMs: 120000 }, payload)));
  const tp = MIB / (Number(process.hrtime.bigint() - t0) / 1e9);
  const lat = await latency(H.primary, P.service);
  await kill(m);
  return { balancer: 'direct', mibPerS: tp, latencyP50Ms: lat.p50, latencyP99Ms: lat.p99 };
}

(async () => {
  const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;
  const balancers = haveHaproxy ? ['haproxy', 'proxy'] : ['proxy'];
  const kinds = ['refused', 'hung', ...(canBlackhole() ? ['blackhole'] : [])];
  console.log(`failover benchmark: ${RATE} new connections/s, shim interval ${INTERVAL}s (fall 2, rise ${RISE}), HAProxy inter ${INTERVAL}s fall 2 rise ${RISE} retries 3 redispatch observe layer4, idha proxy polls the shim every 0.1s`);
  if (!haveHaproxy) console.log('  HAProxy not installed: idha proxy only');
  if (!kinds.includes('blackhole')) console.log('  black-holed case skipped: needs root and iptables');
  const rows = [];
  for (const kind of kinds) for (const b of balancers) {
    const r = await scenario(b, kind);
    rows.push(r);
    console.log(`  ${kind.padEnd(9)} ${b.padEnd(7)} failed after kill ${String(r.failedAfterKill).padStart(3)} (in flight ${r.inFlightAtKill})  kill->secondary ${r.killToSecondaryS?.toFixed(2)} s  restore->primary ${r.restoreToPrimaryS?.toFixed(2)} s  slowest ${r.slowestAfterKillS?.toFixed(2)} s  of ${r.started}`);
  }
  const paths = [await direct()];
  for (const b of balancers) paths.push(await dataPath(b));
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
  for (const r of rows.filter((x) => x.kind === 'hung')) console.log(`hung, ${r.balancer}: kill->secondary ${(r.killToSecondaryS / INTERVAL).toFixed(1)} check intervals (target <= 3)`);
  for (const r of rows) console.log(`failback, ${r.kind}, ${r.balancer}: ${(r.restoreToPrimaryS / INTERVAL).toFixed(1)} check intervals (target <= 1)`);
  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `failover-rise${RISE}.json`), JSON.stringify({ rate: RATE, intervalS: INTERVAL, rise: RISE, rows, paths, ratios }, null, 2));
})().catch((e) => { console.error(e); process.exit(1); });
