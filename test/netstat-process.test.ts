import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { freePort } from './e2e-helpers';
import { IDHA } from './helpers';

/**
 * The shim's netstat path as a process, with a stand-in `netstat` on PATH (on Windows the shim runs
 * %SystemRoot%\System32\netstat.exe; elsewhere `netstat` from PATH, which is what these tests use).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-netstat-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));


/** A folder with a `netstat` that prints `body` after `delaySeconds` (Windows `netstat -ano` format). */
function standIn(name: string, body: string, delaySeconds = 0): string {
  const bin = path.join(dir, name);
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'rows.txt'), body);
  fs.writeFileSync(path.join(bin, 'netstat'), `#!/bin/sh\n${delaySeconds ? `sleep ${delaySeconds}\n` : ''}cat "${path.join(bin, "rows.txt")}"\n`, { mode: 0o755 });
  return bin;
}

const table = (port: number) => [
  '', 'Active Connections', '',
  '  Proto  Local Address          Foreign Address        State           PID',
  `  TCP    127.0.0.1:${port}        0.0.0.0:0              LISTENING       2212`,
  `  TCP    127.0.0.1:${port}        10.0.0.4:51544         ESTABLISHED     2212`, '',
].join('\r\n');

/** Runs the shim until `until` sees its log line, then stops it; resolves to the log lines. */
function shim(pathDir: string, port: number, health: number, until: RegExp, timeoutMs: number): Promise<{ lines: string[]; code: number | null }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [IDHA, 'shim', '--bind', '127.0.0.1', '--service-port', String(port), '--check', 'netstat',
      '--gate-port', '0', '--health-port', String(health), '--agent-port', '0', '--interval', '1', '--fall', '1', '--rise', '1', '--drain', '0'],
    { env: { ...process.env, PATH: `${pathDir}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let out = '';
    const stop = () => c.kill('SIGTERM');
    const timer = setTimeout(stop, timeoutMs);
    c.stdout.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      lines.push(...parts);
      if (parts.some((l) => until.test(l))) { clearTimeout(timer); stop(); }
    });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('close', (code) => resolve({ lines: [...lines, ...err.split('\n').filter(Boolean)], code }));
  });
}

describe('the netstat check as a process, with a stand-in netstat on PATH', { timeout: 60_000 }, () => {
  it('GIVEN no netstat on PATH THEN the shim refuses to start (exit 2, naming --check) instead of reporting the service down forever', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const r = spawnSync(process.execPath, [IDHA, 'shim', '--bind', '127.0.0.1', '--service-port', '5050', '--check', 'netstat', '--gate-port', '0', '--health-port', '0', '--agent-port', '0'],
      { env: { ...process.env, PATH: empty }, encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--check: got "--check netstat: no netstat on PATH/);
  });

  it('GIVEN a netstat listing a LISTENING row for the port THEN the service is up (its neighbour: an ESTABLISHED row alone is not a listener)', async () => {
    const port = await freePort();
    const up = await shim(standIn('up', table(port)), port, await freePort(), /"service up"/, 15_000);
    assert.ok(up.lines.some((l) => /"service up".*pid 2212/.test(l)), up.lines.join('\n'));
    const only = await shim(standIn('established', table(port).split('\r\n').filter((l) => !/LISTENING/.test(l)).join('\r\n')), port, await freePort(), /"service down"/, 15_000);
    assert.ok(only.lines.some((l) => /"service down".*nothing listens on port/.test(l)), only.lines.join('\n'));
  });

  it('GIVEN a netstat that takes 8 s THEN one check at a time, and the reason is a named timeout ("check timed out after 5000 ms (netstat)")', async () => {
    const port = await freePort();
    const health = await freePort();
    const bin = standIn('slow', table(port), 8);
    const t0 = Date.now();
    const r = await shim(bin, port, health, /check timed out/, 20_000);
    assert.ok(r.lines.some((l) => /"service down".*check timed out after 5000 ms \(netstat\)/.test(l)), r.lines.join('\n'));
    assert.ok(Date.now() - t0 >= 5000);
    // One check at a time: while the first is stuck, no second netstat ran (the stand-in counts nothing, ps does).
    const running = spawnSync('sh', ['-c', `ps -eo args | grep -c "[s]leep 8"`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(Number(running) <= 2, `at most the two sleeps of one check (tcp and tcpv6) at a time, saw ${running}`);
  });
});
