import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import { describe, it } from 'node:test';
import { freePorts, sleep } from '../e2e-helpers';
import { IDHA } from '../helpers';

/** `idha check ...` as keepalived's track_script runs it: exit code and the one line it prints. */
function check(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [IDHA, 'check', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('exit', (status) => resolve({ status, out }));
  });
}

describe("idha check --listening: the shim's no-connect check, once", () => {
  it('GIVEN a listener on the port THEN exit 0; GIVEN none THEN exit 1 naming the port', async () => {
    const [port] = await freePorts(1);
    let connections = 0;
    const s = net.createServer(() => connections++);
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
    try {
      const up = await check(['--listening', String(port), '--host', '127.0.0.1']);
      assert.equal(up.status, 0, up.out);
      assert.match(up.out, /^healthy: listening on port \d+/);
      assert.equal(connections, 0, 'the check never connects to the service');
    } finally {
      s.close();
    }
    const down = await check(['--listening', String(port)]);
    assert.equal(down.status, 1, down.out);
    assert.match(down.out, new RegExp(`^unhealthy: nothing listens on port ${port}`));
  });

  it('GIVEN a hung process (stopped, its socket listening, clients queued) THEN exit 1, although the port listens', async () => {
    const [port] = await freePorts(1);
    const child = spawn(
      process.execPath,
      ['-e', `require('net').createServer((s) => s.end()).listen(${port}, '127.0.0.1', () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      await new Promise((r) => child.stdout!.once('data', r));
      child.kill('SIGSTOP');
      const clients = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
      await sleep(200);
      const r = await check(['--listening', String(port), '--host', '127.0.0.1']);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /^unhealthy: .*(not accepting|not draining)/);
      for (const c of clients) c.destroy();
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
});

describe('idha check --http', () => {
  it('GIVEN 200 THEN exit 0; GIVEN 503 THEN exit 1; GIVEN nothing listening THEN exit 1; GIVEN no answer within --timeout THEN exit 1', async () => {
    const [port, closed] = await freePorts(2);
    let status = 200;
    const server = http.createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(status).end('x');
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const ok = await check(['--http', `http://127.0.0.1:${port}/identity/health`]);
      assert.equal(ok.status, 0, ok.out);
      assert.match(ok.out, /answered 200/);
      status = 503;
      const bad = await check(['--http', `http://127.0.0.1:${port}/`]);
      assert.equal(bad.status, 1);
      assert.match(bad.out, /answered 503/);
      const t0 = Date.now();
      const slow = await check(['--http', `http://127.0.0.1:${port}/slow`, '--timeout', '0.5']);
      assert.equal(slow.status, 1);
      assert.match(slow.out, /no answer within 500 ms/);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    const refused = await check(['--http', `http://127.0.0.1:${closed}/`]);
    assert.equal(refused.status, 1);
    assert.match(refused.out, /ECONNREFUSED/);
  });
});

describe("idha check --holds: what keepalived's preemption off runs for the holder's bonus", () => {
  it('GIVEN an address an interface has (127.0.0.1, ::1 in any spelling) THEN exit 0 naming it; GIVEN one none has (192.0.2.1) THEN exit 1', () => {
    for (const a of ['127.0.0.1', '::1', '0:0:0:0:0:0:0:1']) {
      const r = spawnSync(process.execPath, [IDHA, 'check', '--holds', a], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^healthy: .* is on lo$/m);
    }
    const r = spawnSync(process.execPath, [IDHA, 'check', '--holds', '192.0.2.1'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^unhealthy: no interface has 192\.0\.2\.1$/m);
  });
});

describe('idha check refuses bad input with exit 2, beside an accepted neighbour', () => {
  const cases: Array<[string, string[], RegExp, string[]]> = [
    ['neither --http nor --listening', [], /--http \/ --listening \/ --holds: got \(missing\); allowed: exactly one of them/, ['--listening', '1']],
    ['both', ['--http', 'http://127.0.0.1:1/', '--listening', '1'], /exactly one of them/, ['--http', 'http://127.0.0.1:1/']],
    [
      'a URL without a scheme',
      ['--http', '127.0.0.1:8080/'],
      /--http: got "127\.0\.0\.1:8080\/"; allowed: an http:\/\/ or https:\/\/ URL/,
      ['--http', 'http://127.0.0.1:8080/'],
    ],
    ['port 70000', ['--listening', '70000'], /--listening: got 70000; allowed: an integer from 1 to 65535/, ['--listening', '65535']],
    ['a name for --holds', ['--holds', 'vip.example'], /--holds: got "vip\.example"; allowed: an IPv4 or IPv6 address/, ['--holds', '192.0.2.1']],
    ['--holds with --watch', ['--holds', '127.0.0.1', '--watch'], /--holds: got "127\.0\.0\.1"; allowed: without --watch/, ['--holds', '127.0.0.1']],
    ['a host name for --host', ['--listening', '1', '--host', 'localhost'], /--host: got "localhost"/, ['--listening', '1', '--host', '127.0.0.1']],
  ];
  for (const [what, bad, message, good] of cases) {
    it(`GIVEN ${what} THEN exit 2 naming the flag; GIVEN ${good.join(' ')} THEN a verdict (0 or 1)`, () => {
      const r = spawnSync(process.execPath, [IDHA, 'check', ...bad], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      const n = spawnSync(process.execPath, [IDHA, 'check', ...good, '--timeout', '1'], { encoding: 'utf8' });
      assert.ok(n.status === 0 || n.status === 1, n.stderr);
    });
  }
});
