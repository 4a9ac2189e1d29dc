/**
 * `idha synth` lints what it rendered before swapping it in: an error is a renderer's bug and fails
 * the synth; a warning comes from a choice in the topology and is printed with the synth's warnings.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { selfCheck } from '../../../lib/synth/self-check';
import { REPO, runIdha } from '../../helpers';

const FX = path.join(REPO, 'test', 'fixtures', 'lint');

describe("idha synth's self-check", () => {
  it('GIVEN a rendered folder with a bad and a good file THEN the bad one is an error naming file, line and rule; others skipped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-self-'));
    try {
      fs.copyFileSync(path.join(FX, 'IDHA-HAP-001', 'fail.haproxy.cfg'), path.join(dir, 'haproxy.cfg'));
      fs.copyFileSync(path.join(FX, 'IDHA-KA-003', 'fail.keepalived.conf'), path.join(dir, 'keepalived.conf'));
      fs.writeFileSync(path.join(dir, 'shim-command.txt'), 'idha shim --bind 10.0.1.10\n');
      const check = selfCheck(dir, ['haproxy.cfg', 'keepalived.conf', 'shim-command.txt'], [5050]);
      assert.deepEqual(
        check.errors.map((f) => `${f.file}:${f.line} ${f.ruleId}`),
        ['haproxy.cfg:17 IDHA-HAP-001', 'haproxy.cfg:18 IDHA-HAP-001'],
      );
      assert.deepEqual(
        check.warnings.map((f) => `${f.file}:${f.line} ${f.ruleId}`),
        ['keepalived.conf:8 IDHA-KA-003'],
      );
      // Without the IQService port among the topology's, the service-port rule has nothing to check.
      assert.deepEqual(selfCheck(dir, ['haproxy.cfg'], []).errors, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN a web tier whose health interval makes mod_jk fail back slowly THEN idha synth writes it and warns with the rule, file and line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-self-'));
    try {
      const yaml = fs
        .readFileSync(path.join(REPO, 'examples', 'web-tier.yaml'), 'utf8')
        .replace(
          'healthCheck: { intervalSeconds: 5, timeoutSeconds: 3, fall: 2, rise: 2 }',
          'healthCheck: { intervalSeconds: 40, timeoutSeconds: 3, fall: 2, rise: 2 }',
        );
      assert.ok(yaml.includes('intervalSeconds: 40'), 'the example still has the line this test changes');
      fs.writeFileSync(path.join(dir, 'topology.yaml'), yaml);
      const r = runIdha(['synth', '-c', path.join(dir, 'topology.yaml'), '-o', path.join(dir, 'out'), '-p', 'mod-jk']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /warning: idha lint: snippets\/idm-web\/mod-jk\/idha-idm-web\.conf:\d+ IDHA-JK-003 mod_jk waits long/);
      assert.ok(fs.existsSync(path.join(dir, 'out', 'snippets', 'idm-web', 'mod-jk', 'idha-idm-web.conf')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'GIVEN a topology that asks for a probe on the service port (allowNoisyTcpProbe) THEN synth writes it, each noisy check carries a ' +
      'suppression with the reason, and idha lint of the output reports them suppressed (exit 0)',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-self-'));
      try {
        const yaml = fs
          .readFileSync(path.join(REPO, 'examples', 'iqservice-pair.yaml'), 'utf8')
          .replace(/probe:\n {6}kind: sidecar-gate[^\n]*\n {6}gatePort: 15050/, 'probe:\n      kind: tcp-connect\n      allowNoisyTcpProbe: true');
        assert.ok(yaml.includes('allowNoisyTcpProbe: true'), 'the example still has the probe block this test changes');
        fs.writeFileSync(path.join(dir, 'noisy.yaml'), yaml);
        const out = path.join(dir, 'out');
        const s = runIdha(['synth', '-c', path.join(dir, 'noisy.yaml'), '-o', out]);
        assert.equal(s.status, 0, s.stderr);
        const r = runIdha(['lint', '--format', 'json', out]);
        assert.equal(r.status, 0, r.stdout);
        const findings = JSON.parse(r.stdout).findings as Array<{ ruleId: string; suppressed?: { reason: string } }>;
        assert.deepEqual([...new Set(findings.map((f) => f.ruleId))].sort(), ['IDHA-AWS-001', 'IDHA-AZ-001', 'IDHA-F5-001', 'IDHA-HAP-001']);
        for (const f of findings) assert.match(f.suppressed?.reason ?? '(not suppressed)', /^allowNoisyTcpProbe: true/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
