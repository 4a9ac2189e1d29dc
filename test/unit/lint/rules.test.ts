/**
 * idha lint's rules, as specifications: every rule fires on its failing fixture and stays quiet on
 * the passing one beside it, at the line it points at; the project's own rendered output (every
 * bundled example, in test/expected/) passes every rule; and the seed's users' configs fail.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { detectKind } from '../../../lib/lint/detect';
import { JsonSource } from '../../../lib/lint/documents/json';
import { lint } from '../../../lib/lint/engine';
import { PACKS, RULES } from '../../../lib/lint/packs';
import { LINT_KINDS } from '../../../lib/lint/types';
import { REPO } from '../../helpers';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'lint');
const read = (f: string) => fs.readFileSync(f, 'utf8');
const lintFile = (f: string) => lint([{ file: path.relative(REPO, f), text: read(f) }]);

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('idha lint rules: each beside its neighbour', () => {
  for (const rule of RULES) {
    it(`GIVEN ${rule.id}'s failing fixtures THEN it fires (unsuppressed) on each; GIVEN its passing ones THEN it does not`, () => {
      const dir = path.join(FIXTURES, rule.id);
      assert.ok(fs.existsSync(dir), `no fixtures for ${rule.id}: add ${path.relative(REPO, dir)}/fail.* and pass.*`);
      const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
      const fail = files.filter((f) => path.basename(f).startsWith('fail'));
      const pass = files.filter((f) => path.basename(f).startsWith('pass'));
      assert.ok(fail.length >= 1 && pass.length >= 1, `${rule.id}: at least one fail.* and one pass.*`);
      for (const f of fail) {
        const hits = lintFile(f).findings.filter((x) => x.ruleId === rule.id && !x.suppressed);
        assert.ok(hits.length > 0, `${rule.id} does not fire on ${path.basename(f)}`);
        for (const h of hits) {
          assert.ok(h.line >= 1 && h.line <= read(f).split('\n').length, `${rule.id}: line ${h.line} is in the file`);
          assert.ok(h.message.startsWith(rule.title), h.message);
        }
      }
      for (const f of pass)
        assert.deepEqual(
          lintFile(f).findings.filter((x) => x.ruleId === rule.id && !x.suppressed),
          [],
          `${rule.id} fires on ${path.basename(f)}`,
        );
    });
  }

  it('GIVEN the fixtures THEN each kind is detected from the file alone (no --kind)', () => {
    for (const f of filesUnder(FIXTURES)) assert.ok(detectKind(f, read(f)), `no kind detected for ${path.relative(FIXTURES, f)}`);
  });

  it('GIVEN an AJP secret of literal text around a property THEN the finding names the property and never echoes the text', () => {
    const xml = '<Connector protocol="AJP/1.3" address="10.0.5.11" port="8009" secret="s3cr3t-${idha.ajp.secret}" />\n';
    const [f] = lint([{ file: 'server.xml', text: xml }]).findings;
    assert.equal(f.ruleId, 'IDHA-TC-003');
    assert.match(f.message, /takes its secret from \$\{idha\.ajp\.secret\} with no default$/);
    assert.doesNotMatch(f.message, /s3cr3t/);
  });

  it('GIVEN a finding THEN it points at the line of the thing to change', () => {
    const at = (rel: string, id: string) =>
      lintFile(path.join(FIXTURES, rel))
        .findings.filter((f) => f.ruleId === id)
        .map((f) => f.line);
    assert.deepEqual(at('IDHA-HAP-001/fail.haproxy.cfg', 'IDHA-HAP-001'), [17, 18], 'the two server lines');
    assert.deepEqual(at('IDHA-KA-003/fail.keepalived.conf', 'IDHA-KA-003'), [8], 'the timeout line');
    assert.deepEqual(at('IDHA-TC-001/fail.server.xml', 'IDHA-TC-001'), [5], 'the AJP connector');
    assert.deepEqual(at('IDHA-AZ-001/fail.plan.json', 'IDHA-AZ-001'), [14], 'the probe port in the plan');
    assert.deepEqual(at('IDHA-JK-001/fail.workers.properties', 'IDHA-JK-001'), [4, 9], 'each worker without a secret');
  });
});

describe("idha lint: the seed users' configs fail, the project's own output passes", () => {
  it('GIVEN an Azure LB with a TCP probe on 5050 every 5 s (a terraform show -json plan) THEN IDHA-AZ-001, an error', () => {
    const r = lintFile(path.join(FIXTURES, 'IDHA-AZ-001', 'fail.plan.json'));
    assert.deepEqual(
      r.findings.map((f) => [f.ruleId, f.severity]),
      [['IDHA-AZ-001', 'error']],
    );
    assert.match(r.findings[0].message, /Tcp probe on port 5050/);
    assert.match(r.findings[0].fix, /idha shim/);
  });

  it('GIVEN an F5 pool with the tcp monitor on 5050 and no priority groups (tmsh list output) THEN IDHA-F5-001 and IDHA-F5-002', () => {
    const r = lintFile(path.join(FIXTURES, 'IDHA-F5-001', 'fail.tmsh.txt'));
    assert.deepEqual(r.files, [{ file: 'test/fixtures/lint/IDHA-F5-001/fail.tmsh.txt', kind: 'tmsh' }]);
    assert.deepEqual(r.findings.map((f) => f.ruleId).sort(), ['IDHA-F5-001', 'IDHA-F5-002']);
  });

  it('GIVEN an httpd + mod_jk pair with no AJP secret (workers.properties) THEN IDHA-JK-001 for each Tomcat', () => {
    const r = lintFile(path.join(FIXTURES, 'IDHA-JK-001', 'fail.workers.properties'));
    assert.deepEqual(
      r.findings.map((f) => f.message.replace(/^.*: /, '')),
      ['ajp13 worker tomcat1 has no secret', 'ajp13 worker tomcat2 has no secret'],
    );
  });

  it("GIVEN every bundled example's rendered output (test/expected, kept equal to synth by the golden check) THEN no finding at all", () => {
    const files = filesUnder(path.join(REPO, 'test', 'expected')).filter((f) => f.includes(`${path.sep}files${path.sep}`));
    const known = files.map((f) => ({ file: path.relative(REPO, f), text: read(f) })).filter((x) => detectKind(x.file, x.text));
    const r = lint(known);
    assert.deepEqual(
      r.findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.message}`),
      [],
    );
    // Not vacuous: every kind identity-ha writes was read, and every rule's kind among them.
    const kinds = new Set(r.files.map((f) => f.kind));
    assert.deepEqual([...kinds].sort(), ['as3', 'haproxy', 'httpd', 'keepalived', 'pcs', 'terraform', 'tmsh', 'tomcat']);
    assert.ok(r.files.length >= 40, `${r.files.length} files`);
  });
});

describe('idha lint: lines in large JSON', () => {
  it('GIVEN a plan and a cdk.tf.json THEN the line found from the one-pass index of resources is the line the full parse finds', () => {
    const plan = JSON.stringify(
      {
        format_version: '1.2',
        planned_values: {
          root_module: {
            resources: Array.from({ length: 40 }, (_, i) => ({
              address: `r.${i}`,
              type: 'azurerm_lb_probe',
              values: { port: 5050 + i, tags: { a: [1, { b: i }] } },
            })),
            child_modules: [{ resources: [{ address: 'm.r', type: 'azurerm_lb_rule', values: { backend_port: 5050 } }] }],
          },
        },
      },
      null,
      3,
    );
    const tf = read(path.join(REPO, 'test', 'expected', 'iqservice-pair', 'files', 'stacks', 'identity-ha-aws', 'cdk.tf.json'));
    const cases: Array<[string, Array<string | number>, number]> = [
      [plan, ['planned_values', 'root_module', 'resources', 0, 'values', 'port'], 3],
      [plan, ['planned_values', 'root_module', 'resources', 17, 'values', 'tags', 'a', 1, 'b'], 3],
      [plan, ['planned_values', 'root_module', 'resources', 39, 'values'], 3],
      [plan, ['planned_values', 'root_module', 'resources', 39, 'values', 'missing'], 3],
      [plan, ['planned_values', 'root_module', 'child_modules', 0, 'resources', 0, 'values', 'backend_port'], 5],
      [tf, ['resource', 'aws_lb_target_group', 'iqservice_aws_nlb_tg-iq_61D461F5', 'health_check', 'port'], 2],
      [tf, ['resource', 'aws_lb_target_group', 'iqservice_aws_nlb_tg-iq_61D461F5'], 2],
    ];
    for (const [text, p, anchor] of cases) {
      const full = new JsonSource('f', text).rangeOf(p);
      assert.deepEqual(new JsonSource('f', text).rangeOf(p, anchor), full, JSON.stringify(p));
      assert.ok(full.fromLine > 1, JSON.stringify(p));
    }
  });
});

describe('idha lint rules: metadata', () => {
  it('GIVEN the packs THEN every rule has a stable, unique ID, a severity, a one-line title, a why, a source and a fix, in one pack', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'IDs are unique');
    for (const r of RULES) {
      assert.match(r.id, /^IDHA-[A-Z0-9]+-\d{3}$/);
      assert.ok(['error', 'warning', 'note'].includes(r.severity));
      assert.ok(r.title.length > 10 && !r.title.includes('\n') && r.title.length <= 130, `${r.id}: one-line title`);
      for (const k of ['why', 'source', 'fix'] as const) assert.ok(r[k].length > 10, `${r.id}: ${k}`);
      const kinds = typeof r.kind === 'string' ? [r.kind] : r.kind;
      for (const k of kinds) assert.ok(LINT_KINDS.includes(k), `${r.id}: kind ${k}`);
      assert.equal(PACKS.filter((p) => p.rules.includes(r)).length, 1, `${r.id} is in exactly one pack`);
    }
  });

  it('GIVEN lib/lint/rules THEN one rule per file, and every rule file is in a pack', () => {
    const dir = path.join(REPO, 'lib', 'lint', 'rules');
    const files = filesUnder(dir).filter((f) => !f.endsWith('shared.ts'));
    const exported = files.map((f) => [...read(f).matchAll(/^export const (\w+): LintRule/gm)].map((m) => m[1]));
    for (const [i, names] of exported.entries()) assert.equal(names.length, 1, `${path.relative(dir, files[i])}: ${names.join(', ')}`);
    assert.equal(files.length, RULES.length, 'every rule file is in a pack');
  });
});
