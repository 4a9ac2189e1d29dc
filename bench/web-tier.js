#!/usr/bin/env node
// Web tier benchmark: requests per second through the generated balancer configs against the same
// Tomcat directly, in one run, on loopback.
//   npm run build && node bench/web-tier.js [--seconds 6] [--rounds 3] [--connections 16] [--quick]
//
// One Tomcat 10 instance (Debian tomcat10-user) serves a JSP without a session; in front of it, as
// `idha synth` renders them for a one-node tier: Apache httpd 2.4 + mod_jk 1.2 (AJP 1.3), httpd +
// mod_proxy_balancer (HTTP), and HAProxy (mode http). Each target gets --connections keep-alive
// clients for --seconds after a warm-up of the same length, one target at a time. The load comes from
// this Node process on the same 2 cores, so the ratios, not the absolute figures, are the result.
// Each httpd runs in Debian's layout (a private copy of /etc/apache2, a2enmod, a2enconf), as users run
// it. Beside req/s, each row has the CPU time per request of the balancer's processes and of Tomcat,
// from utime + stime in /proc/<pid>/stat (the balancer's main process and its children), and a row
// for mod_jk with ping_mode=CI (no CPing before each request) to weigh what the generated ping_mode=A
// costs. Prints a table with each balancer's rate as a ratio of the direct rate; asserts nothing.
// Results: bench/results/web-tier.json.
'use strict';
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const lib = require('../dist/lib/internal');
const { Testing, TerraformStack } = require('cdktf');
const { debianApache } = require('../dist/test/debian-apache');
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU milliseconds (user + system) of `pid` and its children, from /proc. */
function cpuMs(pid) {
  let ticks = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) ... utime(11) stime(12).
    if (Number(d) === pid || Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const QUICK = args.includes('--quick');
const SECONDS = Number(opt('--seconds', QUICK ? '3' : '6'));
// The targets are measured in turns, ROUNDS times, and each row is the median of its rounds: the
// balancer, Tomcat and the load share two cores, and one pass in a fixed order varied by 30% and more.
const ROUNDS = Number(opt('--rounds', QUICK ? '1' : '3'));
const CONNECTIONS = Number(opt('--connections', '16'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-web-'));
fs.chmodSync(dir, 0o755);
const cleanup = [];
process.on('exit', () => { for (const f of cleanup.reverse()) try { f(); } catch { /* gone */ } fs.rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

function get(port, p, agent) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
  });
}

/** Requests per second with `CONNECTIONS` keep-alive loops for `seconds`. */
async function load(port, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const end = Date.now() + seconds * 1000;
  let ok = 0; let failed = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < end) (await get(port, '/identity/ping.jsp', agent)) === 200 ? ok++ : failed++;
  }));
  agent.destroy();
  return { rps: ok / seconds, failed };
}

async function main() {
  for (const c of ['tomcat10-instance-create', 'apache2ctl', 'haproxy']) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) throw new Error(`${c} missing: apt-get install -y tomcat10 tomcat10-user apache2 libapache2-mod-jk haproxy`);
  }
  const ports = {};
  for (const k of ['http', 'ajp', 'shutdown', 'jk', 'proxy', 'haproxy']) ports[k] = await freePort();
  const conf = path.join(dir, 'conf'); fs.mkdirSync(conf);
  const logs = path.join(dir, 'logs'); fs.mkdirSync(logs); fs.chmodSync(logs, 0o777);
  fs.writeFileSync(path.join(dir, 'secret.conf'), 'Define IDHA_AJP_SECRET bench-secret\n', { mode: 0o600 });
  const props = (targets, frontendPort) => ({
    nodes: [{ name: 'tomcat1', address: '127.0.0.1', httpPort: ports.http, ajpPort: ports.ajp }],
    applications: [{ name: 'operator', paths: ['/identity'], healthPath: '/identity/ping.jsp' }],
    frontendPort, targets,
  });
  const tier = (targets, port) => new lib.HaWebTier(new TerraformStack(Testing.app(), 's'), 'bench', props(targets, port));
  const jk = tier([new lib.ModJkTarget({ ajpSecretFile: path.join(dir, 'secret.conf'), configFolder: conf, logFolder: logs })], ports.jk);
  const px = tier([new lib.ModProxyBalancerTarget({ configFolder: conf })], ports.proxy);
  const hp = tier([new lib.HaproxyWebTarget({ bindAddress: '127.0.0.1', logTarget: 'stdout', maxconn: 4000 })], ports.haproxy);
  for (const s of [...jk.snippets(), ...px.snippets(), ...hp.snippets()]) fs.writeFileSync(path.join(conf, path.basename(s.fileName)), s.content);

  // Tomcat with the generated fragment.
  const base = path.join(dir, 'tomcat1');
  if (spawnSync('tomcat10-instance-create', ['-p', String(ports.http), '-c', String(ports.shutdown), base]).status !== 0) throw new Error('tomcat10-instance-create failed');
  const fragment = jk.snippets().find((s) => s.fileName.startsWith('tomcat/')).content;
  const xmlFile = path.join(base, 'conf', 'server.xml');
  fs.writeFileSync(xmlFile, fs.readFileSync(xmlFile, 'utf8').replace('<Engine name="Catalina" defaultHost="localhost">', /<Engine [^>]+>/.exec(fragment)[0])
    .replace('<Service name="Catalina">', `<Service name="Catalina">\n    ${/<Connector [^>]+\/>/.exec(fragment)[0]}`));
  fs.appendFileSync(path.join(base, 'conf', 'catalina.properties'), '\nidha.ajp.secret=bench-secret\n');
  fs.mkdirSync(path.join(base, 'webapps', 'identity'), { recursive: true });
  fs.writeFileSync(path.join(base, 'webapps', 'identity', 'ping.jsp'), '<%@ page contentType="text/plain" session="false" %>pong\n');
  const env = { ...process.env, CATALINA_HOME: '/usr/share/tomcat10', CATALINA_BASE: base, CATALINA_PID: path.join(base, 'tomcat.pid'), CATALINA_OPTS: '-Xmx512m' };
  if (spawnSync('/usr/share/tomcat10/bin/catalina.sh', ['start'], { env }).status !== 0) throw new Error('tomcat did not start');
  cleanup.push(() => process.kill(Number(fs.readFileSync(path.join(base, 'tomcat.pid'), 'utf8')), 'SIGKILL'));
  for (let i = 0; i < 120 && (await get(ports.http, '/identity/ping.jsp')) !== 200; i++) await sleep(250);

  // Debian's layout, as users run it: a private copy of /etc/apache2, a2enmod, the file in conf-available, a2enconf.
  const pids = {};
  const httpd = (name, port, file, mods, off, edit = (x) => x) => {
    const a = debianApache(dir, name, port, { enableMods: mods, disableMods: off, confs: { [path.basename(file)]: edit(fs.readFileSync(file, 'utf8')) } });
    fs.appendFileSync(path.join(a.root, 'apache2.conf'), '\nMaxKeepAliveRequests 0\n');
    const t = a.check();
    if (t.status !== 0) throw new Error(t.output);
    a.start();
    cleanup.push(() => a.stop());
    pidFiles[name] = path.join(a.root, 'run', 'apache2.pid');
  };
  const pidFiles = {};
  httpd('jk', ports.jk, path.join(conf, 'idha-bench.conf'), ['jk'], []);
  ports.jkci = await freePort();
  httpd('jkci', ports.jkci, path.join(conf, 'idha-bench.conf'), ['jk'], [], (x) => x.replace(/ping_mode=A/g, 'ping_mode=CI').replace(/mod_jk-bench\./g, 'mod_jk-bench-ci.'));
  httpd('proxy', ports.proxy, path.join(conf, 'idha-bench-proxy.conf'), ['proxy', 'proxy_http', 'proxy_balancer', 'proxy_hcheck', 'lbmethod_byrequests'], ['jk']);
  const h = spawn('haproxy', ['-db', '-f', path.join(conf, 'haproxy.cfg')], { stdio: 'ignore' });
  cleanup.push(() => h.kill('SIGKILL'));
  pids.haproxy = h.pid;
  for (const [k, f] of Object.entries(pidFiles)) {
    for (let i = 0; i < 80 && !fs.existsSync(f); i++) await sleep(100);
    pids[k] = Number(fs.readFileSync(f, 'utf8').trim());
  }
  const tomcatPid = Number(fs.readFileSync(path.join(base, 'tomcat.pid'), 'utf8'));
  for (const k of ['jk', 'jkci', 'proxy', 'haproxy']) for (let i = 0; i < 80 && (await get(ports[k], '/identity/ping.jsp')) !== 200; i++) await sleep(250);

  const targets = [['direct Tomcat (HTTP)', ports.http, undefined], ['httpd + mod_jk (AJP), ping_mode=A', ports.jk, 'jk'], ['httpd + mod_jk, ping_mode=CI', ports.jkci, 'jkci'],
    ['httpd + mod_proxy_balancer', ports.proxy, 'proxy'], ['HAProxy (mode http)', ports.haproxy, 'haproxy']];
  const runs = targets.map(() => []);
  for (const [, port] of targets) await load(port, Math.max(1, SECONDS / 2)); // warm-up: JIT, JSP, connection pools
  for (let round = 0; round < ROUNDS; round++) {
    // Each round in another order, so that no target always follows the same one.
    const order = targets.map((_, i) => i);
    for (let k = 0; k < round; k++) order.push(order.shift());
    for (const i of order) {
      const [, port, key] = targets[i];
      const lb0 = key ? cpuMs(pids[key]) : 0;
      const tc0 = cpuMs(tomcatPid);
      const r = await load(port, SECONDS);
      const n = r.rps * SECONDS;
      runs[i].push({ rps: r.rps, failed: r.failed, lb: key ? ((cpuMs(pids[key]) - lb0) * 1000) / n : 0, tc: ((cpuMs(tomcatPid) - tc0) * 1000) / n });
    }
  }
  const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
  const rows = targets.map(([name], i) => ({
    name, rps: Math.round(median(runs[i].map((x) => x.rps))), rounds: runs[i].map((x) => Math.round(x.rps)), failed: runs[i].reduce((a, x) => a + x.failed, 0),
    balancerCpuUsPerRequest: Math.round(median(runs[i].map((x) => x.lb))), tomcatCpuUsPerRequest: Math.round(median(runs[i].map((x) => x.tc))),
  }));
  const direct = rows[0].rps;
  console.log(`web tier: ${CONNECTIONS} keep-alive clients, ${SECONDS} s per target and round, ${ROUNDS} rounds (medians), GET /identity/ping.jsp (no session); Node ${process.version}, ${os.cpus().length} cores`);
  console.log('target                              req/s  ratio to direct  balancer CPU/req  Tomcat CPU/req  failed  rounds (req/s)');
  for (const r of rows) console.log(`${r.name.padEnd(34)} ${String(r.rps).padStart(6)}  ${(r.rps / direct).toFixed(2).padStart(14)}x  ${String(r.balancerCpuUsPerRequest).padStart(13)} us  ${String(r.tomcatCpuUsPerRequest).padStart(11)} us  ${String(r.failed).padStart(6)}  ${r.rounds.join(' / ')}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'web-tier.json'), `${JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, node: process.version, rows }, null, 2)}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
