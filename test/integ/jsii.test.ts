import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as entryPoint from '../../lib';
import { REPO } from '../helpers';

const assembly = () => JSON.parse(fs.readFileSync(path.join(REPO, '.jsii'), 'utf8'));

describe('the jsii assembly of the construct API (built by npm run build)', () => {
  it('GIVEN the build THEN jsii reported no error and no warning outside jsii-warnings.allow', () => {
    const d = JSON.parse(fs.readFileSync(path.join(REPO, 'dist', 'jsii-diagnostics.json'), 'utf8'));
    assert.equal(d.status, 0);
    assert.deepEqual(d.unexpected, []);
    assert.ok(d.diagnostics.every((x: { level: string }) => x.level === 'warning'));
  });

  it('THEN the constructs, targets, facades and the target base are in it, with python, java, dotnet and go targets', () => {
    const a = assembly();
    for (const t of [
      'IqServiceHaPair',
      'AzureLoadBalancerTarget',
      'AwsNlbTarget',
      'F5BigIpTarget',
      'HaproxyTarget',
      'AzureTrafficManagerTarget',
      'AwsRoute53FailoverTarget',
      'HaTargetBase',
      'IHaTarget',
      'Topology',
      'Snippets',
      'StateBackend',
      'SessionFailoverPlan',
      'Problem',
      'BigipProvider',
    ]) {
      assert.ok(a.types[`identity-ha.${t}`], `${t} in the assembly`);
    }
    assert.deepEqual(Object.keys(a.targets).sort(), ['dotnet', 'go', 'java', 'js', 'python']);
    assert.equal(a.targets.python.module, 'identity_ha');
    const methods = (fqn: string) =>
      a.types[fqn].methods.map((m: { name: string; static?: boolean }) => `${m.name}${m.static ? '(static)' : ''}`).sort();
    assert.deepEqual(methods('identity-ha.Topology'), ['fromFile(static)', 'fromObject(static)', 'synthesize', 'validate(static)']);
    assert.deepEqual(methods('identity-ha.Snippets'), ['kinds(static)', 'render(static)']);
    assert.ok(methods('identity-ha.IqServiceHaPair').includes('validate(static)'));
    // Optional interface methods become required in Java, C# and Go: IHaTarget has none.
    assert.ok(a.types['identity-ha.IHaTarget'].methods.every((m: { optional?: boolean }) => !m.optional));
    assert.equal(a.types['identity-ha.HaTargetBase'].abstract, true);
  });

  it('THEN nothing of the host runtime (shim, proxy, mimic, lab) is in it', () => {
    const names = Object.keys(assembly().types);
    for (const t of ['Shim', 'FailoverProxy', 'Mimic', 'Lab', 'FlapDamping']) assert.ok(!names.includes(`identity-ha.${t}`), t);
  });
});

describe('the jsii build fails on what other languages cannot use (negative controls)', () => {
  // A tiny package beside the repository's node_modules, built by the same scripts/jsii.js.
  function project(source: string, allow = ''): { status: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-jsii-neg-'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: 'neg',
        version: '0.0.0',
        license: 'Apache-2.0',
        main: 'lib/index.js',
        types: 'lib/index.d.ts',
        author: { name: 'test' },
        repository: { type: 'git', url: 'https://example.com/neg.git' },
        jsii: { outdir: 'out', targets: {}, tsconfig: 'tsconfig.json', validateTsconfig: 'minimal' },
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', declaration: true, strict: true, rootDir: 'src', outDir: 'lib', types: [] },
        include: ['src/**/*.ts'],
      }),
    );
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'index.ts'), source);
    fs.writeFileSync(path.join(dir, 'README.md'), '# neg\n');
    fs.writeFileSync(path.join(dir, 'jsii-warnings.allow'), allow);
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'jsii.js'), dir], { encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('GIVEN a readonly array in a struct THEN the build fails naming JSII3001; GIVEN a plain array THEN it passes', () => {
    const bad = project('export interface Props { readonly hosts: readonly string[]; }\n');
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /JSII3001/);
    const good = project('export interface Props { readonly hosts: string[]; }\n');
    assert.equal(good.status, 0, good.out);
  });

  it('GIVEN a warning that is not allowed THEN the build fails; GIVEN the same warning listed THEN it passes', () => {
    const src = 'export interface Props { readonly namespace: string; }\n';
    const bad = project(src);
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /not in jsii-warnings\.allow:\n {2}JSII5018:src\/index\.ts:namespace/);
    assert.equal(project(src, 'JSII5018:src/index.ts:namespace\n').status, 0);
  });
});

describe('jsii-diff against the accepted API (api/baseline)', () => {
  const diff = (original: string, updated: string) =>
    spawnSync(process.execPath, [require.resolve('jsii-diff/bin/jsii-diff', { paths: [REPO] }), '--error-on', 'all', original, updated], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
    });

  it('GIVEN this build THEN no change breaks the accepted API (a deliberate break: npm run api:accept)', () => {
    const r = diff('api/baseline', '.');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('negative control: GIVEN an assembly without Snippets THEN jsii-diff fails naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-jsii-diff-'));
    fs.copyFileSync(path.join(REPO, 'api', 'baseline', 'package.json'), path.join(dir, 'package.json'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    const a = assembly();
    delete a.types['identity-ha.Snippets'];
    fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(a));
    const r = diff('api/baseline', dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /CLASS identity-ha\.Snippets: has been removed/);
  });
});

describe('jsii-pacmak: the Python package (code only: no PyPI here)', { timeout: 180_000 }, () => {
  it('GIVEN the assembly and the rosetta tablet THEN Python that compiles, with Python examples in its docstrings', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-pacmak-'));
    const r = spawnSync(
      process.execPath,
      [
        require.resolve('jsii-pacmak/bin/jsii-pacmak', { paths: [REPO] }),
        '--targets',
        'python',
        '--code-only',
        '--outdir',
        out,
        '--rosetta-tablet',
        '.jsii.tabl.json',
      ],
      {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 170_000,
        env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
      },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const init = path.join(out, 'python', 'src', 'identity_ha', '__init__.py');
    const c = spawnSync('python3', ['-m', 'py_compile', init], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    const py = fs.readFileSync(init, 'utf8');
    assert.match(py, /^class IqServiceHaPair\(/m);
    assert.match(py, /def from_file\(cls, path: builtins\.str\) -> "Topology":/);
    // rosetta translated the examples: Python in the docstrings, not TypeScript
    assert.match(py, /topology = Topology\.from_file\("examples\/iqservice-pair\.yaml"\)/);
    assert.doesNotMatch(py, /const topology = Topology\.fromFile/);
    assert.match(py, /IqServiceHaPair\(stack, "iqservice",\n\s+primary=IqServiceHostProps\(address="10\.0\.1\.10"/);
    assert.match(fs.readFileSync(path.join(out, 'python', 'setup.py'), 'utf8'), /"name": "identity-ha"/);
  });
});

describe('nothing of the entry point vanishes in other languages', () => {
  it(
    'GIVEN lib/index THEN every runtime export is a class or enum of the assembly (free functions and constants are in ' + 'identity-ha/internal)',
    () => {
      const names = new Set(Object.keys(assembly().types).map((t) => t.replace(/^identity-ha\./, '')));
      const exported = Object.keys(entryPoint);
      assert.deepEqual(
        exported.filter((k) => !names.has(k)),
        [],
      );
      assert.ok(exported.length > 20);
    },
  );
});

/** Every type, property and method of an assembly without a summary, and every default that is a behaviour written as a value. */
export function undocumented(types: Record<string, any>): string[] {
  const out: string[] = [];
  for (const [name, t] of Object.entries(types)) {
    const short = name.replace(/^identity-ha\./, '');
    if (!t.docs?.summary) out.push(short);
    for (const p of t.properties ?? []) {
      if (!p.docs?.summary) out.push(`${short}.${p.name}`);
      if (/^(none|the|a|an|every|no)\b/.test(p.docs?.default ?? ''))
        out.push(`${short}.${p.name}: @default ${p.docs.default} (write @default - ...)`);
    }
    for (const m of t.methods ?? []) if (!m.docs?.summary) out.push(`${short}.${m.name}()`);
  }
  return out;
}

describe('every public type, prop and method is documented, for every language', () => {
  it('GIVEN the assembly THEN each has a summary, and a default that is a behaviour reads @default - <behaviour>', () => {
    assert.deepEqual(undocumented(assembly().types), []);
  });

  it('negative control: GIVEN a struct with an undocumented prop and a "@default none" THEN both are named', () => {
    const types = {
      'identity-ha.XProps': {
        docs: { summary: 'x' },
        properties: [
          { name: 'a', docs: {} },
          { name: 'b', docs: { summary: 'b', default: 'none' } },
          { name: 'c', docs: { summary: 'c', default: '- none' } },
        ],
      },
    };
    assert.deepEqual(undocumented(types), ['XProps.a', 'XProps.b: @default none (write @default - ...)']);
  });
});
