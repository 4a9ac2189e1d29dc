/**
 * Behaviour kept: `idha synth` on every bundled example writes byte-identical files and prints the
 * same estimates and warnings as test/expected/ (scripts/golden.js). A change that is meant goes
 * through `npm run golden:accept` and shows in the diff of test/expected/.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO } from '../helpers';

const golden = (env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(REPO, 'scripts', 'golden.js'), '--check'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, ...env },
  });

describe('idha synth output of every bundled example, against test/expected/', { timeout: 900_000 }, () => {
  it("GIVEN today's build THEN every file and the printed estimates and warnings are byte-identical", () => {
    const r = golden();
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /byte-identical/);
  });

  it('THEN every expected file is committed: git ignores none of them (a clean clone has them all)', () => {
    const all: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }))
        e.isDirectory() ? walk(path.join(d, e.name)) : all.push(path.relative(REPO, path.join(d, e.name)));
    };
    walk(path.join(REPO, 'test', 'expected'));
    assert.ok(all.length > 100, `${all.length} files`);
    const r = spawnSync('git', ['check-ignore', '--no-index', ...all], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.stdout.trim(), '', `ignored by .gitignore: ${r.stdout}`);
  });

  it('negative control: GIVEN an expected file changed by one byte THEN the check fails and names that file and line', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-golden-neg-'));
    try {
      fs.cpSync(path.join(REPO, 'test', 'expected'), copy, { recursive: true });
      const f = path.join(copy, 'web-tier', 'files', 'snippets', 'idm-web', 'haproxy', 'haproxy.cfg');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('retries 3', 'retries 2'));
      const r = golden({ IDHA_GOLDEN_EXPECTED: copy });
      assert.equal(r.status, 1, r.stdout);
      assert.match(
        r.stderr,
        /changed: web-tier\/files\/snippets\/idm-web\/haproxy\/haproxy\.cfg line \d+\n {2}expected: ".*retries 2"\n {2}now: {6}".*retries 3"/,
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
