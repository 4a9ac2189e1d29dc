import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { describe, it } from 'node:test';
import {
  CommitStep,
  IdhaValidationError,
  loadTopologyFile,
  localStatePath,
  OWNER_MARKER,
  stateBackendProblems,
  StateBackendConfig,
  SynthInterruptedError,
  synthesizeTopology,
  synthesizeTopologyInterruptibly,
  TopologyDocument,
} from '../../lib/internal';
import { EXAMPLE, IDHA, REPO, runIdha, rx } from '../helpers';

const DNS_EXAMPLE = path.join(REPO, 'examples', 'iqservice-dns.yaml');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-safe-'));

/** Every entry below a folder (files, folders, links) with content and mode: what "untouched" means. */
function fullSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const st = fs.lstatSync(full);
      const rel = path.relative(dir, full);
      if (e.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) {
        out[rel + '/'] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(full);
      } else out[rel] = `${(st.mode & 0o777).toString(8)} ${fs.readFileSync(full, 'base64')}`;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** What `terraform init && terraform apply` leaves in a stack folder. */
function addTerraformFiles(stackDir: string): void {
  fs.mkdirSync(path.join(stackDir, '.terraform', 'providers', 'registry.terraform.io', 'hashicorp', 'aws', '6.25.0', 'linux_amd64'), {
    recursive: true,
  });
  fs.writeFileSync(
    path.join(stackDir, '.terraform', 'providers', 'registry.terraform.io', 'hashicorp', 'aws', '6.25.0', 'linux_amd64', 'terraform-provider-aws'),
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]),
  );
  fs.writeFileSync(path.join(stackDir, '.terraform', 'terraform.tfstate'), '{"backend":{"type":"local"}}\n');
  fs.writeFileSync(path.join(stackDir, '.terraform.lock.hcl'), 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "6.25.0"\n}\n');
  fs.writeFileSync(path.join(stackDir, 'terraform.tfstate'), '{"version":4,"serial":12,"resources":[{"type":"aws_lb"}]}\n');
  fs.writeFileSync(path.join(stackDir, 'prod.tfvars'), 'bigip_password = "from-vault"\n');
  fs.writeFileSync(path.join(stackDir, 'plan.out'), Buffer.from([0x50, 0x4b, 3, 4]));
}

/** An earlier output of the bundled example with Terraform files in the AWS stack, and a changed topology to synth over it. */
function earlierOutput(): { cwd: string; outDir: string; changed: TopologyDocument } {
  const cwd = tmp();
  const outDir = path.join(cwd, 'out');
  const topology = loadTopologyFile(EXAMPLE);
  synthesizeTopology({ topology, outDir });
  addTerraformFiles(path.join(outDir, 'stacks', 'identity-ha-aws'));
  return { cwd, outDir, changed: { ...topology, services: [{ ...topology.services[0], port: 5099 }] } };
}

function withPort(port: number): string {
  const dir = tmp();
  const file = path.join(dir, 'topology.yaml');
  fs.writeFileSync(file, fs.readFileSync(EXAMPLE, 'utf8').replace('    port: 5050', `    port: ${port}`));
  return file;
}

describe('Terraform state and files idha did not write survive every re-synth', () => {
  it(
    'GIVEN a stack folder with state, .terraform/ and a lock file WHEN idha synth runs twice with a changed topology THEN those are ' +
      'byte-identical and cdk.tf.json is updated',
    () => {
      const cwd = tmp();
      assert.equal(runIdha(['synth', '--config', withPort(5050), '--out', 'out'], cwd).status, 0);
      const stack = path.join(cwd, 'out', 'stacks', 'identity-ha-aws');
      addTerraformFiles(stack);
      const theirs = () => Object.fromEntries(Object.entries(fullSnapshot(stack)).filter(([f]) => f !== 'cdk.tf.json'));
      const before = theirs();
      for (const port of [5060, 5070]) {
        const r = runIdha(['synth', '--config', withPort(port), '--out', 'out'], cwd);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(theirs(), before, `after the synth with port ${port}`);
        const tf = JSON.parse(fs.readFileSync(path.join(stack, 'cdk.tf.json'), 'utf8'));
        assert.ok(
          Object.values(tf.resource.aws_lb_listener).some((l: any) => l.port === port),
          `cdk.tf.json has the listener on ${port}`,
        );
        assert.match(
          r.stdout,
          /Kept 5 entries idha did not write: stacks\/identity-ha-aws\/\.terraform, stacks\/identity-ha-aws\/\.terraform\.lock\.hcl/,
        );
      }
      assert.deepEqual(fs.readdirSync(cwd), ['out'], 'no staging folder left');
    },
  );

  it(
    "GIVEN the default local backend THEN every stack's state path, resolved from its stack folder, lies beside the output folder and not " + 'in it',
    () => {
      const cwd = tmp();
      for (const [config, out] of [
        [EXAMPLE, 'cdktf.out'],
        [DNS_EXAMPLE, path.join('deep', 'dns.out')],
      ]) {
        assert.equal(runIdha(['synth', '--config', config, '--out', out], cwd).status, 0);
        const outDir = path.join(cwd, out);
        const stacks = fs.readdirSync(path.join(outDir, 'stacks'));
        assert.ok(stacks.length >= 2);
        for (const s of stacks) {
          const stackDir = path.join(outDir, 'stacks', s);
          const tf = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
          const statePath = tf.terraform.backend.local.path as string;
          assert.ok(!path.isAbsolute(statePath), 'relative, so the output stays byte-reproducible');
          const resolved = path.resolve(stackDir, statePath);
          assert.equal(resolved, path.join(path.dirname(outDir), `terraform.${s}.tfstate`));
          assert.ok(path.relative(outDir, resolved).startsWith('..'), `${resolved} is outside ${outDir}`);
        }
      }
    },
  );

  it(
    'GIVEN a service that is no longer in the topology WHEN its stack folder holds state THEN the folder is kept, with a warning that says ' +
      'what to run',
    () => {
      const cwd = tmp();
      assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd).status, 0);
      addTerraformFiles(path.join(cwd, 'out', 'stacks', 'identity-ha-azure'));
      const before = fullSnapshot(path.join(cwd, 'out', 'stacks', 'identity-ha-azure'));
      const r = runIdha(['synth', '--config', EXAMPLE, '--platform', 'aws', '--out', 'out'], cwd);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          String.raw`warning: stack identity-ha-azure is no longer generated but holds Terraform files ` +
            String.raw`\(\.terraform, \.terraform\.lock\.hcl, plan\.out, \.\.\. \(5\)\); ` +
            'run `terraform destroy` in out/stacks/identity-ha-azure or delete it yourself',
        ),
      );
      const after = fullSnapshot(path.join(cwd, 'out', 'stacks', 'identity-ha-azure'));
      delete before['cdk.tf.json'];
      assert.deepEqual(after, before, "everything but idha's own cdk.tf.json is kept");
      assert.equal(fs.existsSync(path.join(cwd, 'out', 'stacks', 'identity-ha-f5')), false, "a stack folder with nothing of the user's is removed");
      assert.deepEqual(
        fs.readdirSync(path.join(cwd, 'out', 'snippets', 'iqservice')),
        ['hosts'],
        'snippets of platforms no longer rendered are removed; the host plan stays',
      );
    },
  );

  it(
    'GIVEN an output folder of idha 0.1 (no marker, state inside the stack folder) THEN it is taken over, the state is kept and the warning ' +
      'names terraform init -migrate-state',
    () => {
      const cwd = tmp();
      assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd).status, 0);
      // idha 0.1 wrote no marker and no host plan, and its backends pointed inside the stack folder.
      fs.rmSync(path.join(cwd, 'out', OWNER_MARKER));
      fs.rmSync(path.join(cwd, 'out', 'snippets', 'iqservice', 'hosts'), { recursive: true });
      for (const s of fs.readdirSync(path.join(cwd, 'out', 'stacks'))) {
        const f = path.join(cwd, 'out', 'stacks', s, 'cdk.tf.json');
        const tf = JSON.parse(fs.readFileSync(f, 'utf8'));
        tf.terraform.backend.local.path = `terraform.${s}.tfstate`;
        fs.writeFileSync(f, JSON.stringify(tf, null, 2));
      }
      const state = path.join(cwd, 'out', 'stacks', 'identity-ha-aws', 'terraform.identity-ha-aws.tfstate');
      fs.writeFileSync(state, '{"serial": 3}\n');
      const r = runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(state, 'utf8'), '{"serial": 3}\n');
      assert.match(
        r.stderr,
        new RegExp(
          String.raw`stack identity-ha-aws has Terraform state inside the output folder \(terraform\.identity-ha-aws\.tfstate; ` +
            String.raw`idha 0\.1 kept it there\), but its backend now keeps state at terraform\.identity-ha-aws\.tfstate\. ` +
            "If that file is the stack's live state, run `terraform init -migrate-state` in out/stacks/identity-ha-aws",
        ),
      );
      assert.ok(fs.existsSync(path.join(cwd, 'out', OWNER_MARKER)));
    },
  );

  it(
    "GIVEN the output of a cdktf app of the user's own (manifest.json and stacks/, but not idha 0.1's) THEN it is not taken over: refused " +
      'and untouched',
    () => {
      const cwd = tmp();
      const r0 = spawnSync(process.execPath, [path.join(REPO, 'dist', 'examples', 'app.js')], {
        encoding: 'utf8',
        env: { ...process.env, CDKTF_OUTDIR: path.join(cwd, 'out') },
      });
      assert.equal(r0.status, 0, r0.stderr);
      assert.ok(fs.existsSync(path.join(cwd, 'out', 'manifest.json')));
      const before = fullSnapshot(path.join(cwd, 'out'));
      const r = runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--out: got "out"; allowed: a new or empty folder, or one idha wrote/);
      assert.deepEqual(fullSnapshot(path.join(cwd, 'out')), before);
    },
  );

  it("GIVEN a file of the user's where idha now writes one THEN the synth stops, names it, and changes nothing", () => {
    const cwd = tmp();
    assert.equal(runIdha(['synth', '--config', EXAMPLE, '--platform', 'aws', '--out', 'out'], cwd).status, 0);
    fs.mkdirSync(path.join(cwd, 'out', 'snippets', 'iqservice'), { recursive: true });
    fs.writeFileSync(path.join(cwd, 'out', 'snippets', 'iqservice', 'haproxy.cfg'), '# my own\n');
    const before = fullSnapshot(path.join(cwd, 'out'));
    const r = runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      rx(
        '',
        String.raw`--out: got "snippets\/iqservice\/haproxy\.cfg"; allowed: no file that idha did not write where idha writes one`,
        String.raw`\. Fix: move snippets\/iqservice\/haproxy\.cfg out of the output folder`,
      ),
    );
    assert.deepEqual(fullSnapshot(path.join(cwd, 'out')), before);
    assert.deepEqual(fs.readdirSync(cwd), ['out']);
  });
});

describe('idha synth writes only into a folder it owns', () => {
  it(
    "GIVEN a folder with the user's own files WHEN idha synth --out it THEN exit 2, the folder and the fix are named, nothing is touched; " +
      'WITH --force the files are kept beside the output',
    () => {
      const cwd = tmp();
      fs.mkdirSync(path.join(cwd, 'infra'));
      fs.writeFileSync(path.join(cwd, 'infra', 'main.tf'), 'resource "null_resource" "x" {}\n');
      const before = fullSnapshot(path.join(cwd, 'infra'));
      const r = runIdha(['synth', '--out', 'infra'], cwd);
      assert.equal(r.status, 2);
      assert.match(
        r.stderr,
        rx(
          '',
          String.raw`--out: got "infra"; allowed: a new or empty folder, or one idha wrote \(it has manifest\.json and idha-manifes`,
          String.raw`t\.json\); this one holds main\.tf\. Fix: .*--force`,
        ),
      );
      assert.deepEqual(fullSnapshot(path.join(cwd, 'infra')), before);
      assert.deepEqual(fs.readdirSync(cwd), ['infra']);

      const f = runIdha(['synth', '--out', 'infra', '--force'], cwd);
      assert.equal(f.status, 0, f.stderr);
      assert.equal(fs.readFileSync(path.join(cwd, 'infra', 'main.tf'), 'utf8'), 'resource "null_resource" "x" {}\n');
      assert.ok(fs.existsSync(path.join(cwd, 'infra', 'stacks', 'identity-ha-aws', 'cdk.tf.json')));
      // From now on idha owns it, and main.tf is still not idha's.
      const again = runIdha(['synth', '--out', 'infra'], cwd);
      assert.equal(again.status, 0, again.stderr);
      assert.ok(fs.existsSync(path.join(cwd, 'infra', 'main.tf')));
    },
  );

  it('GIVEN an empty folder THEN it is used without --force', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'empty'));
    assert.equal(runIdha(['synth', '--out', 'empty'], cwd).status, 0);
  });

  it("GIVEN a marker that lists a path outside the folder THEN the folder is not taken as idha's", () => {
    const cwd = tmp();
    assert.equal(runIdha(['synth', '--out', 'out'], cwd).status, 0);
    const marker = JSON.parse(fs.readFileSync(path.join(cwd, 'out', OWNER_MARKER), 'utf8'));
    fs.writeFileSync(path.join(cwd, 'out', OWNER_MARKER), JSON.stringify({ ...marker, files: [...marker.files, '../victim.txt'] }));
    const r = runIdha(['synth', '--out', 'out'], cwd);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out: got "out"; allowed: a new or empty folder, or one idha wrote/);
  });

  const slips: Array<[string, (cwd: string) => string[], RegExp, NodeJS.ProcessEnv?]> = [
    ['--out . (the current folder)', () => ['--out', '.'], /--out: got "\."; allowed: a folder that does not hold the current folder/],
    [
      '--out .. (above the current folder), even with --force',
      () => ['--out', '..', '--force'],
      /--out: got "\.\."; allowed: a folder that does not hold the current folder/,
    ],
    ['--out ""', () => ['--out', ''], /--out: got ""; allowed: a folder path/],
    ['--out /', () => ['--out', '/', '--force'], /--out: got "\/"; allowed: a folder below the file-system root/],
    [
      '--out the home folder, even with --force',
      (cwd) => ['--out', path.join(cwd, 'home'), '--force'],
      /allowed: a folder that is not the home folder or above it/,
    ],
    ['--out naming a regular file', () => ['--out', 'notes.txt'], /--out: got "notes\.txt"; allowed: a folder; this names a file/],
    [
      '--out below a regular file',
      () => ['--out', 'notes.txt/out'],
      /--out: got "notes\.txt\/out"; allowed: a path whose parents are folders\. Fix: notes\.txt is a file/,
    ],
    ['--out naming a symbolic link', () => ['--out', 'link'], /--out: got "link"; allowed: a folder, not a symbolic link/],
    ['--config given no value', () => ['--config', '--out', 'X'], /Not enough arguments following: config/],
    ['--out given no value', () => ['--out'], /Not enough arguments following: out/],
    ['--platform given no value', () => ['--platform', '--out', 'X'], /Not enough arguments following: platform/],
  ];
  for (const [what, argv, message] of slips) {
    it(`GIVEN ${what} THEN exit 2 with the reason, and nothing in the folder is touched`, () => {
      const cwd = tmp();
      fs.mkdirSync(path.join(cwd, 'home'));
      fs.writeFileSync(path.join(cwd, 'home', '.bashrc'), 'export A=1\n');
      fs.writeFileSync(path.join(cwd, 'notes.txt'), 'mine\n');
      fs.mkdirSync(path.join(cwd, 'real'));
      fs.symlinkSync('real', path.join(cwd, 'link'));
      const before = fullSnapshot(cwd);
      const r = runIdha(['synth', ...argv(cwd)], cwd, { HOME: path.join(cwd, 'home') });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(fullSnapshot(cwd), before);
    });
  }

  it('GIVEN a neighbour of those slips (--out a new folder below the current one, --config with a value) THEN it works', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--config', EXAMPLE, '--out', path.join('a', 'b', 'out')], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'a', 'b', 'out', OWNER_MARKER)));
  });

  it('GIVEN an invalid topology and --out a/b/out THEN exit 2 and no folder a/ is left behind', () => {
    const cwd = tmp();
    const r = runIdha(['synth', '--config', path.join(REPO, 'test/fixtures/bad-values.yaml'), '--out', path.join('a', 'b', 'out')], cwd);
    assert.equal(r.status, 2);
    const inner = runIdha(['synth', '--config', EXAMPLE, '--platform', 'gcp', '--out', path.join('a', 'b', 'out')], cwd);
    assert.equal(inner.status, 2);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it('GIVEN idha synth piped into head THEN no EPIPE stack trace', () => {
    const cwd = tmp();
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${IDHA}" synth --config "${EXAMPLE}" --out out | head -1`], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, 'Synthesized 16 files into out:\n');
    assert.equal(r.stderr, '');
  });

  for (const [umask, dirMode, fileMode] of [
    ['022', '755', '644'],
    ['027', '750', '640'],
  ]) {
    it(`GIVEN umask ${umask} THEN the output folder is ${dirMode} and its files ${fileMode}, all of them`, () => {
      const cwd = tmp();
      const r = spawnSync('sh', ['-c', `umask ${umask} && exec "${process.execPath}" "${IDHA}" synth --config "${EXAMPLE}" --out out`], {
        cwd,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const modes = fullSnapshot(path.join(cwd, 'out'));
      assert.equal((fs.statSync(path.join(cwd, 'out')).mode & 0o777).toString(8), dirMode);
      for (const [f, v] of Object.entries(modes)) assert.equal(v.split(' ')[f.endsWith('/') ? 1 : 0], f.endsWith('/') ? dirMode : fileMode, f);
    });
  }
});

describe('SIGINT during a long synth', () => {
  it(
    'GIVEN a synth of 1,000 pairs over an earlier output WHEN SIGINT arrives mid-render THEN exit 130, no staging folder, and the old ' +
      'output exactly as it was',
    async () => {
      const cwd = tmp();
      const services = Array.from({ length: 1000 }, (_, i) => ({
        name: `iq${i}`,
        primary: { address: `10.${i >> 8}.${i & 255}.10`, iqserviceVersion: '8.4p2' },
        secondary: { address: `10.${i >> 8}.${i & 255}.20`, iqserviceVersion: '8.4p2' },
        allowedClients: ['10.250.0.0/24'],
        targets: { aws: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], targetSecurityGroupId: 'sg-0123abcd' } },
      }));
      fs.writeFileSync(path.join(cwd, 'big.json'), JSON.stringify({ version: 1, providers: { aws: { region: 'eu-west-1' } }, services }));
      assert.equal(runIdha(['synth', '--config', EXAMPLE, '--out', 'out'], cwd).status, 0);
      addTerraformFiles(path.join(cwd, 'out', 'stacks', 'identity-ha-aws'));
      const before = fullSnapshot(path.join(cwd, 'out'));

      const child = spawn(process.execPath, [IDHA, 'synth', '--config', 'big.json', '--out', 'out'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait (at most 20 s) until the staging folder exists: the render is under way.
      const deadline = Date.now() + 20_000;
      while (!fs.readdirSync(cwd).some((n) => n.startsWith('.out.tmp-')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(
        fs.readdirSync(cwd).some((n) => n.startsWith('.out.tmp-')),
        'the synth got under way',
      );
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted by SIGINT: nothing was changed/);
      assert.deepEqual(fs.readdirSync(cwd).sort(), ['big.json', 'out']);
      assert.deepEqual(fullSnapshot(path.join(cwd, 'out')), before);
    },
  );
});

describe('a signal during the render, in this thread or in the worker', () => {
  for (const worker of [false, true]) {
    it(
      `GIVEN an earlier output WHEN a signal arrives as the render starts (${worker ? 'worker thread' : 'this thread'}) THEN ` +
        `SynthInterruptedError, no staging folder, old output exactly as it was; GIVEN no signal THEN it completes`,
      async () => {
        const { cwd, outDir, changed } = earlierOutput();
        const before = fullSnapshot(outDir);
        const listenersBefore = process.listenerCount('SIGWINCH');
        const repoBefore = new Set(fs.readdirSync(REPO));
        // SIGWINCH stands in for SIGINT here: the same path, without reaching the test runner
        // (SIGUSR2 made Node 24 write a diagnostic report into the working folder).
        await assert.rejects(
          synthesizeTopologyInterruptibly(
            { topology: changed, outDir },
            { worker, signals: ['SIGWINCH'], beforeRender: () => process.kill(process.pid, 'SIGWINCH') },
          ),
          (e: Error) => e instanceof SynthInterruptedError && /interrupted by SIGWINCH: nothing was changed/.test(e.message),
        );
        assert.deepEqual(fullSnapshot(outDir), before);
        assert.deepEqual(fs.readdirSync(cwd), ['out']);
        const r = await synthesizeTopologyInterruptibly({ topology: changed, outDir }, { worker, signals: ['SIGWINCH'] });
        assert.equal(r.kept.length, 5);
        assert.ok(fs.readFileSync(path.join(outDir, 'stacks', 'identity-ha-aws', 'cdk.tf.json'), 'utf8').includes('5099'));
        assert.equal(process.listenerCount('SIGWINCH'), listenersBefore, 'the handler is removed again');
        assert.deepEqual(
          fs.readdirSync(REPO).filter((f) => !repoBefore.has(f)),
          [],
          'nothing written into the repository folder (no diagnostic report)',
        );
      },
    );
  }
});

describe('a failure halfway through the swap leaves the old output exactly as it was', () => {
  const steps: Array<[CommitStep, number]> = [
    ['move-foreign', 0],
    ['move-foreign', 3],
    ['move-old-aside', 0],
    ['move-new-in', 0],
  ];
  for (const [step, nth] of steps) {
    it(
      `GIVEN state, .terraform/ and a user file in the old output WHEN step ${step}${step === 'move-foreign' ? ` #${nth + 1}` : ''} fails ` +
        `THEN the old output is exactly as it was and no staging folder is left`,
      () => {
        const { cwd, outDir, changed } = earlierOutput();
        const before = fullSnapshot(outDir);
        let seen = 0;
        assert.throws(
          () =>
            synthesizeTopology(
              { topology: changed, outDir },
              {
                beforeStep: (s) => {
                  if (s === step && seen++ === nth) throw new Error(`injected failure at ${s}`);
                },
              },
            ),
          /injected failure/,
        );
        assert.deepEqual(fullSnapshot(outDir), before);
        assert.deepEqual(fs.readdirSync(cwd), ['out']);
      },
    );
  }

  it('GIVEN the same topology with no failure injected (the neighbour) THEN the swap completes and keeps the files', () => {
    const { cwd, outDir, changed } = earlierOutput();
    const steps: string[] = [];
    const r = synthesizeTopology(
      { topology: changed, outDir },
      {
        beforeStep: (s) => {
          steps.push(s);
        },
      },
    );
    assert.deepEqual([...new Set(steps)], ['move-foreign', 'move-old-aside', 'move-new-in', 'remove-old']);
    assert.equal(r.kept.length, 5);
    assert.ok(fs.readFileSync(path.join(outDir, 'stacks', 'identity-ha-aws', 'cdk.tf.json'), 'utf8').includes('5099'));
    assert.deepEqual(fs.readdirSync(cwd), ['out']);
  });

  it('GIVEN removing the previous output fails after the new one is in place THEN the synth succeeds with a warning naming the leftover', () => {
    const cwd = tmp();
    const outDir = path.join(cwd, 'out');
    const topology = loadTopologyFile(EXAMPLE);
    synthesizeTopology({ topology, outDir });
    const r = synthesizeTopology(
      { topology, outDir },
      {
        beforeStep: (s) => {
          if (s === 'remove-old') throw new Error('EBUSY');
        },
      },
    );
    assert.ok(
      r.warnings.some((w) => /the previous one could not be removed from .*\.old \(EBUSY\); it holds only files idha wrote: delete it/.test(w)),
      r.warnings.join('\n'),
    );
  });
});

describe('state backends', () => {
  const synthWith = (backend: StateBackendConfig) => {
    const cwd = tmp();
    const topology = { ...loadTopologyFile(EXAMPLE), backend };
    const r = synthesizeTopology({ topology, outDir: path.join(cwd, 'out'), platforms: ['aws', 'azure'] });
    const tf = (s: string) => JSON.parse(fs.readFileSync(path.join(cwd, 'out', 'stacks', s, 'cdk.tf.json'), 'utf8'));
    return { r, aws: tf('identity-ha-aws'), azure: tf('identity-ha-azure'), cwd };
  };

  it('GIVEN backend.s3 THEN each stack gets its own key, locking and encryption, and no credentials', () => {
    const { aws, azure, r } = synthWith({ s3: { bucket: 'contoso-tfstate', region: 'eu-west-1', keyPrefix: 'identity/prod' } });
    assert.deepEqual(aws.terraform.backend, {
      s3: { bucket: 'contoso-tfstate', key: 'identity/prod/identity-ha-aws.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
    assert.equal(azure.terraform.backend.s3.key, 'identity/prod/identity-ha-azure.tfstate');
    assert.deepEqual(
      r.stacks.map((s) => s.state),
      ['s3://contoso-tfstate/identity/prod/identity-ha-azure.tfstate', 's3://contoso-tfstate/identity/prod/identity-ha-aws.tfstate'],
    );
  });

  it('GIVEN backend.s3 with a DynamoDB table THEN the table locks and use_lockfile is left out', () => {
    const { aws } = synthWith({ s3: { bucket: 'contoso-tfstate', region: 'eu-west-1', dynamodbTable: 'tf-locks', encrypt: false } });
    assert.deepEqual(aws.terraform.backend, {
      s3: { bucket: 'contoso-tfstate', key: 'identity-ha/identity-ha-aws.tfstate', region: 'eu-west-1', encrypt: false, dynamodb_table: 'tf-locks' },
    });
  });

  it('GIVEN backend.azurerm THEN each stack gets its own key in the container', () => {
    const { aws } = synthWith({
      azurerm: { storageAccountName: 'contosotfstate', containerName: 'tfstate', resourceGroupName: 'rg-tfstate', useAzureadAuth: true },
    });
    assert.deepEqual(aws.terraform.backend, {
      azurerm: {
        storage_account_name: 'contosotfstate',
        container_name: 'tfstate',
        key: 'identity-ha/identity-ha-aws.tfstate',
        resource_group_name: 'rg-tfstate',
        use_azuread_auth: true,
      },
    });
  });

  it('GIVEN backend.local.path THEN the state goes to that folder, taken from beside the output folder', () => {
    const { aws, cwd } = synthWith({ local: { path: 'state' } });
    assert.equal(aws.terraform.backend.local.path, '../../../state/terraform.identity-ha-aws.tfstate');
    assert.equal(
      path.resolve(cwd, 'out', 'stacks', 'identity-ha-aws', aws.terraform.backend.local.path),
      path.join(cwd, 'state', 'terraform.identity-ha-aws.tfstate'),
    );
    assert.equal(localStatePath('x', { path: '/srv/tfstate' }), '/srv/tfstate/terraform.x.tfstate');
  });

  it('GIVEN a local state folder inside the output folder THEN refused; GIVEN one beside it THEN accepted', () => {
    const cwd = tmp();
    const topology = loadTopologyFile(EXAMPLE);
    assert.throws(
      () => synthesizeTopology({ topology: { ...topology, backend: { local: { path: 'out/state' } } }, outDir: path.join(cwd, 'out') }),
      (e: IdhaValidationError) => e.problems.some((p) => p.field === 'backend.local.path' && /outside the output folder/.test(p.allowed)),
    );
    assert.deepEqual(fs.readdirSync(cwd), []);
    assert.doesNotThrow(() =>
      synthesizeTopology({ topology: { ...topology, backend: { local: { path: 'outside' } } }, outDir: path.join(cwd, 'out') }),
    );
  });

  const bad: Array<[string, StateBackendConfig, string, RegExp, StateBackendConfig]> = [
    [
      'two kinds at once',
      { local: {}, s3: { bucket: 'abc', region: 'eu-west-1' } },
      'backend',
      /exactly one of local, s3, azurerm/,
      { s3: { bucket: 'abc', region: 'eu-west-1' } },
    ],
    [
      'an S3 bucket with capitals',
      { s3: { bucket: 'My_Bucket', region: 'eu-west-1' } },
      'backend.s3.bucket',
      /S3 bucket name/,
      { s3: { bucket: 'my-bucket', region: 'eu-west-1' } },
    ],
    [
      'an S3 bucket shaped like an IP address',
      { s3: { bucket: '10.0.0.1', region: 'eu-west-1' } },
      'backend.s3.bucket',
      /not an IP address/,
      { s3: { bucket: '10.0.0.1.state', region: 'eu-west-1' } },
    ],
    [
      'a region that is not one',
      { s3: { bucket: 'abc', region: 'Europe' } },
      'backend.s3.region',
      /AWS region/,
      { s3: { bucket: 'abc', region: 'eu-central-1' } },
    ],
    [
      'a key prefix with a leading slash',
      { s3: { bucket: 'abc', region: 'eu-west-1', keyPrefix: '/prod' } },
      'backend.s3.keyPrefix',
      /no leading or trailing/,
      { s3: { bucket: 'abc', region: 'eu-west-1', keyPrefix: 'prod' } },
    ],
    [
      'a key prefix with ..',
      { s3: { bucket: 'abc', region: 'eu-west-1', keyPrefix: 'a/../b' } },
      'backend.s3.keyPrefix',
      /no "\." or "\.\." segment/,
      { s3: { bucket: 'abc', region: 'eu-west-1', keyPrefix: 'a/b' } },
    ],
    [
      'locking turned off',
      { s3: { bucket: 'abc', region: 'eu-west-1', useLockfile: false } },
      'backend.s3.useLockfile',
      /false together with dynamodbTable/,
      { s3: { bucket: 'abc', region: 'eu-west-1', useLockfile: false, dynamodbTable: 'locks' } },
    ],
    [
      'a bad lock table name',
      { s3: { bucket: 'abc', region: 'eu-west-1', dynamodbTable: 'a b' } },
      'backend.s3.dynamodbTable',
      /DynamoDB table name/,
      { s3: { bucket: 'abc', region: 'eu-west-1', dynamodbTable: 'a-b' } },
    ],
    [
      'a storage account with a hyphen',
      { azurerm: { storageAccountName: 'my-state', containerName: 'tfstate' } },
      'backend.azurerm.storageAccountName',
      /3-24 lowercase letters and digits/,
      { azurerm: { storageAccountName: 'mystate', containerName: 'tfstate' } },
    ],
    [
      'a container with a double hyphen',
      { azurerm: { storageAccountName: 'mystate', containerName: 'tf--state' } },
      'backend.azurerm.containerName',
      /single hyphens/,
      { azurerm: { storageAccountName: 'mystate', containerName: 'tf-state' } },
    ],
    [
      'a resource group ending in a dot',
      { azurerm: { storageAccountName: 'mystate', containerName: 'tfstate', resourceGroupName: 'rg.' } },
      'backend.azurerm.resourceGroupName',
      /not ending in "\."/,
      { azurerm: { storageAccountName: 'mystate', containerName: 'tfstate', resourceGroupName: 'rg' } },
    ],
    ['an empty local path', { local: { path: '' } }, 'backend.local.path', /a folder path/, { local: { path: '.' } }],
  ];
  for (const [what, config, field, allowed, neighbour] of bad) {
    it(`GIVEN ${what} THEN ${field} is named; GIVEN its neighbour THEN accepted`, () => {
      const problems = stateBackendProblems(config);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0].field, field);
      assert.match(problems[0].allowed, allowed);
      assert.deepEqual(stateBackendProblems(neighbour), []);
    });
  }

  it(
    'GIVEN a secret in the backend block of a topology file THEN the schema refuses it, does not echo it, and says where credentials come ' + 'from',
    () => {
      const dir = tmp();
      const file = path.join(dir, 't.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(EXAMPLE, 'utf8')
          .replace('services:\n', 'backend:\n  s3:\n    bucket: abc\n    region: eu-west-1\n    secretKey: wJalrXUtnFEMI\nservices:\n'),
      );
      const r = runIdha(['synth', '--config', file, '--out', path.join(dir, 'o')]);
      assert.equal(r.status, 2);
      assert.match(
        r.stderr,
        rx(
          '',
          String.raw`backend\.s3\.secretKey: got \(not shown: a secret\); allowed: no key "secretKey" here; known keys: bucket, reg`,
          String.raw`ion, keyPrefix, useLockfile, dynamodbTable, encrypt\. Fix: secrets never go in the topology file: Terraform re`,
          String.raw`ads credentials from the environment`,
        ),
      );
      assert.doesNotMatch(r.stderr, /wJalrXUtnFEMI/);
      assert.equal(fs.existsSync(path.join(dir, 'o')), false);
    },
  );

  it('GIVEN backend.azurerm in a topology file WHEN idha synth THEN it prints where each stack keeps its state', () => {
    const dir = tmp();
    const file = path.join(dir, 't.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(EXAMPLE, 'utf8')
        .replace('services:\n', 'backend:\n  azurerm:\n    storageAccountName: contosotfstate\n    containerName: tfstate\nservices:\n'),
    );
    const r = runIdha(['synth', '--config', file, '--out', path.join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /identity-ha-aws: azurerm contosotfstate\/tfstate\/identity-ha\/identity-ha-aws\.tfstate/);
  });

  it('GIVEN the cdktf app with the idha:backend context THEN its stack uses that backend; without it, local state beside cdktf.out', () => {
    const run = (context?: object) => {
      const out = tmp();
      const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'examples', 'app.js')], {
        encoding: 'utf8',
        env: { ...process.env, CDKTF_OUTDIR: out, ...(context ? { CDKTF_CONTEXT_JSON: JSON.stringify(context) } : {}) },
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'iqservice', 'cdk.tf.json'), 'utf8')).terraform.backend;
    };
    assert.deepEqual(run(), { local: { path: '../../../terraform.iqservice.tfstate' } });
    assert.deepEqual(run({ 'idha:backend': { s3: { bucket: 'contoso-tfstate', region: 'eu-west-1' } } }).s3.key, 'identity-ha/iqservice.tfstate');
  });
});
