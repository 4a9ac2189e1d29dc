#!/usr/bin/env node
// Benchmark of bad topology input: every case must be answered with a clean exit 2, quickly and in
// bounded memory. Wall time and peak RSS of `idha synth --config <case>`, beside `idha --help` (the
// CLI's own start-up) and a valid synth of the bundled example, all in this run.
//   node bench/bad-input.js [--runs N] [--mib 10]
// Prints a table, ratios and each case's verdict against the target (< 2 s, < 300 MiB for inputs of
// at most 10 MiB); asserts nothing. Results go to bench/results/bad-input.json.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const IDHA = path.join(ROOT, 'bin', 'idha.js');
const HOOK = path.join(__dirname, 'report-rss.js');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', '3'));
const MIB = Number(opt('--mib', '10'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-badbench-'));

let seed = 42;
const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
function sized(bytes, unit) { return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes); }

/** Each case: name, file content (Buffer or string). Sizes just under the 1 MiB read limit stress the parser; larger ones the limit. */
const under = 1024 * 1024 - 4096;
const cases = {
  'random punctuation, 1 MiB': (() => { const c = '{}[]:,-?&*!|>\'"%@`# \n'; let s = ''; for (let i = 0; i < under; i++) s += c[rand() % c.length]; return s; })(),
  [`random punctuation, ${MIB} MiB`]: (() => { const c = '{}[]:,-?&*!|>\'"%@`# \n'; let s = ''; for (let i = 0; i < MIB * 1048576; i++) s += c[rand() % c.length]; return s; })(),
  'a map of 90,000 unknown keys': ('version: 1\nservices: []\n' + Array.from({ length: 90000 }, (_, i) => `k${i}: ${i}`).join('\n') + '\n').slice(0, under),
  'a block list of 170,000 items': 'version: 1\nservices:\n' + sized(under - 40, '  - 1\n'),
  'a flow list of 500,000 items on one line': 'version: 1\nservices: [' + sized(under - 40, '1,') + '1]\n',
  'a map with one key repeated 100,000 times': 'version: 1\nservices: []\n' + sized(under - 40, 'dup: 1\n'),
  '1,000,000 opening brackets': 'services: ' + sized(under - 20, '['),
  'a 1 MiB string value': `version: 1\nservices:\n  - name: "${sized(under - 40, 'x')}"\n`,
  'a billion-laughs alias bomb under an unknown key': 'version: 1\nservices: []\nx:\n  a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n' + ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((k, i, a) => `  ${k}: &${k} [${Array(9).fill(`*${i === 0 ? 'a' : a[i - 1]}`).join(',')}]`).join('\n') + '\n',
  '4,500 services with bad ports (0.96 MiB of JSON)': JSON.stringify({ version: 1, services: Array.from({ length: 4500 }, (_, i) => ({ name: `s${i}`, port: 70000, primary: { address: '10.0.0.1', iqserviceVersion: '1' }, secondary: { address: '10.0.0.2', iqserviceVersion: '1' }, allowedClients: ['10.0.0.0/8'], targets: { f5: { virtualAddress: '10.0.0.5' } } })) }),
  'UTF-16 of the bundled example': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fs.readFileSync(path.join(ROOT, 'examples', 'iqservice-pair.yaml'), 'utf8'), 'utf16le')]),
};

function measure(label, argv) {
  const walls = []; const rss = []; let last;
  for (let r = 0; r < RUNS; r++) {
    const report = path.join(work, `r-${r}.json`);
    const t0 = process.hrtime.bigint();
    last = spawnSync(process.execPath, ['--require', HOOK, ...argv], { cwd: work, encoding: 'utf8', env: { ...process.env, IDHA_BENCH_REPORT: report, CHECKPOINT_DISABLE: '1' }, maxBuffer: 1 << 28 });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    rss.push(JSON.parse(fs.readFileSync(report, 'utf8')).maxRssKiB / 1024);
  }
  walls.sort((a, b) => a - b);
  return { label, wallS: walls[Math.floor(walls.length / 2)], peakRssMiB: Math.max(...rss), status: last.status, stderrBytes: Buffer.byteLength(last.stderr), trace: /\n\s+at /.test(last.stderr), firstLine: last.stderr.split('\n').slice(0, 2).join(' | ').slice(0, 110) };
}

console.log(`identity-ha bad-input benchmark: node ${process.version}, ${os.cpus().length} cores; median of ${RUNS} runs`);
const help = measure('idha --help (start-up baseline)', [IDHA, '--help']);
const good = measure('idha synth, bundled example (valid)', [IDHA, 'synth', '--config', path.join(ROOT, 'examples', 'iqservice-pair.yaml'), '--out', path.join(work, 'o')]);
const rows = [help, good];
for (const [name, content] of Object.entries(cases)) {
  const file = path.join(work, `case-${rows.length}.yaml`);
  fs.writeFileSync(file, content);
  const size = fs.statSync(file).size;
  const row = measure(`${name}`, [IDHA, 'synth', '--config', file, '--out', path.join(work, 'o')]);
  row.inputMiB = size / 1048576;
  row.verdict = row.status === 2 && !row.trace && row.wallS < 2 && row.peakRssMiB < 300 && row.stderrBytes < 64 * 1024 ? 'met' : 'NOT MET';
  rows.push(row);
}
console.log(`\n  ${'input'.padEnd(50)} ${'MiB'.padStart(5)} ${'wall s'.padStart(7)} ${'RSS MiB'.padStart(8)} ${'x help'.padStart(7)} exit  stderr  target`);
for (const r of rows) {
  console.log(`  ${r.label.padEnd(50)} ${(r.inputMiB ?? 0).toFixed(2).padStart(5)} ${r.wallS.toFixed(3).padStart(7)} ${r.peakRssMiB.toFixed(0).padStart(8)} ${(r.wallS / help.wallS).toFixed(1).padStart(7)} ${String(r.status).padStart(4)} ${String(r.stderrBytes).padStart(7)}  ${r.verdict ?? ''}`);
}
console.log('\n  first lines of each error:');
for (const r of rows.slice(2)) console.log(`  ${r.label}: ${r.firstLine}`);
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'bad-input.json'), JSON.stringify(rows, null, 2));
fs.rmSync(work, { recursive: true, force: true });
