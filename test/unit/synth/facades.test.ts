import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  AwsNlbTarget,
  ClusterTargetBase,
  FailoverCluster,
  FailoverClusterModel,
  FailoverEstimate,
  HaServiceModel,
  HaStrategy,
  HaTargetBase,
  HaWebTier,
  IqServiceHaPair,
  Problems,
  Snippet,
  Snippets,
  StateBackend,
  Topology,
  WebTierModel,
  WebTierTargetBase,
} from '../../../lib';
import { AWS, EXAMPLE, pairProps, runIdha, snapshotDir } from '../../helpers';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

describe('Topology facade (what idha synth does, for every jsii language)', () => {
  it(
    'GIVEN the bundled example WHEN Topology.fromFile(...).synthesize(dir) THEN the same files as idha synth, byte for byte, and the host ' +
      'plan and estimates',
    () => {
      const viaApi = path.join(tmp('idha-facade-'), 'out');
      const r = Topology.fromFile(EXAMPLE).synthesize(viaApi);
      const viaCli = path.join(tmp('idha-facade-cli-'), 'out');
      const c = runIdha(['synth', '--config', EXAMPLE, '--out', viaCli]);
      assert.equal(c.status, 0, c.stderr);
      assert.deepEqual(snapshotDir(viaApi), snapshotDir(viaCli));
      assert.deepEqual(
        r.stacks.map((s) => s.name),
        ['identity-ha-azure', 'identity-ha-aws', 'identity-ha-f5'],
      );
      assert.deepEqual(
        r.hosts.map((h) => h.role),
        ['primary', 'secondary'],
      );
      assert.ok(r.hosts[0].command.startsWith('idha shim --bind 10.0.1.10 '));
      assert.deepEqual(
        r.estimates.map((e) => e.platform),
        ['azure', 'aws', 'f5', 'haproxy'],
      );
    },
  );

  it('GIVEN a platform list THEN only those stacks; GIVEN a foreign non-empty folder THEN refused, and with force its files are kept', () => {
    const t = Topology.fromFile(EXAMPLE);
    assert.deepEqual(
      t.synthesize(path.join(tmp('idha-facade-p-'), 'o'), { platforms: ['aws'] }).stacks.map((s) => s.name),
      ['identity-ha-aws'],
    );
    const foreign = tmp('idha-facade-f-');
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    assert.throws(() => t.synthesize(foreign), /a new or empty folder, or one idha wrote/);
    const r = t.synthesize(foreign, { force: true });
    assert.equal(fs.readFileSync(path.join(foreign, 'notes.txt'), 'utf8'), 'mine');
    assert.ok(r.kept.includes('notes.txt'));
  });

  it(
    'GIVEN a document object THEN fromObject accepts it, name and serviceNames are read; GIVEN a bad one THEN validate returns the problems ' +
      'as data and fromObject throws them',
    () => {
      const doc = {
        version: 1,
        name: 'demo',
        services: [
          {
            name: 'iq',
            primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
            secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },
            allowedClients: ['10.20.0.0/24'],
            targets: { haproxy: {} },
          },
        ],
      };
      const t = Topology.fromObject(doc);
      assert.equal(t.name, 'demo');
      assert.deepEqual(t.serviceNames, ['iq']);
      assert.deepEqual(Topology.validate(doc), []);
      const bad = { ...doc, services: [{ ...doc.services[0], port: 70000 }] };
      const problems = Topology.validate(bad);
      assert.ok(
        problems.some((p) => p.field === 'services[0].port' && p.value === 70000),
        JSON.stringify(problems),
      );
      assert.throws(() => Topology.fromObject(bad), /services\[0\]\.port/);
    },
  );
});

describe('Snippets facade', () => {
  it('GIVEN the example THEN Snippets.render(haproxy) equals idha snippet haproxy, and kinds lists every kind', () => {
    const text = Snippets.render(Topology.fromFile(EXAMPLE), 'haproxy');
    const c = runIdha(['snippet', 'haproxy', '--config', EXAMPLE]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(text, c.stdout);
    for (const k of ['azure', 'aws', 'f5-as3', 'f5-tmsh', 'haproxy']) assert.ok(Snippets.kinds().includes(k), k);
  });

  it('GIVEN an unknown kind THEN an error naming the kind and the allowed ones; GIVEN a known one THEN text', () => {
    assert.throws(() => Snippets.render(Topology.fromFile(EXAMPLE), 'nginx'), /kind: got "nginx"; allowed: one of/);
    assert.match(Snippets.render(Topology.fromFile(EXAMPLE), 'f5-tmsh'), /ltm pool/);
  });
});

describe('IqServiceHaPair.validate: the problems as data, for languages without TypeScript errors', () => {
  it('GIVEN good props THEN []; GIVEN two bad fields and a bad target THEN each problem with field, value and allowed', () => {
    assert.deepEqual(IqServiceHaPair.validate(pairProps({ targets: [new AwsNlbTarget(AWS)] })), []);
    const problems = IqServiceHaPair.validate(
      pairProps({ port: 0, idleTimeoutMinutes: 500, targets: [new AwsNlbTarget({ ...AWS, deregistrationDelaySeconds: -1 })] }),
    );
    assert.deepEqual(problems.map((p) => p.field).sort(), ['idleTimeoutMinutes', 'port']);
    for (const p of problems) assert.ok(p.allowed.length > 0);
    // Targets are checked once the pair itself is valid, as in the constructor.
    assert.deepEqual(
      IqServiceHaPair.validate(pairProps({ targets: [new AwsNlbTarget({ ...AWS, deregistrationDelaySeconds: -1 })] })).map((p) => p.field),
      ['targets.aws.deregistrationDelaySeconds'],
    );
  });

  it('GIVEN no targets THEN the problem names targets, and nothing was added to any app of the caller', () => {
    const app = Testing.app();
    assert.deepEqual(
      IqServiceHaPair.validate(pairProps({ targets: [] })).map((p) => p.field),
      ['targets'],
    );
    assert.equal(app.node.children.length, 0);
  });
});

describe('HaTargetBase: a platform of your own (as a Python or Java class would be)', () => {
  class CsvTarget extends HaTargetBase {
    public readonly platform = 'csv';
    public readonly strategy = HaStrategy.LOAD_BALANCER;
    public validate(_model: HaServiceModel, problems: Problems): void {
      if (_model.name === 'bad') problems.add({ field: 'name', value: _model.name, allowed: 'anything but bad' });
    }
    public render(_scope: Construct, _model: HaServiceModel): void {
      /* no Terraform */
    }
    public estimate(model: HaServiceModel): FailoverEstimate {
      return { service: model.name, platform: this.platform, worstCaseSeconds: 1, formula: '1', terms: [], failbackSeconds: 1, failbackFormula: '1' };
    }
    public snippets(model: HaServiceModel): Snippet[] {
      return [{ kind: 'csv', fileName: 'members.csv', content: model.pools[0].members.map((m) => `${m.name},${m.address.value}`).join('\n') + '\n' }];
    }
  }

  it('GIVEN a subclass that only adds snippets THEN the pair renders them, warnings default to none', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const pair = new IqServiceHaPair(stack, 'iqservice', pairProps({ targets: [new CsvTarget()] }));
    assert.deepEqual(pair.snippets(), [{ kind: 'csv', fileName: 'members.csv', content: 'primary,10.0.1.10\nsecondary,10.0.2.10\n' }]);
    assert.deepEqual(pair.warnings(), []);
  });

  it('GIVEN its own validation rule broken THEN IqServiceHaPair.validate reports it under targets.csv', () => {
    assert.deepEqual(
      IqServiceHaPair.validate(pairProps({ serviceName: 'bad', targets: [new CsvTarget()] })).map((p) => p.field),
      ['targets.csv.name'],
    );
  });
});

describe('ClusterTargetBase and WebTierTargetBase: the same vocabulary (validate, render, snippets, warnings, estimate)', () => {
  const figures = (service: string, platform: string): FailoverEstimate => ({
    service,
    platform,
    worstCaseSeconds: 3,
    formula: '3',
    terms: [],
    failbackSeconds: 4,
    failbackFormula: '4',
  });
  class ArpWatch extends ClusterTargetBase {
    public readonly platform = 'arpwatch';
    public readonly movesVirtualIp = true;
    public validate(_cluster: FailoverClusterModel, _problems: Problems): void {
      /* no limits */
    }
    public render(_scope: Construct, _cluster: FailoverClusterModel): void {
      /* files only */
    }
    public estimate(cluster: FailoverClusterModel): FailoverEstimate {
      return figures(cluster.name, this.platform);
    }
  }
  class Nginx extends WebTierTargetBase {
    public readonly platform = 'nginx';
    public validate(_model: WebTierModel, _problems: Problems): void {
      /* no limits */
    }
    public render(_scope: Construct, _model: WebTierModel): void {
      /* files only */
    }
    public estimate(model: WebTierModel): FailoverEstimate {
      return figures(model.name, this.platform);
    }
  }

  it('GIVEN a cluster target that implements only what it must THEN no files, no warnings, no sidecars, and its estimate as written', () => {
    const c = new FailoverCluster(new TerraformStack(Testing.app(), 's'), 'idm', {
      nodes: [
        { name: 'a', address: '10.99.0.1' },
        { name: 'b', address: '10.99.0.2' },
      ],
      virtualIp: '10.99.0.100',
      prefixLength: 24,
      servicePorts: [8080],
      targets: [new ArpWatch()],
    });
    assert.deepEqual(c.snippets(), []);
    assert.deepEqual(c.warnings(), []);
    assert.equal(c.targets[0].sidecarService(c.model), undefined);
    assert.deepEqual(c.failoverEstimates(), [figures('idm', 'arpwatch')]);
  });

  it(
    "GIVEN a web tier target that implements only what it must THEN no files but the host plan's, no warnings, no host steps, and its " +
      'estimate as written',
    () => {
      const tier = new HaWebTier(new TerraformStack(Testing.app(), 's'), 'web', {
        nodes: [{ name: 'tomcat1', address: '10.99.0.1' }],
        applications: [{ name: 'identity', paths: ['/identity'], healthPath: '/identity/ui/health' }],
        targets: [new Nginx()],
      });
      assert.equal(tier.targets[0].hostSteps(tier.model), undefined);
      assert.deepEqual(tier.warnings(), []);
      assert.deepEqual(tier.failoverEstimates(), [figures('web', 'nginx')]);
    },
  );
});

describe('StateBackend facade', () => {
  it('GIVEN an s3 backend without a bucket THEN validate names it; GIVEN a good one THEN addTo renders it', () => {
    assert.deepEqual(
      StateBackend.validate({ s3: { region: 'eu-west-1' } as never }).map((p) => p.field),
      ['backend.s3.bucket'],
    );
    assert.deepEqual(
      StateBackend.validate({ azurerm: { containerName: 'tfstate' } as never }).map((p) => p.field),
      ['backend.azurerm.storageAccountName'],
    );
    const stack = new TerraformStack(Testing.app(), 's');
    StateBackend.addTo(stack, { s3: { bucket: 'idha-state', region: 'eu-west-1' } });
    assert.equal(JSON.parse(Testing.synth(stack)).terraform.backend.s3.bucket, 'idha-state');
  });
});

describe('checking props writes nothing into the working folder', () => {
  it(
    'GIVEN an empty working folder WHEN IqServiceHaPair.validate, Topology.validate and FailoverCluster.validate run THEN it stays empty ' +
      "(cdktf's App would create cdktf.out there)",
    () => {
      const cwd = tmp('idha-validate-cwd-');
      const back = process.cwd();
      process.chdir(cwd);
      try {
        IqServiceHaPair.validate(pairProps({ targets: [new AwsNlbTarget(AWS)] }));
        Topology.validate({ version: 1, services: [] });
        FailoverCluster.validate({ nodes: [], virtualIp: '10.0.0.1', prefixLength: 24, servicePorts: [8080], targets: [] });
        assert.deepEqual(fs.readdirSync(cwd), []);
      } finally {
        process.chdir(back);
      }
    },
  );
});
