#!/usr/bin/env node
// Generates the reference docs that cannot go stale, into dist/docs/ (run by `npm run build`):
//   API.md            jsii-docgen of the construct API (.jsii), TypeScript
//   topology.md       every key of schema/topology.schema.json: type, required, default and text.
//                     The text is the schema's description, else the doc comment of the construct
//                     prop the key feeds (read from the .jsii assembly), so the two never disagree.
// `npm run docs` copies them to API.md and docs/topology.md; test/integ/docs.test.ts fails when the
// committed files differ from the build's.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'docs');
fs.mkdirSync(out, { recursive: true });

// --- API.md
// jsii-docgen reads every .jsii under its folder and keeps the last of each name: run in the repo,
// it documented api/baseline/.jsii (the accepted API) instead of the one just built. It runs in a
// folder that holds only this build's assembly, its package.json, and the dependencies'.
const docRoot = fs.mkdtempSync(path.join(require('os').tmpdir(), 'idha-docgen-'));
for (const f of ['package.json', '.jsii']) fs.copyFileSync(path.join(root, f), path.join(docRoot, f));
if (fs.existsSync(path.join(root, '.jsii.tabl.json'))) fs.copyFileSync(path.join(root, '.jsii.tabl.json'), path.join(docRoot, '.jsii.tabl.json'));
fs.symlinkSync(path.join(root, 'node_modules'), path.join(docRoot, 'node_modules'), 'dir');
const docgen = spawnSync(process.execPath, [require.resolve('jsii-docgen/bin/jsii-docgen', { paths: [root] }), '-o', path.join(out, 'API.md')], {
  cwd: docRoot, encoding: 'utf8', env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
});
fs.rmSync(docRoot, { recursive: true, force: true });
if (docgen.status !== 0) {
  process.stderr.write(docgen.stdout + docgen.stderr);
  process.exit(docgen.status || 1);
}

// --- topology.md
const schema = JSON.parse(fs.readFileSync(path.join(root, 'schema', 'topology.schema.json'), 'utf8'));
const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));
/**
 * Which construct props each schema definition feeds. A platform's block says so in its registry
 * entry (lib/topology/registry.ts), beside its schema ref; the rest of the file is listed here.
 */
const STRUCTS = {
  '#': [], host: ['IqServiceHostProps'], sidecar: ['SidecarTimingProps'], probe: ['ProbePolicyProps'],
  iqservicePair: ['IqServiceHaPairProps'],
  'backend.local': ['LocalStateConfig'], 'backend.s3': ['S3StateConfig'], 'backend.azurerm': ['AzurermStateConfig'], backend: ['StateBackendConfig'],
  sessionFailover: ['SessionFailoverProps'], 'sessionFailover.servers': ['SessionFailoverServer'],
  failoverCluster: ['FailoverClusterProps'], clusterNode: ['ClusterNodeProps'], clusterHealthCheck: ['ClusterHealthCheckProps'],
  webTier: ['HaWebTierProps'], tomcatNode: ['TomcatNodeProps'], webApplication: ['WebApplicationProps'], webHealthCheck: ['WebHealthCheckProps'],
  balancerStandby: ['BalancerStandbyProps'], 'balancerStandby.targets': ['FailoverClusterProps'],
};
const registry = require(path.join(root, 'dist', 'lib', 'topology', 'registry.js'));
for (const e of [...registry.PLATFORMS, ...registry.CLUSTER_PLATFORMS, ...registry.WEB_PLATFORMS]) {
  const def = e.topologySchemaRef.split('/').pop();
  for (const [key, structs] of Object.entries(e.propsStructs)) STRUCTS[key ? `${def}.${key}` : def] = [...structs];
}
function propDoc(structs, key) {
  for (const s of structs) {
    const t = assembly.types[`identity-ha.${s}`];
    const p = t && (t.properties ?? []).find((x) => x.name === key);
    if (p) return p.docs ?? {};
  }
  return undefined;
}
const oneLine = (s) => String(s ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
function typeOf(node) {
  if (node.$ref) return node.$ref.split('/').pop();
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((e) => `\`${e}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') return `map of ${typeOf(node.additionalProperties)}`;
  return node.type ?? 'any';
}
const rows = [];
const sections = [];
/** Schema descriptions whose "Default X." disagrees with the construct prop's @default. */
const contradictions = [];
/** A construct's `@default - the behaviour` shown as the behaviour. */
const defaultText = (t) => String(t).trim().replace(/^-\s+/, '');
const firstValue = (t) => {
  const v = defaultText(t).replace(/^[`'"]+/, '').split(/[`'"\s(,;]/)[0].replace(/[.;,]$/, '');
  // An enum member (ConnectionAction.KEEP, STANDBY) is written as its value in the file (keep, standby).
  return /^([A-Z][A-Za-z0-9]+\.)?[A-Z][A-Z_]+$/.test(v) ? v.split('.').pop().toLowerCase().replace(/_/g, '-') : v;
};
function table(title, node, context, prefix) {
  const lines = [`## ${title}`, ''];
  if (node.description) lines.push(oneLine(node.description), '');
  lines.push('| key | type | required | default | description |', '|---|---|---|---|---|');
  const nested = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === '$schema') continue;
    const docs = propDoc(STRUCTS[context] ?? [], key) ?? {};
    const text = child.description ?? [docs.summary, docs.remarks].filter(Boolean).join(' ');
    const said = /\bDefault:? ([^\s]+?)\.?(?:\s|$)/.exec(child.description ?? '');
    if (said && docs.default && firstValue(said[1]) !== firstValue(docs.default)) contradictions.push(`${prefix}${key} (${context}): the schema says "Default ${said[1]}", the construct prop says @default ${docs.default}`);
    const def = child.default !== undefined ? `\`${JSON.stringify(child.default)}\`` : docs.default ? (/^[A-Z][A-Za-z0-9]+\.[A-Z][A-Z_]+$/.test(docs.default.trim()) ? `\`${firstValue(docs.default)}\`` : oneLine(defaultText(docs.default))) : '';
    lines.push(`| \`${prefix}${key}\` | ${typeOf(child)} | ${(node.required ?? []).includes(key) ? 'yes' : ''} | ${def} | ${oneLine(text)} |`);
    rows.push(`${prefix}${key}`);
    const obj = child.type === 'object' && child.properties ? child : child.type === 'array' && child.items?.properties ? child.items : undefined;
    if (obj) nested.push([`${title} → ${key}`, obj, `${context === '#' ? '' : `${context}.`}${key}`.replace(/^\./, ''), `${prefix}${key}${child.type === 'array' ? '[]' : ''}.`]);
  }
  sections.push(lines.join('\n'));
  for (const n of nested) table(...n);
}
table('Top level', schema, '#', '');
for (const [name, def] of Object.entries(schema.definitions)) if (def.properties) table(`\`${name}\``, def, name, '');
const topo = [
  '# Topology file reference',
  '',
  '<!-- Generated by scripts/docs.js from schema/topology.schema.json and the construct docs in .jsii. Do not edit: run `npm run docs`. -->',
  '',
  `Every key of a topology file (\`idha synth --config\`), ${rows.length} in all. Keys that name another`,
  'definition (`host`, `probe`, `azureTarget`, ...) are described in that definition\'s table. A key\'s',
  'default and range are those of the construct prop it feeds; `idha synth` checks every range and names',
  'the field, the value and the fix when one is broken.',
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');
if (contradictions.length > 0) {
  process.stderr.write(`docs: the schema and the constructs disagree on ${contradictions.length} default(s):\n${contradictions.map((c) => `  ${c}`).join('\n')}\n`);
  process.exit(1);
}
fs.writeFileSync(path.join(out, 'topology.md'), topo);

process.stdout.write(`docs: dist/docs/API.md and dist/docs/topology.md (${rows.length} topology keys)\n`);
