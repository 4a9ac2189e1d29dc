/**
 * The CDK Terrain build (identity-ha-cdktn, built into cdktn/ by `npm run build:cdktn` from the same
 * source): its jsii assembly, its API check, its Python code, and the same Terraform as the cdktf
 * build for every bundled example and every target.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { createRequire } from 'module';
import { REPO, rx } from '../helpers';

const CDKTN = path.join(REPO, 'cdktn');
const JSII_ENV = { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

function built(): void {
  for (const f of ['.jsii', 'dist/lib/index.js', 'dist/lib/synth/synthesize.js', 'dist/jsii-diagnostics.json']) {
    assert.ok(fs.existsSync(path.join(CDKTN, f)), `cdktn/${f} is missing: run npm run build:cdktn (npm test does)`);
  }
}

const assembly = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));

describe('the CDK Terrain assembly (identity-ha-cdktn)', () => {
  it('GIVEN the build THEN jsii reported no error and no warning outside jsii-warnings.allow', () => {
    built();
    const d = JSON.parse(fs.readFileSync(path.join(CDKTN, 'dist', 'jsii-diagnostics.json'), 'utf8'));
    assert.deepEqual([d.status, d.unexpected], [0, []]);
  });

  it('THEN it depends on cdktn 0.24 and @cdktn/provider-aws 25.7, not on cdktf, and has the same types as identity-ha', () => {
    built();
    const a = assembly(CDKTN);
    const cdktf = assembly(REPO);
    assert.equal(a.name, 'identity-ha-cdktn');
    assert.deepEqual(a.dependencies, { '@cdktn/provider-aws': '^25.7.0', cdktn: '^0.24.0', constructs: '>=10.6.0 <10.8.0' });
    assert.equal(a.targets.python.module, 'identity_ha_cdktn');
    const names = (x: { name: string; types: Record<string, unknown> }) => Object.keys(x.types).map((t) => t.slice(x.name.length + 1));
    assert.deepEqual(names(a).sort(), names(cdktf).sort());
    assert.doesNotMatch(JSON.stringify(a.types), /"cdktf\.|@cdktf\//);
    assert.match(JSON.stringify(a.types), /"fqn":"cdktn\.TerraformStack"/);
  });

  it('GIVEN this build THEN jsii-diff finds no break of the accepted cdktn API (cdktn/api-baseline; a deliberate break: npm run api:accept)', () => {
    built();
    const r = spawnSync(
      process.execPath,
      [require.resolve('jsii-diff/bin/jsii-diff', { paths: [REPO] }), '--error-on', 'all', 'cdktn/api-baseline', 'cdktn'],
      { cwd: REPO, encoding: 'utf8', timeout: 120_000, env: JSII_ENV },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('GIVEN the assembly THEN jsii-pacmak writes a Python package identity_ha_cdktn that compiles', { timeout: 180_000 }, () => {
    built();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-pacmak-cdktn-'));
    const r = spawnSync(
      process.execPath,
      [require.resolve('jsii-pacmak/bin/jsii-pacmak', { paths: [REPO] }), '--targets', 'python', '--code-only', '--outdir', out],
      { cwd: CDKTN, encoding: 'utf8', timeout: 170_000, env: JSII_ENV },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const init = path.join(out, 'python', 'src', 'identity_ha_cdktn', '__init__.py');
    const c = spawnSync('python3', ['-m', 'py_compile', init], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    const py = fs.readFileSync(init, 'utf8');
    assert.match(py, /^class IqServiceHaPair\(/m);
    assert.match(py, /^\s*import cdktn as _cdktn_/m);
    assert.doesNotMatch(py, /import cdktf|_LazyImport\("cdktf/);
    const setup = fs.readFileSync(path.join(out, 'python', 'setup.py'), 'utf8');
    assert.match(setup, /"cdktn>=0\.24\.0, <0\.25\.0"/);
    assert.match(setup, /"cdktn-provider-aws>=25\.7\.0, <26\.0\.0"/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it(
    'GIVEN a fresh project made as a user would (npm init, the packed identity-ha-cdktn, cdktn and the AWS provider from the registry) ' +
      "THEN a 20-line app with IqServiceHaPair in the user's own stack and backend synthesizes; an Azure target without its optional " +
      'provider is refused with the fix',
    { timeout: 600_000 },
    () => {
      built();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cdktn-user-'));
      try {
        const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: CDKTN, encoding: 'utf8', timeout: 120_000 });
        assert.equal(pack.status, 0, pack.stderr);
        const tarball = pack.stdout.trim().split('\n').pop()!;
        const npm = (...args: string[]) => spawnSync('npm', args, { cwd: dir, encoding: 'utf8', timeout: 480_000 });
        assert.equal(npm('init', '-y').status, 0);
        const lock = JSON.parse(fs.readFileSync(path.join(CDKTN, 'package-lock.json'), 'utf8')).packages;
        const v = (name: string) => lock[`node_modules/${name}`].version as string;
        const install = npm(
          'install',
          '--no-audit',
          '--no-fund',
          `./${tarball}`,
          `cdktn@${v('cdktn')}`,
          `constructs@${v('constructs')}`,
          `@cdktn/provider-aws@${v('@cdktn/provider-aws')}`,
        );
        assert.equal(install.status, 0, install.stdout + install.stderr);
        fs.writeFileSync(
          path.join(dir, 'main.js'),
          [
            "const { App, TerraformStack, S3Backend } = require('cdktn');",
            "const { AwsProvider } = require('@cdktn/provider-aws/lib/provider');",
            "const { IqServiceHaPair, AwsNlbTarget, HaproxyTarget } = require('identity-ha-cdktn');",
            '',
            'class PlatformStack extends TerraformStack {',
            '  constructor(scope, id) {',
            '    super(scope, id);',
            "    new S3Backend(this, { bucket: 'acme-terraform-state', key: 'identity/iqservice.tfstate', region: 'eu-west-1' });",
            "    new AwsProvider(this, 'aws', { region: 'eu-west-1' });",
            "    new IqServiceHaPair(this, 'iqservice', {",
            "      primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },",
            "      secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },",
            "      allowedClients: ['10.20.0.0/24'],",
            "      targets: [new AwsNlbTarget({ vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0a1b2c3d', 'subnet-1a2b3c4d'] }), new HaproxyTarget({})],",
            '    });',
            '  }',
            '}',
            'const app = new App();',
            "new PlatformStack(app, 'platform');",
            'app.synth();',
            '',
          ].join('\n'),
        );
        const run = spawnSync(process.execPath, ['main.js'], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, CDKTF_OUTDIR: path.join(dir, 'out') },
        });
        assert.equal(run.status, 0, run.stderr);
        const tf = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'stacks', 'platform', 'cdk.tf.json'), 'utf8'));
        assert.equal(tf.terraform.backend.s3.bucket, 'acme-terraform-state');
        assert.ok(tf.resource.aws_lb && tf.resource.aws_lb_target_group, Object.keys(tf.resource).join(', '));
        assert.equal(tf['//'].metadata.version, v('cdktn'));
        assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'cdktf')), 'no cdktf in a cdktn project');

        const azure = spawnSync(
          process.execPath,
          [
            '-e',
            "const { App, TerraformStack } = require('cdktn'); const { IqServiceHaPair, AzureLoadBalancerTarget } = require('identity-ha-cdktn');" +
              "const s = new TerraformStack(new App({ outdir: 'out-azure' }), 'azure');" +
              "new IqServiceHaPair(s, 'iq', { primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' }, secondary: { address: '10.0.2.10', " +
              "iqserviceVersion: '8.4p2' }, allowedClients: ['10.20.0.0/24'], targets: [new AzureLoadBalancerTarget({ resourceGroupName: 'rg', " +
              "location: 'westeurope', networkSecurityGroupName: 'nsg', subnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/" +
              "resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-identity/subnets/snet-iqservice' })] });",
          ],
          { cwd: dir, encoding: 'utf8' },
        );
        assert.notEqual(azure.status, 0);
        assert.match(
          azure.stderr,
          rx(
            '',
            '@cdktn/provider-azurerm is not installed, and this stack has a target that renders its resources\\. ',
            'Fix: npm install @cdktn/provider-azurerm and, in your package.json, "overrides"',
          ),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** Whether this Node satisfies a `>=X.Y.Z` engines range (the form cdktn-cli's is in). */
function nodeAtLeast(range: string): boolean {
  const m = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
  assert.ok(m, `an engines range of the form >=X.Y.Z, got ${range}`);
  const want = m.slice(1).map(Number);
  const have = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

describe('cdktn users', () => {
  it('GIVEN cdktn/cdktf.json WHEN `cdktn synth` (the CDK Terrain CLI) runs THEN it synthesizes examples/app.ts built on cdktn', (t) => {
    built();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cdktn-synth-'));
    const cli = path.join(CDKTN, 'node_modules', 'cdktn-cli');
    const engines = JSON.parse(fs.readFileSync(path.join(cli, 'package.json'), 'utf8')).engines.node as string;
    const before = new Set(fs.readdirSync(CDKTN));
    const r = spawnSync(process.execPath, [path.join(cli, 'bin', 'cdktn'), 'synth', '--output', out], {
      cwd: CDKTN,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1' },
      timeout: 180_000,
    });
    if (nodeAtLeast(engines)) {
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Generated Terraform code for the stacks: iqservice/);
    } else {
      // cdktn-cli 0.24 needs Node >=22.19 (its engines field; on Node 20 its bundled undici calls
      // util.markAsUncloneable, which Node 20 lacks). Say so, and run the cdktf.json app as the CLI does.
      assert.notEqual(r.status, 0, 'cdktn-cli started on a Node its engines field excludes: drop this branch');
      t.diagnostic(`cdktn-cli needs Node ${engines} (this is ${process.versions.node}); checked the cdktf.json app directly instead`);
      const app = JSON.parse(fs.readFileSync(path.join(CDKTN, 'cdktf.json'), 'utf8')).app as string;
      const direct = spawnSync('sh', ['-c', app], {
        cwd: CDKTN,
        encoding: 'utf8',
        env: { ...process.env, CDKTF_OUTDIR: out, CDKTF_CONTEXT_JSON: '{}' },
        timeout: 120_000,
      });
      assert.equal(direct.status, 0, direct.stderr);
    }
    const tf = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'iqservice', 'cdk.tf.json'), 'utf8'));
    assert.ok(tf.resource.bigip_as3 && tf.resource.azurerm_lb && tf.resource.aws_lb);
    assert.equal(tf['//'].metadata.version, '0.24.0', 'synthesized by cdktn');
    assert.deepEqual(
      fs.readdirSync(CDKTN).filter((f) => !before.has(f)),
      [],
      'nothing new in cdktn/',
    );
    fs.rmSync(out, { recursive: true, force: true });
  });
});

/** Every difference between two JSON values, as `path: a -> b`. */
function jsonDiff(a: unknown, b: unknown, at: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) jsonDiff(x[k], y[k], `${at}.${k}`, out);
    return;
  }
  out.push(`${at}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
}

/**
 * The differences the two builds may have, and only these: the framework's version in its metadata,
 * the providers' version pins, and the AWS provider's source, which cdktf's bindings write short
 * ("aws") and cdktn's in full ("hashicorp/aws"): an unqualified source means hashicorp/<name> on
 * Terraform's registry and on OpenTofu's, so both name the same provider.
 */
export function unexplained(differences: readonly string[]): string[] {
  const allowed = [
    /^manifest\.json\.version: "0\.21\.\d+" -> "0\.24\.\d+"$/,
    /^stacks\/[^/]+\/cdk\.tf\.json\.\/\/\.metadata\.version: "0\.21\.\d+" -> "0\.24\.\d+"$/,
    /^stacks\/[^/]+\/cdk\.tf\.json\.terraform\.required_providers\.(aws|azurerm)\.version: "[\d.]+" -> "[\d.]+"$/,
    /^stacks\/[^/]+\/cdk\.tf\.json\.terraform\.required_providers\.aws\.source: "aws" -> "hashicorp\/aws"$/,
  ];
  return differences.filter((d) => !allowed.some((r) => r.test(d)));
}

function files(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

describe('the same Terraform from both builds', () => {
  const examples = fs.readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yaml') && f !== 'session-failover.yaml');

  it('THEN every bundled example is compared (a sanity floor)', () => {
    assert.ok(examples.length >= 7, examples.join(', '));
  });

  for (const example of examples) {
    it(`GIVEN examples/${example} THEN cdktn writes the same files, and the same Terraform but for versions`, () => {
      built();
      const render = (dist: string) => {
        // Each build loads its own framework: cdktf from dist/, cdktn from cdktn/dist/.
        const load = createRequire(path.join(dist, 'lib', 'index.js'));
        const { loadTopologyFile } = load('./topology/topology.js');
        const { renderTopology } = load('./synth/synthesize.js');
        const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cdktn-eq-'));
        renderTopology(loadTopologyFile(path.join(REPO, 'examples', example)), { stagingDir: staging, outDir: `${staging}-out` });
        return staging;
      };
      const [a, b] = [render(path.join(REPO, 'dist')), render(path.join(CDKTN, 'dist'))];
      try {
        assert.deepEqual(files(b), files(a));
        const differences: string[] = [];
        let stacks = 0;
        for (const f of files(a)) {
          const [x, y] = [fs.readFileSync(path.join(a, f), 'utf8'), fs.readFileSync(path.join(b, f), 'utf8')];
          if (f.endsWith('cdk.tf.json')) stacks++;
          if (x === y) continue;
          if (f.endsWith('.json')) jsonDiff(JSON.parse(x), JSON.parse(y), f, differences);
          else differences.push(`${f}: the text differs`);
        }
        assert.deepEqual(unexplained(differences), []);
        if (stacks > 0) assert.ok(differences.length > 0, 'the versions differ, so the comparison saw both builds');
      } finally {
        fs.rmSync(a, { recursive: true, force: true });
        fs.rmSync(b, { recursive: true, force: true });
      }
    });
  }

  it('negative control: GIVEN an attribute that differs THEN it is listed, and the version pins beside it are not', () => {
    const d: string[] = [];
    jsonDiff(
      { terraform: { required_providers: { aws: { version: '6.25.0' } } }, resource: { aws_lb: { nlb: { internal: true } } } },
      { terraform: { required_providers: { aws: { version: '6.66.0' } } }, resource: { aws_lb: { nlb: { internal: false } } } },
      'stacks/identity-ha-aws/cdk.tf.json',
      d,
    );
    assert.deepEqual(unexplained(d), ['stacks/identity-ha-aws/cdk.tf.json.resource.aws_lb.nlb.internal: true -> false']);
  });
});
