/**
 * The systemd units for `idha proxy` on a client host: examples/systemd/idha-proxy.service and every
 * unit `idha synth` writes for the client-side example. systemd accepts each, its sandbox scores OK in
 * `systemd-analyze security`, and idha accepts its command line (run in a network namespace of its
 * own, where the unit's addresses lead nowhere).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';
import { describe, it } from 'node:test';
import { IDHA, REPO, runIdha } from '../helpers';

/** The units of the client-side example's Linux clients, as idha synth writes them. */
function generatedUnits(): string[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-proxy-units-')), 'out');
  const r = runIdha(['synth', '--config', path.join(REPO, 'examples', 'iqservice-client-side.yaml'), '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const clients = path.join(out, 'snippets', 'iqservice', 'clients');
  const units = fs
    .readdirSync(clients)
    .flatMap((c) =>
      fs.statSync(path.join(clients, c)).isDirectory() ? fs.readdirSync(path.join(clients, c)).map((f) => path.join(clients, c, f)) : [],
    )
    .filter((f) => f.endsWith('.service'));
  assert.equal(units.length, 4, 'two Linux clients, two listeners each');
  return units;
}

const UNITS = [path.join(REPO, 'examples', 'systemd', 'idha-proxy.service'), ...generatedUnits()];

/** The example by its path, a generated unit by its client folder and name. */
const label = (f: string) => (f.startsWith(REPO) ? path.relative(REPO, f) : `clients/${path.basename(path.dirname(f))}/${path.basename(f)}`);

for (const UNIT of UNITS)
  describe(`the idha proxy systemd unit ${label(UNIT)}`, () => {
    it('GIVEN the unit THEN systemd-analyze verify accepts it and security rates its exposure at most 3.0 (OK)', () => {
      assert.equal(spawnSync('systemd-analyze', ['--version']).status, 0, 'systemd-analyze is missing: .ci/run installs systemd');
      const verify = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stderr);
      const security = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8' });
      const level = /Overall exposure level for idha-proxy[\w-]*\.service: ([\d.]+)/.exec(security.stdout);
      assert.ok(level, security.stdout + security.stderr);
      assert.ok(Number(level[1]) <= 3.0, `exposure ${level[1]}`);
      assert.match(fs.readFileSync(UNIT, 'utf8'), /^MemoryDenyWriteExecute=no$/m, "Node's JIT needs writable and executable memory");
    });

    it("GIVEN the unit's ExecStart THEN idha starts with exactly those flags (in an empty network namespace) and says where it listens", () => {
      const exec = /^ExecStart=\/usr\/bin\/env idha (.*)$/m.exec(fs.readFileSync(UNIT, 'utf8'));
      assert.ok(exec, 'ExecStart runs idha');
      const args = exec[1].split(' ');
      const r = spawnSync(
        'unshare',
        ['-n', 'sh', '-c', `ip link set lo up && exec timeout -s TERM 2 "${process.execPath}" "${IDHA}" "$@"`, 'sh', ...args],
        { encoding: 'utf8', timeout: 20_000 },
      );
      assert.notEqual(r.status, 2, `usage error: ${r.stderr}`);
      const lines = r.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; host?: string; port?: number });
      const listening = lines.find((l) => l.msg === 'proxy listening');
      const listen = args[args.indexOf('--listen') + 1];
      assert.deepEqual([listening?.host, listening?.port], ['127.0.0.1', Number(listen.split(':')[1])], r.stderr);
      assert.ok(
        lines.some((l) => l.msg === 'stopping'),
        'SIGTERM stops it cleanly',
      );
    });
  });
