import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import {
  claimProblems,
  IdhaValidationError,
  loadTopologyFile,
  renderSnippet,
  synthesizeTopology,
  validateTopologyDocument,
  withoutTokenStackTraces,
} from '../../../lib/internal';
import { EXAMPLE, REPO } from '../../helpers';

const fixture = (name: string) => path.join(REPO, 'test', 'fixtures', name);
const example = () => YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));

function problems(fn: () => unknown) {
  try {
    fn();
    return [];
  } catch (e) {
    if (!(e instanceof IdhaValidationError)) throw e;
    return e.problems.map((p) => p.field);
  }
}

describe('topology file', () => {
  it('GIVEN the bundled example THEN it loads and passes the shipped JSON Schema', () => {
    const t = loadTopologyFile(EXAMPLE);
    assert.equal(t.services[0].name, 'iqservice');
  });

  it('GIVEN unknown keys THEN each is reported with its path, never ignored', () => {
    const fields = problems(() => loadTopologyFile(fixture('bad-unknown-key.yaml')));
    assert.ok(fields.includes('services[0].secondary.adress'), fields.join());
    assert.ok(fields.includes('services[0].probe.intervall'), fields.join());
    assert.ok(fields.includes('services[0].secondary.address'), 'the missing key is reported too');
  });

  const schemaCases: Array<[string, (d: any) => void, string, (d: any) => void]> = [
    [
      'a string port',
      (d) => {
        d.services[0].port = '5050';
      },
      'services[0].port',
      (d) => {
        d.services[0].port = 5050;
      },
    ],
    [
      'an unknown probe kind',
      (d) => {
        d.services[0].probe.kind = 'icmp';
      },
      'services[0].probe.kind',
      (d) => {
        d.services[0].probe.kind = 'sidecar-http';
      },
    ],
    [
      'an unknown target',
      (d) => {
        d.services[0].targets.gcp = {};
      },
      'services[0].targets.gcp',
      () => undefined,
    ],
    [
      'a missing version',
      (d) => {
        delete d.version;
      },
      'version',
      () => undefined,
    ],
    [
      'version 2',
      (d) => {
        d.version = 2;
      },
      'version',
      (d) => {
        d.version = 1;
      },
    ],
    [
      'an AWS target without subnets',
      (d) => {
        delete d.services[0].targets.aws.subnetIds;
      },
      'services[0].targets.aws.subnetIds',
      () => undefined,
    ],
  ];
  for (const [what, breakIt, field, fixIt] of schemaCases) {
    it(`GIVEN ${what} THEN the schema error names ${field}; the neighbour passes`, () => {
      const bad = example();
      breakIt(bad);
      assert.ok(problems(() => validateTopologyDocument(bad)).includes(field));
      const good = example();
      fixIt(good);
      assert.deepEqual(
        problems(() => validateTopologyDocument(good)),
        [],
      );
    });
  }

  it('GIVEN bad values THEN every problem in every target is reported at once, under its service path', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-'));
    const fields = problems(() => synthesizeTopology({ topology: loadTopologyFile(fixture('bad-values.yaml')), outDir: path.join(out, 'o') }));
    for (const f of ['services[0].port', 'services[0].allowedClients[0]', 'services[0].probe.kind', 'services[0].secondary.iqserviceVersion']) {
      assert.ok(fields.includes(f), `${f} in ${fields.join()}`);
    }
    assert.equal(fs.existsSync(path.join(out, 'o')), false);
  });

  it('GIVEN two services in one F5 tenant or overlapping NSG priorities THEN rejected; distinct ones pass', () => {
    const t = loadTopologyFile(fixture('two-services.yaml'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-'));
    const clash = JSON.parse(JSON.stringify(t));
    clash.services[1].targets.f5.tenant = 'idha_iq_emea';
    clash.services[1].targets.azure.nsgPriorityBase = 1002;
    const fields = problems(() => synthesizeTopology({ topology: clash, outDir: path.join(out, 'a') }));
    assert.ok(fields.includes('services[1].targets.f5.tenant'));
    assert.ok(fields.includes('services[1].targets.azure.nsgPriorityBase'));
    const r = synthesizeTopology({ topology: t, outDir: path.join(out, 'b') });
    const f5 = JSON.parse(fs.readFileSync(path.join(out, 'b', 'stacks/idm-f5/cdk.tf.json'), 'utf8'));
    assert.equal(f5.provider.bigip[0].address, undefined, 'no providers.f5: the provider falls back to BIGIP_HOST, never an empty address');
    assert.ok(r.files.includes('stacks/idm-azure/cdk.tf.json'));
    assert.ok(r.files.includes('snippets/iq-amer/f5-as3.json'));
  });

  it('GIVEN several services THEN snippet needs --service and names the choices', () => {
    const t = loadTopologyFile(fixture('two-services.yaml'));
    assert.throws(() => renderSnippet(t, 'f5-tmsh'), /--service.*iq-emea, iq-amer/s);
    assert.match(renderSnippet(t, 'f5-tmsh', 'iq-amer'), /10\.1\.1\.10:5050/);
  });
});

describe('withoutTokenStackTraces', () => {
  it('GIVEN a synth that throws THEN the stack-trace formatter is restored and the error still propagates', () => {
    const before = Error.prepareStackTrace;
    assert.throws(
      () =>
        withoutTokenStackTraces(() => {
          assert.equal(new Error('x').stack, '', 'formatting is off inside');
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(Error.prepareStackTrace, before);
    assert.match(new Error('y').stack ?? '', /at /, 'stacks are formatted again outside');
  });
});

describe('claims: what targets take in a shared namespace, one generic check', () => {
  const f5 = (key: string) => ({ scope: 'BIG-IP tenant', key, field: 'tenant', value: key, fix: 'give each its own tenant' });

  it('GIVEN two holders of one key THEN the second is named with the first; GIVEN other keys, or one holder repeating its own THEN nothing', () => {
    assert.deepEqual(
      claimProblems([
        { path: 'services[0].targets.f5', claims: [f5('a'), f5('a')] },
        { path: 'services[1].targets.f5', claims: [f5('b')] },
        { path: 'services[2].targets.f5', claims: [f5('a')] },
      ]).map((p) => [p.field, p.allowed]),
      [['services[2].targets.f5.tenant', 'a BIG-IP tenant other than a, which services[0].targets.f5 takes']],
    );
  });

  it('GIVEN a web tier whose standby balancers use the VRRP id of a cluster on the same link THEN refused; another id passes', () => {
    const doc = YAML.parse(fs.readFileSync(path.join(REPO, 'examples', 'web-tier.yaml'), 'utf8'));
    const ka = doc.webTiers[0].balancerStandby.targets.keepalived;
    doc.clusters = [
      {
        name: 'idm-cluster',
        nodes: [
          { name: 'n1', address: '10.0.7.11' },
          { name: 'n2', address: '10.0.7.12' },
        ],
        virtualIp: '10.0.7.100',
        prefixLength: 24,
        servicePorts: [8080],
        targets: { keepalived: { ...ka } },
      },
    ];
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-claims-'));
    const fields = problems(() => synthesizeTopology({ topology: validateTopologyDocument(doc), outDir: path.join(out, 'a') }));
    assert.deepEqual(fields, ['webTiers[0].balancerStandby.targets.keepalived.virtualRouterId']);
    doc.clusters[0].targets.keepalived.virtualRouterId = ka.virtualRouterId === 255 ? 254 : ka.virtualRouterId + 1;
    synthesizeTopology({ topology: validateTopologyDocument(doc), outDir: path.join(out, 'b') });
  });
});
