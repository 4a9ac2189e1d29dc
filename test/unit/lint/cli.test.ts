/**
 * `idha lint` as CI runs it: its exit codes, its three formats (SARIF validated against the vendored
 * SARIF 2.1.0 schema), suppressions with their reasons, and bad input.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import Ajv4 from 'ajv-draft-04';
import { REPO, runIdha } from '../../helpers';

const FX = (rel: string) => path.join('test', 'fixtures', 'lint', rel);

describe('idha lint: exit codes', () => {
  it('GIVEN a clean file THEN exit 0 and a summary; GIVEN an error THEN exit 1 with file, line, rule and fix', () => {
    const ok = runIdha(['lint', FX('IDHA-HAP-001/pass.haproxy.cfg')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, '1 file: 0 error(s), 0 warning(s), 0 note(s)\n');
    const bad = runIdha(['lint', FX('IDHA-HAP-001/fail.haproxy.cfg')]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /^test\/fixtures\/lint\/IDHA-HAP-001\/fail\.haproxy\.cfg\n  17: error IDHA-HAP-001 The health check connects/);
    assert.match(bad.stdout, /\n      fix: Run `idha shim`/);
    assert.match(bad.stdout, /1 file: 2 error\(s\), 0 warning\(s\), 0 note\(s\)\n$/);
  });

  it('GIVEN only warnings THEN exit 0 by default, 1 with --fail-on warning, 0 with --fail-on none', () => {
    const f = FX('IDHA-KA-003/fail.keepalived.conf');
    assert.equal(runIdha(['lint', f]).status, 0);
    assert.equal(runIdha(['lint', '--fail-on', 'warning', f]).status, 1);
    assert.equal(runIdha(['lint', '--fail-on', 'none', FX('IDHA-HAP-001/fail.haproxy.cfg')]).status, 0);
  });

  it('GIVEN a suppression with a reason THEN the finding is reported with it and does not fail; without a reason THEN IDHA-LINT-001 fails', () => {
    const ok = runIdha(['lint', FX('IDHA-LINT-001/pass.haproxy.cfg')]);
    assert.equal(ok.status, 0, ok.stdout);
    assert.match(ok.stdout, /18: suppressed \(line 17: a half-open check through an F5 in front, ticket OPS-42\) IDHA-HAP-001/);
    assert.match(ok.stdout, /, 1 suppressed\n$/);
    const bad = runIdha(['lint', FX('IDHA-LINT-001/fail.haproxy.cfg')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /17: error IDHA-LINT-001 A suppression gives no reason/);
    assert.match(bad.stdout, /18: error IDHA-HAP-001/, 'a suppression without a reason suppresses nothing');
  });

  it('GIVEN a folder THEN every file of a known kind in it is read; files of no known kind are left out', () => {
    const r = runIdha(['lint', '--format', 'json', 'test/expected/iqservice-pair/files/snippets']);
    assert.equal(r.status, 0, r.stderr);
    const kinds = (JSON.parse(r.stdout) as { files: Array<{ kind: string }> }).files.map((f) => f.kind).sort();
    // Left out: the host plans' command lines, systemd units and WinSW service XML.
    assert.deepEqual(kinds, ['as3', 'haproxy', 'tmsh']);
  });

  for (const [what, args, says] of [
    ['a missing file', ['lint', 'no-such.cfg'], /^idha lint: no-such\.cfg: no such file or folder\n$/],
    ['a file of no known kind', ['lint', 'README.md'], /^idha lint: README\.md: cannot tell what kind of file this is: give --kind \(haproxy, /],
    ['XML that is not well-formed', ['lint', '--kind', 'tomcat', 'package.json'], /^idha lint: package\.json: not well-formed XML/],
    ['JSON that is not JSON', ['lint', '--kind', 'terraform', 'README.md'], /^idha lint: README\.md: not valid JSON/],
    ['an unbalanced keepalived block', ['lint', 'test/fixtures/lint-bad/unclosed-keepalived.conf'], /: line 1: "\{" is never closed\n$/],
    [
      'a port out of range',
      ['lint', '--iqservice-port', '70000', FX('IDHA-HAP-001/pass.haproxy.cfg')],
      /--iqservice-port "70000": a port is an integer/,
    ],
    ['an unknown kind', ['lint', '--kind', 'nginx', 'README.md'], /Invalid values:[\s\S]*kind/],
  ] as const) {
    it(`GIVEN ${what} THEN exit 2 with one line that names it, and nothing on stdout`, () => {
      const r = runIdha([...args]);
      assert.equal(r.status, 2, `${r.status} ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, says);
      assert.equal(r.stdout, '');
    });
  }
});

describe('idha lint: hostile input is bounded', () => {
  it('GIVEN a file over 64 MiB THEN exit 2 naming the limit; GIVEN a 4 MB line of spaces after a suppression THEN it still ends fast', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-lint-'));
    try {
      const big = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(big, Buffer.alloc(65 * 1024 * 1024, 0x20));
      const r = runIdha(['lint', big]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /larger than 64 MiB: not a configuration file/);
      const spaces = path.join(dir, 'keepalived.conf');
      fs.writeFileSync(spaces, `# idha-lint-ignore IDHA-KA-004: reason${' '.repeat(4_000_000)}x\nvrrp_instance V {\n  state BACKUP\n}\n`);
      const t0 = Date.now();
      const s = runIdha(['lint', '--fail-on', 'none', spaces]);
      assert.equal(s.status, 0, s.stderr);
      assert.ok(Date.now() - t0 < 20_000, `${Date.now() - t0} ms`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('idha lint: formats', () => {
  it('GIVEN --format sarif THEN SARIF 2.1.0 that validates against the vendored schema, with rules, results, lines and suppressions', () => {
    const r = runIdha(['lint', '--format', 'sarif', FX('IDHA-HAP-001/fail.haproxy.cfg'), FX('IDHA-LINT-001/pass.haproxy.cfg')]);
    assert.equal(r.status, 1, r.stderr);
    const log: any = JSON.parse(r.stdout);
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8'));
    const validate = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);
    assert.equal(validate(JSON.parse(r.stdout)), true, JSON.stringify(validate.errors?.slice(0, 5)));
    // The validator is not a rubber stamp: a result without a message is refused.
    const broken: any = JSON.parse(r.stdout);
    broken.runs[0].results[0].message = 'not an object';
    assert.equal(validate(broken), false);
    const run = log.runs[0];
    assert.equal(log.version, '2.1.0');
    assert.ok(run.tool.driver.rules.some((x: { id: string }) => x.id === 'IDHA-HAP-001'));
    const results = run.results.map((x: any) => [
      x.ruleId,
      x.level,
      x.locations[0].physicalLocation.region.startLine,
      x.suppressions?.[0]?.justification,
    ]);
    assert.deepEqual(results, [
      ['IDHA-HAP-001', 'error', 17, undefined],
      ['IDHA-HAP-001', 'error', 18, undefined],
      ['IDHA-HAP-001', 'error', 18, 'a half-open check through an F5 in front, ticket OPS-42'],
    ]);
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'test/fixtures/lint/IDHA-HAP-001/fail.haproxy.cfg');
    for (const x of run.results) assert.equal(run.tool.driver.rules[x.ruleIndex].id, x.ruleId);
  });

  it('GIVEN --format json THEN the files with their kinds and every finding, and nothing else on stdout', () => {
    const r = runIdha(['lint', '--format', 'json', FX('IDHA-TC-001/fail.server.xml')]);
    assert.equal(r.status, 1);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['files', 'findings']);
    assert.deepEqual(j.files, [{ file: 'test/fixtures/lint/IDHA-TC-001/fail.server.xml', kind: 'tomcat' }]);
    assert.deepEqual(Object.keys(j.findings[0]).sort(), ['file', 'fix', 'line', 'message', 'ruleId', 'severity']);
  });

  it('GIVEN a path with spaces and # THEN the SARIF uri is percent-encoded and the text names the file as given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-lint-'));
    const f = path.join(dir, 'my cfg #1', 'haproxy.cfg');
    fs.mkdirSync(path.dirname(f));
    fs.copyFileSync(path.join(REPO, FX('IDHA-HAP-001/fail.haproxy.cfg')), f);
    try {
      const s = JSON.parse(runIdha(['lint', '--format', 'sarif', f]).stdout);
      assert.match(s.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, /my%20cfg%20%231\/haproxy\.cfg$/);
      assert.ok(runIdha(['lint', f]).stdout.startsWith(`${f}\n`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
