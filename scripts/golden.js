#!/usr/bin/env node
// The expected output of `idha synth` for every bundled example topology, byte for byte: every file it
// writes, and what it prints (the estimates table on stdout, the warnings on stderr). The safety net
// for refactors that must not change behaviour.
//   node scripts/golden.js --check    compare with test/expected/; list every difference; exit 1 on any
//   node scripts/golden.js --accept   rewrite test/expected/ from today's output (review the git diff)
// `npm run golden:accept` builds first.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO = path.resolve(__dirname, '..');
// IDHA_GOLDEN_EXPECTED points the check elsewhere (the test's negative control).
const EXPECTED = process.env.IDHA_GOLDEN_EXPECTED || path.join(REPO, 'test', 'expected');
// session-failover.yaml is read by `idha peers`, not `idha synth` (it has no targets).
const EXAMPLES = fs.readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yaml') && f !== 'session-failover.yaml').sort();

function files(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))])).sort();
}

/** Synthesizes every example into `root/<example>/files` (not out/, which .gitignore skips), with `stdout.txt` and `stderr.txt` beside it. */
function synthAll(root) {
  for (const f of EXAMPLES) {
    const name = f.replace(/\.yaml$/, '');
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    // A relative config path, as a user types it: it appears in the output.
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'idha.js'), 'synth', '--config', `examples/${f}`, '--out', path.join(dir, 'files')], { cwd: REPO, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`idha synth --config examples/${f} exited ${r.status}: ${r.stderr}`);
    // The temporary folder's name, absolute or relative to the repository, is not part of the output.
    // Relative forms first: the relative path's text depends on how deep the checkout is, and may hold the absolute one.
    const forms = [[path.relative(REPO, path.join(dir, 'files')), '<out>'], [path.join(dir, 'files'), '<out>'], [path.relative(REPO, dir), '<dir>'], [dir, '<dir>']];
    const mask = (t) => forms.reduce((x, [from, to]) => x.split(from).join(to), t);
    fs.writeFileSync(path.join(dir, 'stdout.txt'), mask(r.stdout));
    fs.writeFileSync(path.join(dir, 'stderr.txt'), mask(r.stderr));
  }
}

function main() {
  const mode = process.argv[2];
  if (mode !== '--check' && mode !== '--accept') {
    console.error('usage: node scripts/golden.js --check | --accept');
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-golden-'));
  try {
    synthAll(tmp);
    if (mode === '--accept') {
      fs.rmSync(EXPECTED, { recursive: true, force: true });
      fs.cpSync(tmp, EXPECTED, { recursive: true });
      console.log(`golden: test/expected/ rewritten from ${EXAMPLES.length} examples (${files(EXPECTED).length} files); review it with git diff`);
      return;
    }
    if (!fs.existsSync(EXPECTED)) throw new Error('test/expected/ is missing: run npm run golden:accept');
    const have = files(tmp);
    const want = files(EXPECTED);
    const diffs = [];
    for (const f of want.filter((x) => !have.includes(x))) diffs.push(`missing now: ${f}`);
    for (const f of have.filter((x) => !want.includes(x))) diffs.push(`new: ${f}`);
    for (const f of have.filter((x) => want.includes(x))) {
      const a = fs.readFileSync(path.join(EXPECTED, f), 'utf8');
      const b = fs.readFileSync(path.join(tmp, f), 'utf8');
      if (a === b) continue;
      const al = a.split('\n');
      const bl = b.split('\n');
      const i = al.findIndex((l, k) => l !== bl[k]);
      const at = i < 0 ? al.length : i;
      diffs.push(`changed: ${f} line ${at + 1}\n  expected: ${JSON.stringify((al[at] ?? '').slice(0, 300))}\n  now:      ${JSON.stringify((bl[at] ?? '').slice(0, 300))}`);
    }
    if (diffs.length > 0) {
      console.error(`golden: ${diffs.length} difference(s) from test/expected/ (if intended: npm run golden:accept, then review the diff)\n${diffs.join('\n')}`);
      process.exit(1);
    }
    console.log(`golden: ${EXAMPLES.length} examples, ${have.length} files, byte-identical to test/expected/`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
