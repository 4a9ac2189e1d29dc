/**
 * The commands as CI runs them: `idha validate` (terraform validate -json's shape), `idha synth
 * --check` (compares, never writes), `idha synth --format json`, `--strict`, and shell completion.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO, runIdha, snapshotDir } from '../../helpers';

const EX = (name: string) => path.join(REPO, 'examples', name);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-ci-'));

describe('idha validate', () => {
  it('GIVEN the bundled example THEN valid, exit 0, the terraform validate -json shape; nothing is written', () => {
    const cwd = tmp();
    const r = runIdha(['validate', '--config', EX('iqservice-pair.yaml'), '--format', 'json'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { format_version: '1.0', valid: true, error_count: 0, warning_count: 0, diagnostics: [] });
    assert.deepEqual(fs.readdirSync(cwd), [], 'no output folder');
  });

  it('GIVEN a topology with four bad values THEN exit 1 and four error diagnostics, each with its field path, summary and fix', () => {
    const r = runIdha(['validate', '--config', path.join(REPO, 'test', 'fixtures', 'bad-values.yaml'), '--format', 'json'], tmp());
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual([j.valid, j.error_count, j.warning_count], [false, 4, 0]);
    for (const d of j.diagnostics) {
      assert.deepEqual(Object.keys(d), ['severity', 'summary', 'detail', 'path']);
      assert.equal(d.severity, 'error');
      assert.ok(d.summary.startsWith(`${d.path}: got `), d.summary);
    }
    assert.ok(j.diagnostics.some((d: { path: string }) => d.path === 'services[0].port'));
  });

  it('GIVEN a topology with warnings THEN valid with warning diagnostics; with --strict THEN invalid, exit 1', () => {
    const r = runIdha(['validate', '--config', EX('web-tier.yaml'), '--format', 'json'], tmp());
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.valid, true);
    assert.ok(j.warning_count >= 1);
    assert.equal(j.diagnostics[0].severity, 'warning');
    assert.equal(j.diagnostics[0].path, 'idm-web');
    const strict = runIdha(['validate', '--config', EX('web-tier.yaml'), '--strict'], tmp());
    assert.equal(strict.status, 1);
    assert.match(strict.stdout, /: invalid \(0 error\(s\), \d+ warning\(s\), --strict\)\n$/);
  });

  it('GIVEN a file that does not exist THEN exit 2 naming --config; GIVEN a text report THEN each error with its fix', () => {
    const r = runIdha(['validate', '--config', 'no-such.yaml'], tmp());
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--config: got "no-such\.yaml"/);
    const t = runIdha(['validate', '--config', path.join(REPO, 'test', 'fixtures', 'bad-values.yaml')], tmp());
    assert.match(t.stdout, /^error: services\[0\]\.port: got 70000; allowed: an integer from 1 to 65535\n/);
    assert.match(t.stdout, /\n {2}fix: install the same IQService version/);
  });
});

describe('idha synth --check', () => {
  it('GIVEN no output yet THEN exit 1 listing what would be added, and nothing is created', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--check', '--config', EX('iqservice-pair.yaml')], cwd);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^cdktf\.out differs from what idha synth would write \(run idha synth to update it\):\n {2}added: manifest\.json\n/);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it("GIVEN a synthesized folder THEN in sync (exit 0); GIVEN a changed file and the user's state THEN exit 1 naming the file; never writes", () => {
    const cwd = tmp();
    assert.equal(runIdha(['synth', '--config', EX('iqservice-pair.yaml')], cwd).status, 0);
    const ok = runIdha(['synth', '--check', '--config', EX('iqservice-pair.yaml')], cwd);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, 'cdktf.out is what idha synth would write.\n');
    fs.appendFileSync(path.join(cwd, 'cdktf.out', 'snippets', 'iqservice', 'haproxy.cfg'), '# edited by hand\n');
    fs.writeFileSync(path.join(cwd, 'cdktf.out', 'stacks', 'identity-ha-aws', 'terraform.identity-ha-aws.tfstate'), '{}');
    fs.rmSync(path.join(cwd, 'cdktf.out', 'snippets', 'iqservice', 'f5-tmsh.txt'));
    const before = snapshotDir(cwd);
    const parentBefore = fs.readdirSync(cwd).sort();
    const r = runIdha(['synth', '--check', '--format', 'json', '--config', EX('iqservice-pair.yaml')], cwd);
    assert.equal(r.status, 1);
    assert.deepEqual(JSON.parse(r.stdout), {
      out: 'cdktf.out',
      inSync: false,
      changed: ['snippets/iqservice/haproxy.cfg'],
      added: ['snippets/iqservice/f5-tmsh.txt'],
      removed: [],
      warnings: [],
    });
    assert.deepEqual(snapshotDir(cwd), before, 'nothing in the folder changed');
    assert.deepEqual(fs.readdirSync(cwd).sort(), parentBefore, 'no staging folder beside it');
  });

  it('GIVEN a platform fewer than the folder has THEN the files idha wrote for it are "removed"; GIVEN bad input THEN exit 2', () => {
    const cwd = tmp();
    assert.equal(runIdha(['synth', '--config', EX('iqservice-pair.yaml')], cwd).status, 0);
    const r = runIdha(['synth', '--check', '--platform', 'haproxy', '--config', EX('iqservice-pair.yaml')], cwd);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /\n {2}removed: stacks\/identity-ha-aws\/cdk\.tf\.json\n/);
    const bad = runIdha(['synth', '--check', '--config', path.join(REPO, 'test', 'fixtures', 'bad-values.yaml')], cwd);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(runIdha(['synth', '--check', '--force'], cwd).status, 2);
  });
});

describe('idha synth --format json and --strict', () => {
  it('GIVEN --format json THEN one JSON object on stdout (files, stacks, host commands, estimates, warnings), nothing on stderr', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--format', 'json', '--config', EX('web-tier.yaml')], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['out', 'files', 'stacks', 'hosts', 'estimates', 'warnings', 'kept']);
    assert.ok(j.files.includes('snippets/idm-web/haproxy/haproxy.cfg'));
    assert.ok(j.warnings.length >= 1 && j.estimates.length >= 1);
    const pair = JSON.parse(runIdha(['synth', '--format', 'json', '--config', EX('iqservice-pair.yaml')], tmp()).stdout);
    assert.match(pair.hosts[0].command, /^idha shim /);
    assert.ok(pair.stacks.every((s: { name: string; state: string }) => s.name && s.state));
  });

  it('GIVEN --strict and a topology with warnings THEN exit 2 listing them, and no output folder; without warnings THEN it writes', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--strict', '--config', EX('web-tier.yaml')], cwd);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^idha: \d+ warnings?, which --strict counts as errors \(nothing was written\):\n {2}- idm-web: /);
    assert.deepEqual(fs.readdirSync(cwd), []);
    assert.equal(runIdha(['synth', '--strict', '--config', EX('iqservice-pair.yaml')], cwd).status, 0);
  });
});

describe('shell completion', () => {
  it('GIVEN idha completion THEN a bash script; GIVEN a partial command line THEN the commands and flags', () => {
    const script = runIdha(['completion']);
    assert.equal(script.status, 0);
    assert.match(script.stdout, /###-begin-idha-completions-###/);
    const cmds = runIdha(['--get-yargs-completions', '']).stdout.split('\n');
    for (const c of ['synth', 'validate', 'lint', 'shim', 'proxy']) assert.ok(cmds.includes(c), `${c} in ${cmds.join(' ')}`);
    assert.ok(runIdha(['--get-yargs-completions', 'lint', '--fail']).stdout.includes('--fail-on'));
  });
});
