import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AwsNlbTarget, FailoverEstimate, HaServiceModel, HaStrategy, HaTargetBase, IqServiceHaPair, Problems, Snippet } from '../../lib';
import { AWS, EXAMPLE, REPO } from '../helpers';

/**
 * The cross-language check: Python drives the built assembly through @jsii/runtime (the kernel the
 * Python `jsii` package embeds), with the packaged tarballs of identity-ha and its dependencies from
 * node_modules. No PyPI: test/python/drive_assembly.py speaks the kernel protocol with the standard
 * library only.
 */
const CACHE = path.join(REPO, 'node_modules', '.cache', 'idha-jsii-tarballs');
const DEPS = ['constructs', 'cdktf', '@cdktf/provider-aws', '@cdktf/provider-azurerm'];

function version(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** npm's tarball layout (package/...) of an installed package, cached by name and version. */
function tarball(name: string): string {
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${name.replace('/', '__')}-${version(name)}.tgz`);
  if (!fs.existsSync(file)) {
    const dir = path.dirname(path.join(REPO, 'node_modules', name));
    const base = path.basename(name);
    const r = spawnSync(
      'sh',
      ['-c', `tar -C "${dir}" -cf - --transform 's,^${base},package,' "${base}" | gzip -1 > "${file}.part" && mv "${file}.part" "${file}"`],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  }
  return file;
}

/** identity-ha as `npm pack` makes it (files, bundled dependencies, .jsii), from this build. */
function ownTarball(): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-pack-'));
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dest], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path.join(dest, r.stdout.trim().split('\n').pop()!);
}

/** The TypeScript twin of the Python CsvTarget in drive_assembly.py. */
class CsvTarget extends HaTargetBase {
  public readonly platform = 'csv';
  public readonly strategy = HaStrategy.LOAD_BALANCER;
  public validate(_model: HaServiceModel, _problems: Problems): void {
    /* nothing to check */
  }
  public render(scope: Construct, model: HaServiceModel): void {
    new TerraformOutput(scope, 'members', { value: model.pools[0].members.map((m) => `${m.name}=${m.address.value}`).join(',') });
  }
  public estimate(model: HaServiceModel): FailoverEstimate {
    return { service: model.name, platform: 'csv', worstCaseSeconds: 1, formula: 'python', terms: [], failbackSeconds: 1, failbackFormula: 'python' };
  }
  public snippets(_model: HaServiceModel): Snippet[] {
    return [{ kind: 'csv', fileName: 'members.csv', content: 'written in Python\n' }];
  }
}

describe('Python drives the jsii assembly through @jsii/runtime', { timeout: 300_000 }, () => {
  it(
    'GIVEN an App, a stack, a provider and a pair with an AWS target and a Python target WHEN synthesized from Python THEN the same ' +
      'Terraform JSON as TypeScript (apart from the backend path), the Python target rendered, problems as data',
    () => {
      const py = spawnSync('python3', ['--version'], { encoding: 'utf8' });
      assert.equal(py.status, 0, 'python3 is needed for the cross-language test (.ci/run installs it)');
      const list = [
        ...DEPS.map((name) => ({ name, version: version(name), tarball: tarball(name) })),
        { name: 'identity-ha', version: version('..'), tarball: ownTarball() },
      ];
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-py-'));
      fs.writeFileSync(path.join(work, 'tarballs.json'), JSON.stringify(list));
      const runtime = path.join(REPO, 'node_modules', '@jsii', 'runtime', 'webpack', 'bin', 'jsii-runtime.js');
      const r = spawnSync(
        'python3',
        [path.join(REPO, 'test', 'python', 'drive_assembly.py'), runtime, path.join(work, 'tarballs.json'), path.join(work, 'py-out'), EXAMPLE],
        {
          cwd: work,
          encoding: 'utf8',
          timeout: 240_000,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...process.env,
            JSII_RUNTIME_PACKAGE_CACHE_ROOT: path.join(REPO, 'node_modules', '.cache', 'jsii-runtime'),
            JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
          },
        },
      );
      assert.equal(
        r.status,
        0,
        r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('!!'))
          .slice(-30)
          .join('\n'),
      );
      const out = JSON.parse(r.stdout);
      assert.match(out.hello, /^@jsii\/runtime@/);

      // THEN the synthesized stack equals the TypeScript path's
      const tsOut = path.join(work, 'ts-out');
      const app = new App({ outdir: tsOut });
      const stack = new TerraformStack(app, 'python');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      new IqServiceHaPair(stack, 'iqservice', {
        primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
        secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },
        allowedClients: ['10.20.0.0/24'],
        targets: [new AwsNlbTarget(AWS), new CsvTarget()],
      });
      app.synth();
      const read = (dir: string) => {
        const tf = JSON.parse(fs.readFileSync(path.join(dir, 'stacks', 'python', 'cdk.tf.json'), 'utf8'));
        delete tf.terraform.backend; // the local state path is absolute: it depends on the working folder
        return JSON.stringify(tf, null, 2);
      };
      const fromPython = read(path.join(work, 'py-out'));
      assert.equal(fromPython, read(tsOut));
      const tf = JSON.parse(fromPython);
      assert.equal(Object.values(tf.resource.aws_lb as object).length, 1);
      assert.deepEqual(
        Object.values(tf.output).map((o: any) => o.value),
        ['primary=10.0.1.10,secondary=10.0.2.10'],
        'the Python target rendered its output',
      );

      // THEN the Python target took part in validation, snippets and estimates
      assert.equal(out.validatedByPython, 1);
      assert.deepEqual(out.snippets, [{ kind: 'csv', fileName: 'members.csv', content: 'written in Python\n' }]);
      assert.deepEqual(out.estimates, ['aws', 'csv']);

      // THEN validation problems come back as data, and as the constructor's error
      assert.deepEqual(out.problems, [{ field: 'port', value: 0, allowed: 'an integer from 1 to 65535' }]);
      assert.match(out.constructorError, /IqServiceHaPair "bad": 1 invalid setting\n {2}- port: got 0; allowed: an integer from 1 to 65535/);
      assert.deepEqual(out.pythonProblems, [{ field: 'targets.csv.name', value: 'python-refuses-this', fix: 'rename the service' }]);

      // THEN the facades work from Python
      assert.deepEqual(out.topologyServices, ['iqservice']);
      assert.match(out.haproxySnippetHead, /^# HAProxy for iqservice/);
    },
  );
});
