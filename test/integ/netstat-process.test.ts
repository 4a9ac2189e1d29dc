import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { freePort } from '../e2e-helpers';
import { IDHA } from '../helpers';

/**
 * The shim's netstat path as a process, with a stand-in `netstat` on PATH (on Windows the shim runs
 * %SystemRoot%\System32\netstat.exe; elsewhere `netstat` from PATH, which is what these tests use).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-netstat-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A folder with a `netstat` that prints `body` (Windows `netstat -ano` format) after running `wait`,
 * a shell line (`sleep 8`), in the folder; each run writes its PID to `calls` first.
 */
function standIn(name: string, body: string, wait = ''): string {
  const bin = path.join(dir, name);
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'rows.txt'), body);
  fs.writeFileSync(path.join(bin, 'netstat'), `#!/bin/sh\ncd "${bin}"\necho $$ >> calls\n${wait}\ncat rows.txt\n`, { mode: 0o755 });
  return bin;
}

/** The PIDs of this stand-in's runs (each run writes its own), in order. */
function calls(bin: string): number[] {
  return fs.existsSync(path.join(bin, 'calls')) ? fs.readFileSync(path.join(bin, 'calls'), 'utf8').split('\n').filter(Boolean).map(Number) : [];
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** How many of this stand-in's runs are running now: counted per stand-in, so other tests' processes never count. */
const runningNow = (bin: string) => calls(bin).filter(alive).length;
/** Ends this stand-in's runs that are still sleeping (their sleep first, then the shell). */
function reap(bin: string): void {
  for (const pid of calls(bin).filter(alive)) {
    spawnSync('pkill', ['-P', String(pid)]);
    try {
      process.kill(pid);
    } catch {
      /* gone */
    }
  }
}

const table = (port: number) =>
  [
    '',
    'Active Connections',
    '',
    '  Proto  Local Address          Foreign Address        State           PID',
    `  TCP    127.0.0.1:${port}        0.0.0.0:0              LISTENING       2212`,
    `  TCP    127.0.0.1:${port}        10.0.0.4:51544         ESTABLISHED     2212`,
    '',
  ].join('\r\n');

/** Runs the shim until `until` sees its log line, then stops it; resolves to the log lines. */
function shim(
  pathDir: string,
  port: number,
  health: number,
  until: RegExp,
  timeoutMs: number,
  fall = 1,
): Promise<{ lines: string[]; code: number | null }> {
  return new Promise((resolve) => {
    const c = spawn(
      process.execPath,
      [
        IDHA,
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
        '--fall',
        String(fall),
        '--rise',
        '1',
        '--drain',
        '0',
      ],
      { env: { ...process.env, PATH: `${pathDir}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let out = '';
    const stop = () => c.kill('SIGTERM');
    const timer = setTimeout(stop, timeoutMs);
    c.stdout.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      lines.push(...parts);
      if (parts.some((l) => until.test(l))) {
        clearTimeout(timer);
        stop();
      }
    });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('close', (code) => resolve({ lines: [...lines, ...err.split('\n').filter(Boolean)], code }));
  });
}

describe('the netstat check as a process, with a stand-in netstat on PATH', { timeout: 60_000 }, () => {
  it('GIVEN no netstat on PATH THEN the shim refuses to start (exit 2, naming --check) instead of reporting the service down forever', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const r = spawnSync(
      process.execPath,
      [
        IDHA,
        'shim',
        '--bind',
        '127.0.0.1',
        '--service-port',
        '5050',
        '--check',
        'netstat',
        '--gate-port',
        '0',
        '--health-port',
        '0',
        '--agent-port',
        '0',
      ],
      { env: { ...process.env, PATH: empty }, encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--check: got "--check netstat: no netstat on PATH/);
  });

  it(
    'GIVEN a netstat listing a LISTENING row for the port THEN the service is up (its neighbour: an ESTABLISHED row alone is not a ' + 'listener)',
    async () => {
      const port = await freePort();
      const up = await shim(standIn('up', table(port)), port, await freePort(), /"service up"/, 15_000);
      assert.ok(
        up.lines.some((l) => /"service up".*pid 2212/.test(l)),
        up.lines.join('\n'),
      );
      const only = await shim(
        standIn(
          'established',
          table(port)
            .split('\r\n')
            .filter((l) => !/LISTENING/.test(l))
            .join('\r\n'),
        ),
        port,
        await freePort(),
        /"service down"/,
        15_000,
      );
      assert.ok(
        only.lines.some((l) => /"service down".*nothing listens on port/.test(l)),
        only.lines.join('\n'),
      );
    },
  );

  it(
    'GIVEN the service up, then a netstat that hangs (40 s), with --fall 2 THEN down at the tick after the first timeout, the second ' +
      'failure naming the check still running, and one netstat at a time',
    async () => {
      const port = await freePort();
      const health = await freePort();
      // The stand-in hangs once the test creates the file `hang`.
      const bin = standIn('hung', table(port), '[ -f hang ] && sleep 40');
      const c = spawn(
        process.execPath,
        [
          IDHA,
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
          '--fall',
          '2',
          '--rise',
          '1',
          '--drain',
          '0',
        ],
        { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let hungAt = 0;
      let down = '';
      let running = 0;
      let callsAtHang = 0;
      let callsAtDown = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          c.kill('SIGKILL');
          resolve();
        }, 30_000);
        let out = '';
        c.stdout.on('data', (d) => {
          out += d;
          const parts = out.split('\n');
          out = parts.pop()!;
          for (const l of parts) {
            if (/"service up"/.test(l) && !hungAt) {
              fs.writeFileSync(path.join(bin, 'hang'), '');
              hungAt = Date.now();
              callsAtHang = calls(bin).length;
            }
            if (/"service down"/.test(l) && hungAt && !down) {
              down = l;
              running = runningNow(bin);
              callsAtDown = calls(bin).length;
              clearTimeout(timer);
              c.kill('SIGTERM');
              resolve();
            }
          }
        });
      });
      reap(bin);
      assert.ok(hungAt, 'the service was up first');
      assert.ok(down, 'and then went down');
      const ms = Date.now() - hungAt;
      assert.match(down, /check timed out: the netstat check started \d+ ms ago is still running \(no second one is started\)/);
      // The hung check times out at 5 s (failure 1); the next tick, 1 s later, is failure 2.
      assert.ok(ms < 12_000, `down ${ms} ms after netstat hung; a shim that skips ticks while a check hangs waits for netstat's own 30 s limit`);
      assert.ok(running <= 2, `at most the two runs of one check (tcp and tcpv6) at once, saw ${running}`);
      // No second check started while the hung one ran: at most the tcp and tcpv6 runs of one check since the hang.
      assert.ok(callsAtDown - callsAtHang <= 2, `netstat ran ${callsAtDown - callsAtHang} times after it hung`);
    },
  );

  it(
    'GIVEN a netstat that takes 8 s THEN one check at a time, and the reason is a named timeout ("check timed out after 5000 ms ' + '(netstat)")',
    async () => {
      const port = await freePort();
      const health = await freePort();
      const bin = standIn('slow', table(port), 'sleep 8');
      const t0 = Date.now();
      const r = await shim(bin, port, health, /check timed out/, 20_000);
      assert.ok(
        r.lines.some((l) => /"service down".*check timed out after 5000 ms \(netstat\)/.test(l)),
        r.lines.join('\n'),
      );
      assert.ok(Date.now() - t0 >= 5000);
      // One check at a time: while the first is stuck, no second netstat ran (the stand-in counts nothing, ps does).
      const running = runningNow(bin);
      reap(bin);
      assert.ok(running <= 2, `at most the two runs of one check (tcp and tcpv6) at a time, saw ${running}`);
      assert.ok(calls(bin).length <= 2, `one check (tcp and tcpv6) while the first was slow, saw ${calls(bin).length} runs`);
    },
  );
});
