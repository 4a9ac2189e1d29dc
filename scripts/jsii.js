#!/usr/bin/env node
// Builds the jsii assembly (.jsii) of the construct API (lib/index.ts, tsconfig.jsii.json) and fails
// on any error, and on any warning that is not listed in jsii-warnings.allow (one code:file:name per
// line, with the reason as a comment). Writes the diagnostics to dist/jsii-diagnostics.json for the
// tests. Run by `npm run build` after tsc; its JavaScript replaces tsc's for lib/ (with jsii's
// runtime type information).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const r = spawnSync(process.execPath, [require.resolve('jsii/bin/jsii', { paths: [root] })], { cwd: root, encoding: 'utf8', env: { ...process.env, JSII_SUPPRESS_UPGRADE_PROMPT: '1', JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' } });
const out = `${r.stdout}${r.stderr}`;
const diagnostics = [];
for (const m of out.matchAll(/^(\S+?):(\d+):\d+ - (error|warning) (JSII\d+): ([^\n]*)/gm)) {
  diagnostics.push({ file: m[1], line: Number(m[2]), level: m[3], code: m[4], message: m[5] });
}
for (const m of out.matchAll(/^(error|warning) (JSII\d+): ([^\n]*)/gm)) diagnostics.push({ file: '', line: 0, level: m[1], code: m[2], message: m[3] });
const allow = fs.readFileSync(path.join(root, 'jsii-warnings.allow'), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const key = (d) => `${d.code}:${d.file}:${(/"([^"]+)"/.exec(d.message) ?? [])[1] ?? ''}`;
const unexpected = diagnostics.filter((d) => d.level === 'error' || !allow.includes(key(d)));
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist', 'jsii-diagnostics.json'), JSON.stringify({ status: r.status, diagnostics, unexpected: unexpected.map(key) }, null, 2) + '\n');
if (r.status !== 0 || unexpected.length > 0) {
  process.stderr.write(out);
  if (unexpected.length > 0) process.stderr.write(`\njsii: ${unexpected.length} diagnostic(s) not in jsii-warnings.allow:\n${unexpected.map((d) => `  ${key(d)}  ${d.message}`).join('\n')}\n`);
  process.exit(r.status || 1);
}
const warnings = diagnostics.filter((d) => d.level === 'warning').length;
process.stdout.write(`jsii: .jsii written, 0 errors, ${warnings} allowed warning(s)\n`);
