#!/usr/bin/env node
// Benchmark of `idha synth`: wall time and peak RSS beside baselines measured in the same run.
//   node bench/synth.js [--runs N] [--sizes 1,100,1000]
// Prints a table and ratios; asserts nothing. Results are also written to bench/results/synth.json.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const HOOK = path.join(__dirname, 'report-rss.js');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', '5'));
const SIZES = opt('--sizes', '1,100,1000').split(',').map(Number);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-'));

function measure(label, argv, runs = RUNS) {
  const walls = []; const rss = [];
  for (let r = 0; r < runs; r++) {
    const report = path.join(work, `r-${process.pid}-${r}.json`);
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, ['--require', HOOK, ...argv], {
      cwd: work, encoding: 'utf8', env: { ...process.env, IDHA_BENCH_REPORT: report, CHECKPOINT_DISABLE: '1' }, maxBuffer: 1 << 26,
    });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (res.status !== 0) throw new Error(`${label} failed: ${res.stderr}`);
    rss.push(JSON.parse(fs.readFileSync(report, 'utf8')).maxRssKiB / 1024);
  }
  walls.sort((a, b) => a - b);
  const row = { label, wallS: walls[Math.floor(walls.length / 2)], peakRssMiB: Math.max(...rss), runs };
  console.log(`  ${label.padEnd(44)} ${row.wallS.toFixed(3).padStart(7)} s  ${row.peakRssMiB.toFixed(0).padStart(5)} MiB  (median of ${runs})`);
  return row;
}

function countResources(outDir) {
  let n = 0;
  const stacks = path.join(outDir, 'stacks');
  for (const s of fs.readdirSync(stacks)) {
    const tf = JSON.parse(fs.readFileSync(path.join(stacks, s, 'cdk.tf.json'), 'utf8'));
    for (const byName of Object.values(tf.resource || {})) n += Object.keys(byName).length;
  }
  return n;
}

function topology(n) {
  const services = [];
  for (let i = 0; i < n; i++) {
    const h = [`10.${(i >> 8) & 255}.${i & 255}.10`, `10.${(i >> 8) & 255}.${i & 255}.20`];
    services.push({
      name: `iq${i}`, primary: { address: h[0], iqserviceVersion: '8.4p2' }, secondary: { address: h[1], iqserviceVersion: '8.4p2' },
      tlsPort: 5051, allowedClients: ['10.250.0.0/24'],
      targets: {
        azure: { resourceGroupName: 'rg', location: 'westeurope', subnetId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s', networkSecurityGroupName: `nsg${i}` },
        aws: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], targetSecurityGroupId: 'sg-0123abcd' },
      },
    });
  }
  const file = path.join(work, `topology-${n}.json`);
  fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'bench', providers: { aws: { region: 'eu-west-1' } }, services }));
  return file;
}

const IDHA = path.join(ROOT, 'bin', 'idha.js');
const PLAIN = path.join(__dirname, 'apps', 'plain-app.js');
console.log(`identity-ha synth benchmark: node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0].model}`);
const results = {};
console.log('\n1. The bundled example (Azure + AWS + F5), against baselines:');
results.node = measure('node -e 0', ['-e', '0']);
results.idha = measure('idha synth (example, all targets)', [IDHA, 'synth', '--config', path.join(ROOT, 'examples/iqservice-pair.yaml'), '--out', path.join(work, 'o-example')]);
process.env.IMPORTS = 'barrel';
results.barrel = measure('same Azure+AWS resources, barrel imports', [PLAIN, '1', path.join(work, 'o-barrel')], Math.min(RUNS, 3));
process.env.IMPORTS = 'deep';
results.deep1 = measure('same Azure+AWS resources, deep imports', [PLAIN, '1', path.join(work, 'o-deep')]);
console.log(`  ratios: barrel / idha = ${(results.barrel.wallS / results.idha.wallS).toFixed(1)}x faster (target >= 15x); idha - node = ${(results.idha.wallS - results.node.wallS).toFixed(3)} s`);

console.log('\n2. Scale: N pairs in one topology (Azure + AWS) against the plain deep-import app (the floor):');
results.scale = [];
for (const n of SIZES) {
  const runs = n >= 1000 ? 1 : n >= 100 ? 3 : RUNS;
  const file = topology(n);
  const idha = measure(`idha synth, ${n} pairs`, [IDHA, 'synth', '--config', file, '--platform', 'azure,aws', '--out', path.join(work, `o-idha-${n}`)], runs);
  const plain = measure(`plain deep-import app, ${n} pairs`, [PLAIN, String(n), path.join(work, `o-plain-${n}`)], runs);
  const ri = countResources(path.join(work, `o-idha-${n}`)); const rp = countResources(path.join(work, `o-plain-${n}`));
  console.log(`  ${n} pairs: idha / floor = ${(idha.wallS / plain.wallS).toFixed(2)}x time, ${(idha.peakRssMiB / plain.peakRssMiB).toFixed(2)}x memory (target <= 1.3x); resources ${ri} vs ${rp}`);
  results.scale.push({ pairs: n, idha, plain, resources: { idha: ri, plain: rp } });
}
// 3. Which framework idha synth should run on: the same render (the worker's renderTopology, no
// CLI start-up) with the cdktf 0.21 build (dist/) and the CDK Terrain 0.24 build (cdktn/dist/,
// `npm run build:cdktn`), one after the other in this run.
const RENDER = path.join(__dirname, 'apps', 'render-with.js');
const CDKTN_DIST = path.join(ROOT, 'cdktn', 'dist');
if (!fs.existsSync(path.join(CDKTN_DIST, 'lib', 'synth', 'synthesize.js'))) throw new Error('cdktn/dist is missing: run npm run build:cdktn first');
console.log('\n3. Framework: the same render on cdktf 0.21 and on cdktn 0.24:');
results.framework = [];
for (const [label, config, runs] of [['bundled example', path.join(ROOT, 'examples/iqservice-pair.yaml'), RUNS], ['100 pairs', topology(100), 3]]) {
  const cdktf = measure(`cdktf 0.21, ${label}`, [RENDER, path.join(ROOT, 'dist'), config, path.join(work, `f-cdktf-${runs}`)], runs);
  const cdktn = measure(`cdktn 0.24, ${label}`, [RENDER, CDKTN_DIST, config, path.join(work, `f-cdktn-${runs}`)], runs);
  console.log(`  ${label}: cdktn / cdktf = ${(cdktn.wallS / cdktf.wallS).toFixed(2)}x time, ${(cdktn.peakRssMiB / cdktf.peakRssMiB).toFixed(2)}x memory`);
  results.framework.push({ label, cdktf, cdktn });
}
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'synth.json'), JSON.stringify(results, null, 2));
fs.rmSync(work, { recursive: true, force: true });
