import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { freePort, until } from '../e2e-helpers';
import { REPO } from '../helpers';

/**
 * The Windows host kit (npm run build:windows), built for real, and its exe run under Wine: --help,
 * bad input, a gate that follows a listener through a stand-in netstat.exe, and the service
 * installed, started, stopped with its drain and removed under Wine's service manager with NSSM.
 */
const KIT = path.join(REPO, 'dist', 'windows');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const ZIP = path.join(KIT, `identity-ha-shim-${pkg.version}-win-x64.zip`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-winkit-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function build(env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [path.join(REPO, 'scripts', 'build-windows.js')], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
}

describe('npm run build:windows: the zip an admin unzips', { timeout: 400_000 }, () => {
  let built: ReturnType<typeof build>;
  before(() => {
    built = build();
  });

  it(
    "GIVEN the bundle the exe runs, run with this machine's Node THEN each command runs once (--help prints one usage, check one result); " +
      'GIVEN the bundle with a second start added THEN the count is two',
    () => {
      const bundle = path.join(KIT, 'idha-shim.js');
      const help = spawnSync(process.execPath, [bundle, '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.equal(help.stdout.split('The identity-ha host kit for Windows').length - 1, 1, help.stdout);
      const check = spawnSync(process.execPath, [bundle, 'check', '--listening', '1', '--host', '127.0.0.1'], { encoding: 'utf8' });
      assert.equal(check.status, 1, check.stderr);
      assert.deepEqual(check.stdout.trim().split('\n'), ['unhealthy: nothing listens on port 1 at 127.0.0.1']);
      // The neighbour: the same count on a bundle that starts twice (what the self-start guard did inside the exe).
      const twice = path.join(tmp, 'twice.js');
      const code = fs.readFileSync(bundle, 'utf8');
      const start = code.lastIndexOf('\n', code.search(/\.main\(process\.argv\.slice\(2\)\)/)) + 1;
      fs.writeFileSync(twice, `${code}\n${code.slice(start)}`);
      const again = spawnSync(process.execPath, [twice, 'check', '--listening', '1', '--host', '127.0.0.1'], { encoding: 'utf8' });
      assert.equal(again.stdout.trim().split('\n').length, 2, again.stdout + again.stderr);
    },
  );

  it("THEN it builds (osslsigncode installed: .ci/run installs it), checking each tarball's sha512 against the registry", () => {
    assert.ok(have('osslsigncode'), 'osslsigncode missing: apt-get install -y osslsigncode');
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stderr, /bundle: \d+ KiB, npm packages: cliui, escalade, y18n, yargs, yargs-parser/);
    for (const f of fs.readdirSync(path.join(REPO, 'node_modules', '.cache', 'idha-windows')).filter((x) => x.endsWith('.integrity'))) {
      assert.match(fs.readFileSync(path.join(REPO, 'node_modules', '.cache', 'idha-windows', f), 'utf8'), /^sha512-[A-Za-z0-9+/=]{88}\n$/);
    }
  });

  it('GIVEN a second build THEN the same bytes: the exe (no temporary path in its SEA blob) and the zip (sorted entries, fixed dates)', () => {
    const hash = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    const first = [hash(path.join(KIT, 'idha-shim.exe')), hash(ZIP)];
    const again = build();
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual([hash(path.join(KIT, 'idha-shim.exe')), hash(ZIP)], first);
    const dates = spawnSync('python3', ['-c', `import zipfile;print(set(i.date_time for i in zipfile.ZipFile(${JSON.stringify(ZIP)}).infolist()))`], {
      encoding: 'utf8',
    }).stdout.trim();
    assert.equal(dates, '{(2000, 1, 1, 0, 0, 0)}');
  });

  it('THEN the zip holds the exe, the service wrapper, the scripts, the README, the signature note and every licence', () => {
    const list = spawnSync('python3', ['-m', 'zipfile', '-l', ZIP], { encoding: 'utf8' }).stdout;
    const names = list
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean)
      .sort();
    assert.deepEqual(names, [
      'README.txt',
      'SIGNATURE.txt',
      'idha-shim.exe',
      'install.ps1',
      'licenses/cliui-LICENSE.txt',
      'licenses/escalade-LICENSE.txt',
      'licenses/identity-ha-LICENSE.txt',
      'licenses/node.js-LICENSE.txt',
      'licenses/nssm.txt',
      'licenses/y18n-LICENSE.txt',
      'licenses/yargs-LICENSE.txt',
      'licenses/yargs-parser-LICENSE.txt',
      'nssm.exe',
      'uninstall.ps1',
    ]);
    for (const n of [
      'idha-shim.exe',
      'nssm.exe',
      'install.ps1',
      'uninstall.ps1',
      'README.txt',
      'SIGNATURE.txt',
      'licenses/node.js-LICENSE.txt',
      'licenses/yargs-LICENSE.txt',
    ])
      assert.ok(list.includes(n), n);
    const sig = spawnSync('python3', ['-c', `import zipfile;print(zipfile.ZipFile(${JSON.stringify(ZIP)}).read('SIGNATURE.txt').decode())`], {
      encoding: 'utf8',
    }).stdout;
    assert.match(sig, /is NOT signed/);
    // The Node signature was removed before injection: an unsigned exe, not a broken signature.
    const v = spawnSync('osslsigncode', ['verify', '-in', path.join(KIT, 'idha-shim.exe')], { encoding: 'utf8' });
    assert.notEqual(v.status, 0);
    assert.match(v.stdout + v.stderr, /No signature found/i);
  });

  it('GIVEN an entry that pulls in cdktf (test/windows/cdktf-entry.ts) THEN the bundle step refuses it; the Windows entry passes (above)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `
      process.env.IDHA_WINDOWS_ENTRY = './test/windows/cdktf-entry';
      require(${JSON.stringify(path.join(REPO, 'scripts', 'build-windows.js'))});`,
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the Windows bundle must not contain cdktf, and it does: node_modules\/(cdktf|constructs|@cdktf)\//);
  });

  // What install.ps1 does (administrator check, nssm settings, firewall rule, a second run, a
  // changed role) is specified under Pester: test/powershell/kit.Tests.ps1, run by powershell.test.ts.
});

// ---------------------------------------------------------------------------------------------
// Under Wine (Debian's wine 8): the exe, its gate, its service.

const WINE = have('wine');
const prefix = path.join(tmp, 'wineprefix');
const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'netstat.exe=n', DISPLAY: '' };
/** Runs a Windows program; its output goes to a file (Node for Windows cannot write to a Linux pipe under Wine). */
function wine(args: string[], timeoutMs = 60_000): { status: number | null; out: string } {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.txt`);
  const fd = fs.openSync(out, 'w');
  const r = spawnSync('wine', args, { env: wineEnv, stdio: ['ignore', fd, fd], timeout: timeoutMs });
  fs.closeSync(fd);
  const buf = fs.readFileSync(out);
  // NSSM writes UTF-16.
  const text = buf.length > 1 && buf[1] === 0 ? buf.toString('utf16le') : buf.toString('utf8');
  return { status: r.status, out: text };
}
function healthz(port: number): Promise<any> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 }, (res) => {
      let b = '';
      res.on('data', (d) => {
        b += d;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(b));
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}
function opens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('idha-shim.exe under Wine', { timeout: 400_000 }, () => {
  it('THEN wine is installed (.ci/run installs wine and wine64 from Debian): without it these checks cannot run', () => {
    assert.ok(WINE, 'wine is missing: apt-get install -y wine wine64. The exe was built but not run.');
  });
  if (!WINE) return;

  const exe = path.join(KIT, 'idha-shim.exe');
  const nssm = path.join(KIT, 'nssm.exe');
  const daemons: ChildProcess[] = [];
  before(() => {
    assert.ok(fs.existsSync(exe), 'the kit is built by the suite above');
    assert.equal(wine(['wineboot', '--init'], 120_000).status, 0);
    assert.equal(wine(['winecfg', '-v', 'win10']).status, 0, 'Node refuses Windows versions before 10');
    // Wine's own netstat prints no LISTENING rows: the stand-in answers from /proc/net/tcp, from system32.
    const standIn = spawnSync(
      process.execPath,
      [
        path.join(REPO, 'scripts', 'build-windows.js'),
        '--sea',
        path.join(REPO, 'test', 'windows', 'netstat-standin.js'),
        path.join(prefix, 'drive_c', 'windows', 'system32', 'netstat.exe'),
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(standIn.status, 0, standIn.stderr);
    // Services live as long as the wineserver: keep it running for the suite.
    spawnSync('wineserver', ['-p'], { env: wineEnv, stdio: 'ignore' });
  });
  after(() => {
    for (const d of daemons) d.kill('SIGKILL');
    spawnSync('wineserver', ['-k'], { env: wineEnv, stdio: 'ignore' });
  });

  it('GIVEN --help THEN exit 0 and the three commands, and the start time is recorded; GIVEN a bad flag THEN exit 2 naming it', () => {
    const t0 = Date.now();
    const h = wine([exe, '--help']);
    const ms = Date.now() - t0;
    assert.equal(h.status, 0, h.out);
    for (const c of ['idha-shim shim', 'idha-shim check', 'idha-shim mimic', 'idha-shim proxy']) assert.ok(h.out.includes(c), c);
    assert.doesNotMatch(h.out, /synth|snippet|cdktf/);
    process.stderr.write(`# idha-shim.exe --help under Wine: ${ms} ms; exe ${(fs.statSync(exe).size / 1048576).toFixed(1)} MiB\n`);
    const bad = wine([exe, 'shim', '--bind', '127.0.0.1', '--service-port', '70000']);
    assert.equal(bad.status, 2, bad.out);
    assert.match(bad.out, /service-port/);
    const none = wine([exe, 'check', '--listening', '1', '--host', 'localhost']);
    assert.equal(none.status, 2, none.out);
    assert.match(none.out, /--host/);
  });

  it("GIVEN a listener on loopback THEN the shim's gate opens through netstat.exe; GIVEN it killed THEN the gate closes", async () => {
    const service = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const port = (service.address() as net.AddressInfo).port;
    const gate = await freePort();
    const health = await freePort();
    const log = fs.openSync(path.join(tmp, 'shim.log'), 'w');
    const shim = spawn(
      'wine',
      [
        exe,
        'shim',
        '--bind',
        '127.0.0.1',
        '--service-port',
        String(port),
        '--check',
        'netstat',
        '--gate-port',
        String(gate),
        '--health-port',
        String(health),
        '--agent-port',
        '0',
        '--interval',
        '1',
        '--fall',
        '1',
        '--rise',
        '1',
        '--drain',
        '1',
      ],
      { env: wineEnv, stdio: ['ignore', log, log] },
    );
    daemons.push(shim);
    try {
      await until('the gate to open', () => opens(gate), 30_000);
      assert.equal((await healthz(health))?.service, 'up');
      await new Promise<void>((r) => service.close(() => r()));
      await until('the gate to close', async () => !(await opens(gate)), 30_000);
      assert.equal((await healthz(health))?.service, 'down');
      const text = fs.readFileSync(path.join(tmp, 'shim.log'), 'utf8');
      assert.match(text, /"service up","reason":"listening on port \d+ \(pid 4\)"/);
      assert.match(text, /"service down","reason":"nothing listens on port \d+ at 127\.0\.0\.1"/);
      assert.equal(text.split('"msg":"shim started"').length - 1, 1, 'one shim per process');
      assert.doesNotMatch(text, /EADDRINUSE/);
    } finally {
      shim.kill('SIGKILL');
      fs.closeSync(log);
      service.close();
    }
  });

  it('GIVEN the proxy command (client-side failover) and a refusing primary THEN the secondary answers, and /healthz says so', async () => {
    // A stand-in secondary that answers each connection with its name; the primary's port refuses.
    const secondary = net.createServer((s) => s.end('secondary'));
    await new Promise<void>((r) => secondary.listen(0, '127.0.0.1', r));
    const [listen, stats, dead] = [await freePort(), await freePort(), await freePort()];
    const log = fs.openSync(path.join(tmp, 'proxy.log'), 'w');
    const proxy = spawn(
      'wine',
      [
        exe,
        'proxy',
        '--listen',
        `127.0.0.1:${listen}`,
        '--primary',
        `127.0.0.1:${dead}`,
        '--secondary',
        `127.0.0.1:${(secondary.address() as net.AddressInfo).port}`,
        '--stats-port',
        String(stats),
        '--connect-timeout',
        '0.5',
      ],
      { env: wineEnv, stdio: ['ignore', log, log] },
    );
    daemons.push(proxy);
    const ask = () =>
      new Promise<string>((resolve) => {
        let got = '';
        const s = net.connect({ host: '127.0.0.1', port: listen });
        s.on('data', (d) => (got += d));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve('error'));
      });
    try {
      await until('the proxy to listen', () => opens(listen), 60_000);
      const answers = [await ask(), await ask(), await ask(), await ask()];
      assert.deepEqual(answers, ['secondary', 'secondary', 'secondary', 'secondary'], fs.readFileSync(path.join(tmp, 'proxy.log'), 'utf8'));
      const h = await healthz(stats);
      assert.equal(h?.state, 'up');
      assert.equal(h?.preferred, 'secondary', JSON.stringify(h));
    } finally {
      proxy.kill('SIGKILL');
      fs.closeSync(log);
      secondary.close();
    }
  });

  it("GIVEN NSSM under Wine's service manager THEN install, start (healthz answers), stop with Ctrl+C and the drain, remove", async () => {
    const service = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const port = (service.address() as net.AddressInfo).port;
    const health = await freePort();
    const exeW = spawnSync('winepath', ['-w', exe], { env: wineEnv, encoding: 'utf8' }).stdout.trim();
    const logW = spawnSync('winepath', ['-w', path.join(tmp, 'service.log')], { env: wineEnv, encoding: 'utf8' }).stdout.trim();
    try {
      assert.equal(
        wine([
          nssm,
          'install',
          'idha-test',
          exeW,
          'shim',
          '--bind',
          '127.0.0.1',
          '--service-port',
          String(port),
          '--check',
          'netstat',
          '--gate-port',
          '0',
          '--health-port',
          String(health),
          '--agent-port',
          '0',
          '--interval',
          '1',
          '--drain',
          '1',
        ]).status,
        0,
      );
      // As the kit's install.ps1: NSSM waits 15 s (not its 1.5 s default) after Ctrl+C, so the drain finishes.
      for (const [k, v] of [
        ['AppStopMethodSkip', '6'],
        ['AppStopMethodConsole', '15000'],
        ['AppStdout', logW],
        ['AppStderr', logW],
        ['Start', 'SERVICE_AUTO_START'],
      ])
        assert.equal(wine([nssm, 'set', 'idha-test', k, v]).status, 0, k);
      assert.equal(wine([nssm, 'start', 'idha-test']).status, 0);
      await until("the service's healthz", async () => (await healthz(health))?.service === 'up', 30_000);
      const t0 = Date.now();
      const stop = wine([nssm, 'stop', 'idha-test']);
      const stopMs = Date.now() - t0;
      assert.equal(stop.status, 0, stop.out);
      assert.match(wine([nssm, 'status', 'idha-test']).out, /SERVICE_STOPPED/);
      const text = fs.readFileSync(path.join(tmp, 'service.log'), 'utf8');
      assert.match(text, /"msg":"stopping","signal":"SIGINT"/, 'NSSM sent Ctrl+C');
      assert.match(text, /"unhealthy: gate closed","reason":"shutting down"[\s\S]*"shim stopped"/, 'the shim drained and exited');
      process.stderr.write(`# service stop with a 1 s drain under Wine: ${stopMs} ms\n`);
      assert.equal(wine([nssm, 'remove', 'idha-test', 'confirm']).status, 0);
      assert.notEqual(wine(['sc', 'query', 'idha-test']).out.includes('RUNNING'), true);
      assert.match(wine([nssm, 'status', 'idha-test']).out, /Can't open service|does not exist|1060/i);
    } finally {
      wine([nssm, 'remove', 'idha-test', 'confirm']);
      service.close();
    }
  });
});
