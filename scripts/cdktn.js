#!/usr/bin/env node
// Builds identity-ha-cdktn, the CDK Terrain (cdktn) package, in cdktn/ from the same source as
// identity-ha. Only lib/framework/ imports the framework and its providers (test/unit/layers.test.ts
// holds the rest of lib/ to that), so the build copies lib/ and changes the package names in that
// folder alone: cdktf -> cdktn, @cdktf/provider-* -> @cdktn/provider-*. A binding that differs
// between the two provider lines would be mapped in lib/framework/ (none does today: the TypeScript
// compile below checks every attribute the renderers set against the @cdktn bindings).
//
// Then, as `npm run build` does for identity-ha: tsc (all of lib/ and the examples), the compiled
// topology validator, and jsii (scripts/jsii.js: the assembly cdktn/.jsii, warnings as allowed in
// jsii-warnings.allow). cdktn/ holds the package's own files (package.json, its lock, README.md,
// cdktf.json); this script writes only the paths in GENERATED, which cdktn/.gitignore lists.
//
// The cdktn packages come from cdktn/package-lock.json: `npm ci --prefix cdktn` (run here when
// cdktn/node_modules is missing, so the README's test command works on a fresh clone).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const out = path.join(root, 'cdktn');
const GENERATED = ['lib', 'examples', 'schema', 'dist', '.jsii', 'tsconfig.json', 'tsconfig.jsii.json', 'jsii-warnings.allow', 'LICENSE'];

/** The one rewrite: the framework's package names as quoted strings (imports, requires, and the names errors give). */
function toCdktn(src) {
  return src.replace(/'cdktf'/g, "'cdktn'").replace(/'@cdktf\/(provider-[a-z0-9-]+)/g, "'@cdktn/$1");
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' } });
  if (r.status !== 0) {
    process.stderr.write(`cdktn build: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

function copyTree(from, to, transform) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyTree(a, b, transform);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) fs.writeFileSync(b, transform(path.relative(root, a), fs.readFileSync(a, 'utf8')));
    else if (!e.name.endsWith('.js')) fs.copyFileSync(a, b);
  }
}

if (!fs.existsSync(path.join(out, 'node_modules', 'cdktn'))) {
  process.stdout.write('cdktn build: installing cdktn/package-lock.json (npm ci --prefix cdktn)\n');
  run('npm', ['ci', '--prefix', out, '--no-audit', '--no-fund', '--ignore-scripts'], root);
}

for (const g of GENERATED) fs.rmSync(path.join(out, g), { recursive: true, force: true });

const rewritten = [];
copyTree(path.join(root, 'lib'), path.join(out, 'lib'), (rel, src) => {
  if (!rel.startsWith(path.join('lib', 'framework') + path.sep)) return src;
  rewritten.push(rel);
  return toCdktn(src);
});
fs.mkdirSync(path.join(out, 'examples'), { recursive: true });
for (const f of ['app.ts', 'existing-stack.ts']) {
  fs.writeFileSync(path.join(out, 'examples', f), toCdktn(fs.readFileSync(path.join(root, 'examples', f), 'utf8')));
}
copyTree(path.join(root, 'schema'), path.join(out, 'schema'), (_rel, src) => src);
for (const f of ['tsconfig.jsii.json', 'jsii-warnings.allow', 'LICENSE']) fs.copyFileSync(path.join(root, f), path.join(out, f));
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
tsconfig.include = ['lib/**/*.ts', 'examples/**/*.ts'];
fs.writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2) + '\n');

// Nothing outside lib/framework/ may name the framework: the copy would still load cdktf.
const leftovers = [];
const scan = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) scan(p);
    else if (p.endsWith('.ts') && /(from |require\()'(cdktf'|@cdktf\/)/.test(fs.readFileSync(p, 'utf8'))) leftovers.push(path.relative(out, p));
  }
};
scan(path.join(out, 'lib'));
scan(path.join(out, 'examples'));
if (leftovers.length > 0) {
  process.stderr.write(`cdktn build: these files still import cdktf after the rewrite: ${leftovers.join(', ')}\n`);
  process.exit(1);
}

run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.json'], out);
run(process.execPath, [path.join(root, 'scripts', 'jsii.js'), out], root);
run(process.execPath, [path.join(out, 'dist', 'lib', 'topology', 'compile-schema.js')], out);
process.stdout.write(`cdktn build: cdktn/.jsii and cdktn/dist from lib/ (${rewritten.length} framework files rewritten)\n`);
