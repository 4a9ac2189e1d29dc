#!/usr/bin/env node
// Benchmark of the session-failover planner (`idha peers`): plan and output time, heap and the
// output's size for 1,000 and 10,000 servers (3 peers each, 40 /24 subnets), and for 1,500 servers
// with 1,499 peers each (the largest output a valid input asks for). Each size runs in a process of
// its own (so its peak RSS is its own), and is reported as a ratio against the 1,000-server run of
// the same invocation, never as an absolute pass/fail.
// The planner ranks peers from the address order (a server's candidates, level by level of common
// prefix, are a contiguous run around it), and decides survival in closed form, so 10x the servers
// should cost about 10x (n log n), not 100x.
//   node bench/peers.js [--runs N]
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

if (process.argv[2] === '--one') {
  const { SessionFailoverPlan } = require(path.join(__dirname, '..', 'dist', 'lib', 'session-failover', 'session-failover-plan'));
  const [n, peerCount, runs] = process.argv.slice(3).map(Number);
  const servers = Array.from({ length: n }, (_, i) => `10.${i % 40}.${Math.floor(i / 40) % 250}.${(Math.floor(i / 10000) % 250) + 1}`);
  const times = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    const plan = SessionFailoverPlan.plan({ servers, usersPerServer: 2000, loginsPerSecond: 50, peerCount });
    bytes = plan.toTable().length + plan.toJson().length + plan.toMermaid().length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ ms: times[Math.floor(times.length / 2)], rssMiB: process.memoryUsage().rss / 1048576, heapMiB: process.memoryUsage().heapUsed / 1048576, bytes }));
  process.exit(0);
}

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3);
const cases = [[1000, 3], [10000, 3], [1500, 1499]];
console.log(`identity-ha session-failover planner benchmark: node ${process.version}; median of ${RUNS} runs (plan + table + JSON + Mermaid), one process per size`);
let base;
for (const [n, peers] of cases) {
  const r = spawnSync(process.execPath, [__filename, '--one', String(n), String(peers), String(RUNS)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) { console.log(`  ${n} servers: failed: ${r.stderr}`); process.exitCode = 1; continue; }
  const m = JSON.parse(r.stdout);
  base = base ?? m;
  console.log(`  ${String(n).padStart(6)} servers, ${String(peers).padStart(4)} peers: ${m.ms.toFixed(0).padStart(5)} ms (${(m.ms / base.ms).toFixed(1)}x the 1,000-server run), peak RSS ${m.rssMiB.toFixed(0)} MiB (${(m.rssMiB / base.rssMiB).toFixed(2)}x), output ${(m.bytes / 1048576).toFixed(1)} MiB`);
}
