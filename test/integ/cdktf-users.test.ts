import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import { App, TerraformStack, Testing } from 'cdktf';
import { F5BigIpTarget, IqServiceHaPair } from '../../lib';
import { ExistingPlatformStack } from '../../examples/existing-stack';
import { REPO, resources } from '../helpers';

describe('cdktf users', () => {
  it('GIVEN a user stack with its own (aliased) providers and data-source IDs THEN the construct synthesizes inside it', () => {
    const stack = new ExistingPlatformStack(Testing.app(), 'platform');
    const tf = JSON.parse(Testing.synth(stack, true));
    assert.equal(tf.provider.aws.length, 2, "the user's two aws providers, no extra one");
    assert.equal(tf.provider.azurerm.length, 1);
    const [lb] = resources(tf, 'aws_lb');
    assert.equal(lb.provider, 'aws.identity');
    assert.equal(lb.subnets, '${data.aws_subnets.subnets.ids}');
    const [tg] = resources(tf, 'aws_lb_target_group');
    assert.equal(tg.vpc_id, '${data.aws_vpc.vpc.id}');
    const [azlb] = resources(tf, 'azurerm_lb');
    assert.equal(azlb.frontend_ip_configuration[0].subnet_id, '${data.azurerm_subnet.subnet.id}');
    assert.equal(tf.resource.azurerm_virtual_network, undefined, 'no network is ever created');
    assert.equal(tf.resource.aws_vpc, undefined);
  });

  it('GIVEN cdktf.json WHEN `cdktf synth` (the cdktf CLI) runs THEN it synthesizes the example app', (t) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cdktf-'));
    // cdktf-cli's crash on Node 24 writes a Node diagnostic report into its working folder, which is
    // the repository here: send reports to a temporary folder, and check that none lands in the tree.
    const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cdktf-reports-'));
    const before = new Set(fs.readdirSync(REPO));
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/cdktf-cli/bundle/bin/cdktf'), 'synth', '--output', out], {
      cwd: REPO,
      encoding: 'utf8',
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        CI: '1',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --report-directory=${reports}`.trim(),
      },
      timeout: 120_000,
    });
    assert.deepEqual(
      fs.readdirSync(REPO).filter((f) => !before.has(f)),
      [],
      'nothing new in the repository folder',
    );
    if (r.status !== 0 && /Cannot find module '[^']*pty\.node'/.test(r.stderr + r.stdout) && Number(process.versions.node.split('.')[0]) >= 24) {
      // cdktf-cli 0.21 (archived) ships node-pty prebuilds only up to Node 22's ABI. Say so, and run
      // the app command from cdktf.json as cdktf-cli runs it (CDKTF_OUTDIR), so the app is still checked.
      t.diagnostic(
        `cdktf-cli cannot start on Node ${process.versions.node} (no node-pty build for this ABI); checked the cdktf.json app directly instead`,
      );
      const app = JSON.parse(fs.readFileSync(path.join(REPO, 'cdktf.json'), 'utf8')).app as string;
      const direct = spawnSync('sh', ['-c', app], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, CDKTF_OUTDIR: out, CDKTF_CONTEXT_JSON: '{}' },
        timeout: 120_000,
      });
      assert.equal(direct.status, 0, direct.stderr);
    } else {
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
    const tf = JSON.parse(fs.readFileSync(path.join(out, 'stacks/iqservice/cdk.tf.json'), 'utf8'));
    assert.ok(tf.resource.bigip_as3 && tf.resource.azurerm_lb && tf.resource.aws_lb);
  });

  it('GIVEN an app without the providers its resources need THEN cdktf validation refuses to synth', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'idha-np-')) });
    const s = new TerraformStack(app, 's');
    new IqServiceHaPair(s, 'iq', {
      primary: { address: '10.0.1.10', iqserviceVersion: '1' },
      secondary: { address: '10.0.2.10', iqserviceVersion: '1' },
      allowedClients: ['10.0.0.0/8'],
      targets: [new F5BigIpTarget({ virtualAddress: '10.0.0.5' })],
    });
    assert.throws(() => app.synth(), /bigip/);
  });
});

describe('the construct API and the runtime are separate entry points', () => {
  const loaded = (entry: string) => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)))`], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };

  it('GIVEN the construct entry point (identity-ha) THEN no runtime module is loaded; GIVEN identity-ha/runtime THEN no cdktf is loaded', () => {
    const constructs = loaded(path.join(REPO, 'dist', 'lib', 'index.js'));
    assert.ok(
      constructs.some((f) => f.includes(`${path.sep}cdktf${path.sep}`)),
      'the construct API loads cdktf',
    );
    assert.deepEqual(
      constructs.filter((f) => f.includes(`${path.sep}lib${path.sep}runtime${path.sep}`)),
      [],
    );
    const runtime = loaded(path.join(REPO, 'dist', 'lib', 'runtime', 'index.js'));
    assert.ok(runtime.some((f) => f.endsWith(`${path.sep}runtime${path.sep}shim.js`)));
    assert.deepEqual(
      runtime.filter((f) => f.includes(`node_modules${path.sep}cdktf`) || f.includes('@cdktf')),
      [],
    );
  });

  it('GIVEN the package name THEN both entry points resolve through package.json "exports"', () => {
    // A package can require itself by name through its own "exports" (self-reference), as users will.
    const r = spawnSync(
      process.execPath,
      ['-e', "console.log(typeof require('identity-ha').IqServiceHaPair, typeof require('identity-ha/runtime').Shim)"],
      { cwd: REPO, encoding: 'utf8' },
    );
    assert.equal(r.stdout.trim(), 'function function', r.stderr);
  });
});
