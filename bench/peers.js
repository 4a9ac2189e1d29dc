#!/usr/bin/env node
// Benchmark of the session-failover planner (`idha peers`): plan time and heap for clusters of
// 250, 500, 1000 and 2000 servers in 10 subnets, each against the size before it in the same run.
// Peer ranking compares every pair (n^2 log n) and the survival check enumerates every pair of
// failed servers (n^2): doubling n should cost about 4x, never more.
//   node bench/peers.js [--runs N]
// Prints a table and ratios; asserts nothing.
'use strict';
const path = require('path');
const { SessionFailoverPlan } = require(path.join(__dirname, '..', 'dist', 'lib', 'session-failover', 'session-failover-plan'));

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3);
const sizes = [250, 500, 1000, 2000];
const cluster = (n) => ({
  servers: Array.from({ length: n }, (_, i) => `10.${i % 10}.${Math.floor(i / 250)}.${(i % 250) + 1}`),
  usersPerServer: 2000,
  loginsPerSecond: 50,
  peerCount: 3,
});

console.log(`identity-ha session-failover planner benchmark: node ${process.version}; median of ${RUNS} runs, 3 peers each`);
let previous;
for (const n of sizes) {
  const input = cluster(n);
  const times = [];
  let plan;
  for (let r = 0; r < RUNS; r++) {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    plan = SessionFailoverPlan.plan(input);
    plan.toTable();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const heap = process.memoryUsage().heapUsed / 1048576;
  const sets = plan.survival.reduce((s, v) => s + v.setsChecked, 0);
  console.log(`  ${String(n).padStart(5)} servers: ${ms.toFixed(0).padStart(6)} ms, heap ${heap.toFixed(0)} MiB, ${sets} failure sets checked${previous ? `, ${(ms / previous).toFixed(1)}x the time of half as many` : ''}`);
  previous = ms;
}
