import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import {
  canonicalAddress,
  ConnectChecker,
  FlapDamping,
  FrameReader,
  netstatExecutable,
  HealthState,
  NetstatChecker,
  ProcNetTcpChecker,
  ProcTcpEntry,
  Shim,
  TCP_STATE,
  frame,
  parseBalancerReport,
  parseNetstat,
  parseProcNetTcp,
  FailoverProxy,
  Mimic,
  iqRequest,
  WHO_REQUEST,
} from '../../../lib/runtime';
import * as dgram from 'dgram';
import { fakeChecker, freePort, freePorts } from '../../e2e-helpers';
import { REPO } from '../../helpers';
import { getJson } from '../../../lib/runtime/children';

const FIX = path.join(REPO, 'test', 'fixtures');
const read = (f: string) => fs.readFileSync(path.join(FIX, f), 'utf8');

async function pair(
  pc: { ok: boolean },
  pollMs: number,
  fallCount: number,
  riseCount: number,
  primaryExtra: Partial<ConstructorParameters<typeof Shim>[0]> = {},
  primaryPollMs = pollMs,
) {
  const p = { gate: await freePort(), prio: await freePort(), health: await freePort() };
  const s = { gate: await freePort(), prio: await freePort(), health: await freePort() };
  const primary = new Shim({
    checker: pc as never,
    bind: '127.0.0.1',
    gatePort: p.gate,
    priorityPort: p.prio,
    healthPort: p.health,
    agentPort: 0,
    intervalMs: 30,
    rise: 1,
    fall: 1,
    peer: { role: 'primary', healthUrl: `http://127.0.0.1:${s.health}/healthz`, pollMs: primaryPollMs },
    ...primaryExtra,
  });
  const secondary = new Shim({
    checker: fakeChecker(true),
    bind: '127.0.0.1',
    gatePort: s.gate,
    priorityPort: s.prio,
    healthPort: s.health,
    agentPort: 0,
    intervalMs: 30,
    rise: 1,
    fall: 1,
    peer: { role: 'secondary', healthUrl: `http://127.0.0.1:${p.health}/healthz`, pollMs, fallCount, riseCount },
  });
  return { p, s, primary, secondary };
}

describe('/proc/net/tcp parsing (tables captured on this machine)', () => {
  it('GIVEN a listening stand-in THEN one LISTEN entry on 127.0.0.1:26551 with an empty accept queue', () => {
    const l = parseProcNetTcp(read('proc/tcp-listening.txt')).filter((e) => e.state === TCP_STATE.LISTEN);
    assert.deepEqual(
      l.map((e) => [e.localAddress, e.localPort, e.rxQueue, e.inode > 0]),
      [['127.0.0.1', 26551, 0, true]],
    );
  });

  it('GIVEN the stand-in stopped (SIGSTOP) with 3 clients connected THEN accept queue 3 and 3 unaccepted (inode 0) connections', () => {
    const t = parseProcNetTcp(read('proc/tcp-hung.txt'));
    const [l] = t.filter((e) => e.state === TCP_STATE.LISTEN);
    assert.equal(l.rxQueue, 3);
    const waiting = t.filter((e) => e.state === TCP_STATE.ESTABLISHED && e.localPort === 26551 && e.inode === 0);
    assert.equal(waiting.length, 3);
    assert.ok(
      t.some((e) => e.localPort !== 26551 && e.remotePort === 26551 && e.inode > 0),
      'client sides have inodes',
    );
  });

  it('GIVEN tcp6 lines THEN IPv6 wildcard, loopback and v4-mapped addresses are decoded', () => {
    const text = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  ' +
        'timeout inode',
      '   0: 00000000000000000000000000000000:13BA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0     ' +
        '   0 100 1 0 100 0 0 10 0',
      '   1: 00000000000000000000000001000000:3AAA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0     ' +
        '   0 101 1 0 100 0 0 10 0',
      '   2: 0000000000000000FFFF00000100007F:13BA 0000000000000000FFFF00000100007F:D000 01 00000000:00000000 00:00000000 00000000     0     ' +
        '   0 0 1 0 20 0 0 10 -1',
    ].join('\n');
    assert.deepEqual(
      parseProcNetTcp(text).map((e) => [e.localAddress, e.localPort, e.remoteAddress]),
      [
        ['::', 5050, '::'],
        ['::1', 15018, '::'],
        ['::ffff:127.0.0.1', 5050, '::ffff:127.0.0.1'],
      ],
    );
  });
});

describe('ProcNetTcpChecker: healthy, stopped and hung, without connecting', () => {
  const listening = parseProcNetTcp(read('proc/tcp-listening.txt'));
  const hung = parseProcNetTcp(read('proc/tcp-hung.txt'));
  const seq = (...tables: ProcTcpEntry[][]) => {
    let i = 0;
    return () => tables[Math.min(i++, tables.length - 1)];
  };

  it('GIVEN a listener THEN healthy; GIVEN none THEN "nothing listens"', async () => {
    assert.equal((await new ProcNetTcpChecker({ port: 26551, read: () => listening }).check()).ok, true);
    const r = await new ProcNetTcpChecker({ port: 26551, read: () => [] }).check();
    assert.equal(r.ok, false);
    assert.match(r.reason, /nothing listens on port 26551/);
  });

  it('GIVEN a hung process THEN the first look passes and the second, seeing the same connections waiting, fails confirmed', async () => {
    const c = new ProcNetTcpChecker({ port: 26551, read: seq(hung, hung) });
    assert.equal((await c.check()).ok, true, 'one look cannot tell a busy server from a hung one');
    const r = await c.check();
    assert.deepEqual([r.ok, r.confirmed], [false, true]);
    assert.match(r.reason, /3 connection\(s\) still waiting/);
  });

  it('GIVEN the queued connections accepted by the next look THEN healthy (the neighbour of hung)', async () => {
    const c = new ProcNetTcpChecker({ port: 26551, read: seq(hung, listening) });
    await c.check();
    assert.equal((await c.check()).ok, true);
  });

  it('GIVEN a queue that stays at 2 with its connections no longer listed THEN not draining; GIVEN 2 then 1 THEN healthy', async () => {
    const [l] = listening.filter((e) => e.state === TCP_STATE.LISTEN);
    const q = (n: number) => [{ ...l, rxQueue: n }];
    const stuck = new ProcNetTcpChecker({ port: 26551, read: seq(q(2), q(2)) });
    await stuck.check();
    assert.match((await stuck.check()).reason, /accept queue not draining \(2 then 2/);
    const draining = new ProcNetTcpChecker({ port: 26551, read: seq(q(2), q(1)) });
    await draining.check();
    assert.equal((await draining.check()).ok, true);
  });

  it(
    'GIVEN another address with the same port hung THEN a shim watching this address stays healthy (its neighbour, the hung one, ' + 'fails)',
    async () => {
      const other = hung.map((e) => ({ ...e, localAddress: e.localAddress === '127.0.0.1' && e.localPort === 26551 ? '127.0.0.1' : e.localAddress }));
      const mine = { ...listening.find((e) => e.state === TCP_STATE.LISTEN)!, localAddress: '127.0.0.3' };
      const table = [...other, mine];
      const watchMine = new ProcNetTcpChecker({ port: 26551, host: '127.0.0.3', read: () => table });
      await watchMine.check();
      assert.equal((await watchMine.check()).ok, true, 'connections waiting on 127.0.0.1 are not ours');
      const watchOther = new ProcNetTcpChecker({ port: 26551, host: '127.0.0.1', read: () => table });
      await watchOther.check();
      assert.equal((await watchOther.check()).ok, false);
    },
  );

  it('GIVEN --service-host THEN only a listener on that address (or a wildcard) counts', async () => {
    assert.equal((await new ProcNetTcpChecker({ port: 26551, host: '10.0.1.10', read: () => listening }).check()).ok, false);
    assert.equal((await new ProcNetTcpChecker({ port: 26551, host: '127.0.0.1', read: () => listening }).check()).ok, true);
  });

  it('GIVEN the real /proc/net/tcp and a live listener THEN healthy, and the listener never saw a connection', async () => {
    let accepted = 0;
    const server = net.createServer(() => accepted++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    after(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const r = await new ProcNetTcpChecker({ port }).check();
    assert.equal(r.ok, true, r.reason);
    assert.equal(accepted, 0);
  });
});

describe('Windows netstat parsing (captures in their console code page: test/fixtures/netstat/SOURCES.md)', () => {
  // As NetstatChecker reads them: execFile decodes the OEM code-page bytes as UTF-8.
  const capture = (f: string) => fs.readFileSync(path.join(FIX, 'netstat', f)).toString('utf8');
  const bytes = (f: string) => fs.readFileSync(path.join(FIX, 'netstat', f));
  const checkPort = (text: string, port: number, host?: string) => new NetstatChecker({ port, host, run: async () => text }).check();

  it(
    'GIVEN an English capture (TechnitiumSoftware/DnsServer#6) THEN the IPv4 and [::] listeners on 53 with their PID, and the UDP rows are ' +
      'no listeners',
    async () => {
      const t = parseNetstat(capture('en-US-dns.txt'));
      assert.deepEqual(t.listening, [
        { localAddress: '0.0.0.0', localPort: 53, pid: 36412 },
        { localAddress: '127.0.0.1', localPort: 53, pid: 36412 },
        { localAddress: '::', localPort: 53, pid: 36412 },
      ]);
      assert.deepEqual(t.connections, []);
      assert.equal((await checkPort(capture('en-US-dns.txt'), 53)).ok, true);
      // The neighbour: the same capture's UDP rows alone (UDP 53 is held by PIDs 7492 and 36412).
      const udpOnly = capture('en-US-dns.txt')
        .split('\r\n')
        .filter((l) => !/^\s*TCP/.test(l))
        .join('\r\n');
      assert.equal((await checkPort(udpOnly, 53)).ok, false);
    },
  );

  it(
    'GIVEN a loopback-only listener (DNSCrypt/dnscrypt-proxy#896) THEN watching 127.0.0.1 or any address sees it; watching another address ' +
      'does not',
    async () => {
      const text = capture('en-US-dnscrypt.txt');
      assert.equal((await checkPort(text, 53)).ok, true);
      assert.equal((await checkPort(text, 53, '127.0.0.1')).ok, true);
      assert.equal((await checkPort(text, 53, '10.0.1.10')).ok, false);
    },
  );

  it(
    'GIVEN UDP 5050 held on Windows 10 (ohadravid/netstat2-rs#7) THEN no TCP listener on 5050; GIVEN a LISTENING row for 5050 added THEN ' + 'one',
    async () => {
      const text = capture('en-US-udp-5050.txt');
      assert.ok(text.includes('UDP    0.0.0.0:5050'));
      assert.equal((await checkPort(text, 5050)).ok, false);
      assert.equal((await checkPort(`${text}  TCP    0.0.0.0:5050           0.0.0.0:0              LISTENING       2212\r\n`, 5050)).ok, true);
    },
  );

  it(
    'GIVEN a Chinese capture in CP936 (billfeller/billfeller.github.io#174) THEN its states are English, and TIME_WAIT rows on 8411 are ' +
      'connections, not a listener',
    async () => {
      assert.ok(bytes('zh-CN-ano.txt').includes(Buffer.from('\xbb\xee\xb6\xaf\xc1\xac\xbd\xd3', 'latin1')), 'the header 活动连接 in CP936 bytes');
      const t = parseNetstat(capture('zh-CN-ano.txt'));
      assert.deepEqual(
        t.connections.map((c) => [c.localPort, c.remotePort, c.state, c.pid]),
        [
          [8411, 58296, 'TIME_WAIT', 0],
          [8411, 58298, 'TIME_WAIT', 0],
        ],
      );
      assert.deepEqual(t.listening, []);
      assert.equal((await checkPort(capture('zh-CN-ano.txt'), 8411)).ok, false);
    },
  );

  it(
    'GIVEN a Chinese capture without the PID column (netstat -na, xorbitsai/inference#1053) THEN no rows at all: the checker only trusts ' +
      '-ano output, and says what it saw',
    async () => {
      assert.match(capture('zh-CN-na.txt'), / LISTENING\r\n/);
      assert.deepEqual(parseNetstat(capture('zh-CN-na.txt')), { listening: [], connections: [] });
      const r = await checkPort(capture('zh-CN-na.txt'), 135);
      assert.equal(r.ok, false);
    },
  );

  it(
    'GIVEN a Japanese capture in CP932 (win2012r2.com) THEN LISTENING and ESTABLISHED stay English, the listeners are found and the ' +
      'connections are not listeners',
    async () => {
      assert.ok(
        bytes('ja-JP-ano.txt').includes(Buffer.from('\x83\x41\x83\x4e\x83\x65\x83\x42\x83\x75', 'latin1')),
        'the header アクティブ in CP932 bytes',
      );
      const t = parseNetstat(capture('ja-JP-ano.txt'));
      assert.deepEqual(
        t.listening.map((l) => [l.localAddress, l.localPort, l.pid]),
        [
          ['0.0.0.0', 135, 1288],
          ['0.0.0.0', 445, 4],
          ['192.168.1.7', 139, 4],
        ],
      );
      assert.deepEqual(
        t.connections.map((c) => [c.localPort, c.state, c.pid]),
        [
          [55679, 'ESTABLISHED', 3976],
          [55807, 'ESTABLISHED', 15128],
        ],
      );
      assert.equal((await checkPort(capture('ja-JP-ano.txt'), 139, '192.168.1.7')).ok, true);
      assert.equal((await checkPort(capture('ja-JP-ano.txt'), 55679)).ok, false);
    },
  );

  it(
    'GIVEN an English capture (pastebin 3FbQKQPa) THEN the wildcard and host-address listeners, and the ESTABLISHED, CLOSE_WAIT and ' +
      'TIME_WAIT rows are connections',
    async () => {
      const t = parseNetstat(capture('en-US-ano.txt'));
      assert.deepEqual(
        t.listening.map((l) => [l.localAddress, l.localPort, l.pid]),
        [
          ['0.0.0.0', 135, 836],
          ['0.0.0.0', 445, 4],
          ['0.0.0.0', 3389, 344],
          ['0.0.0.0', 5985, 4],
          ['10.5.0.2', 139, 4],
          ['10.5.0.2', 1337, 4508],
        ],
      );
      assert.deepEqual(
        t.connections.map((c) => c.state),
        ['ESTABLISHED', 'CLOSE_WAIT', 'TIME_WAIT'],
      );
      // A host-address listener serves that address only.
      assert.equal((await checkPort(capture('en-US-ano.txt'), 1337, '10.5.0.2')).ok, true);
      assert.equal((await checkPort(capture('en-US-ano.txt'), 1337, '10.5.0.3')).ok, false);
    },
  );

  it(
    'GIVEN a German capture in CP850 (pastebin kDSmMTcd; ABHÖREN arrives as ABH\\uFFFDREN) THEN the listener on 8000; GIVEN its ABHÖREN row ' +
      'removed THEN down, though a SCHLIESSEN_WARTEN row on 8000 remains',
    async () => {
      assert.ok(bytes('de-DE-ano.txt').includes(Buffer.from('ABH\x99REN', 'latin1')), 'the fixture holds CP850 bytes (Ö = 0x99), not UTF-8');
      assert.ok(capture('de-DE-ano.txt').includes('ABH\uFFFDREN'));
      const t = parseNetstat(capture('de-DE-ano.txt'));
      assert.deepEqual(
        t.listening.map((l) => [l.localAddress, l.localPort, l.pid]),
        [
          ['0.0.0.0', 135, 896],
          ['0.0.0.0', 445, 4],
          ['0.0.0.0', 8000, 10916],
          ['127.0.0.1', 5939, 4844],
        ],
      );
      // A state longer than its column (SCHLIESSEN_WARTEN) still leaves the PID as the last field.
      assert.deepEqual(
        t.connections.map((c) => [c.localPort, c.state, c.pid]),
        [
          [8000, 'SCHLIESSEN_WARTEN', 10916],
          [62221, 'HERGESTELLT', 12600],
          [62222, 'HERGESTELLT', 12600],
        ],
      );
      assert.equal((await checkPort(capture('de-DE-ano.txt'), 8000)).ok, true);
      const stopped = capture('de-DE-ano.txt')
        .split('\r\n')
        .filter((l) => !/0\.0\.0\.0:8000 /.test(l))
        .join('\r\n');
      assert.equal((await checkPort(stopped, 8000)).ok, false);
    },
  );

  it(
    'GIVEN a French capture in CP850 (pastebin RJ6MfdaG) THEN its states are English under French headers, and without the PID column ' +
      '(netstat -an) no row is taken',
    () => {
      assert.ok(bytes('fr-FR-na.txt').includes(Buffer.from('\x90tat', 'latin1')), 'CP850 bytes (É = 0x90)');
      assert.equal(
        capture('fr-FR-na.txt')
          .split('\r\n')
          .filter((l) => / LISTENING$/.test(l)).length,
        6,
      );
      assert.deepEqual(parseNetstat(capture('fr-FR-na.txt')), { listening: [], connections: [] });
      // The neighbour: the same rows with a PID column (as -ano prints them) are listeners.
      const withPid = capture('fr-FR-na.txt')
        .split('\r\n')
        .map((l) => (/ LISTENING$/.test(l) ? `${l.padEnd(71)}${4}` : l))
        .join('\r\n');
      assert.equal(parseNetstat(withPid).listening.length, 6);
    },
  );

  it(
    'GIVEN a link-local listener with its zone id (the en-US-dns [::]:53 row, its address made link-local) THEN the zone id goes and the ' +
      'listener matches any spelling of its address',
    async () => {
      const row = '  TCP    [fe80::10%12]:53       [::]:0                 LISTENING       36412\r\n';
      assert.deepEqual(parseNetstat(row).listening, [{ localAddress: 'fe80::10', localPort: 53, pid: 36412 }]);
      assert.equal((await checkPort(row, 53, 'fe80:0::10')).ok, true);
      assert.equal((await checkPort(row, 53, '[fe80::10%12]')).ok, true);
      assert.equal((await checkPort(row, 53, 'fe80::11')).ok, false);
    },
  );

  // Rows that mention 5050 but are no listener on it, each a real row from a capture above with its
  // port set to 5050, beside a listener row (en-US-ano's 0.0.0.0:135 row with its port set to 5050):
  // each must fail alone and pass with the listener, inside every language's capture.
  const LISTENER_5050 = '  TCP    0.0.0.0:5050           0.0.0.0:0              LISTENING       836';
  const NOT_A_LISTENER: Array<[string, string]> = [
    ['an ESTABLISHED row to a remote 5050 (ja-JP row)', '  TCP    192.168.1.7:55679      20.197.118.223:5050    ESTABLISHED     3976'],
    ['TIME_WAIT on the local 5050 (zh-CN row)', '  TCP    127.0.0.1:5050         127.0.0.1:58296        TIME_WAIT       0'],
    ['a listener on 15050 when asked about 5050 (en-US row)', '  TCP    0.0.0.0:15050          0.0.0.0:0              LISTENING       36412'],
    [
      'UDP 5050 held by CDPSvc on Windows 10 (en-US row, with the PID column -ano adds)',
      '  UDP    0.0.0.0:5050           *:*                                    3616',
    ],
  ];
  for (const [what, row] of NOT_A_LISTENER) {
    for (const lang of ['en-US-ano.txt', 'de-DE-ano.txt', 'zh-CN-ano.txt', 'ja-JP-ano.txt']) {
      it(`GIVEN ${what} in a ${lang.slice(0, 5)} capture THEN no listener on 5050; GIVEN the LISTENING row beside it THEN one`, async () => {
        const base = capture(lang)
          .split('\r\n')
          .filter((l) => !/:5050 /.test(l))
          .join('\r\n');
        assert.equal((await checkPort(`${base}${row}\r\n`, 5050)).ok, false);
        assert.equal((await checkPort(`${base}${row}\r\n${LISTENER_5050}\r\n`, 5050)).ok, true);
      });
    }
  }

  it('GIVEN a state of two words (made up here: a localized state can be several words) THEN the row is kept and the PID is the last field', () => {
    const t = parseNetstat(
      [
        '  TCP    10.0.1.10:5050         10.20.0.7:49152        IN ATTESA       4242',
        '  TCP    0.0.0.0:5050           0.0.0.0:0              IN ASCOLTO      812',
      ].join('\r\n'),
    );
    assert.deepEqual(
      t.connections.map((c) => [c.localPort, c.state, c.pid]),
      [[5050, 'IN ATTESA', 4242]],
    );
    assert.deepEqual(t.listening, [{ localAddress: '0.0.0.0', localPort: 5050, pid: 812 }]);
    // Any spelling of the watched address matches (zone ids, non-canonical IPv6, IPv4-mapped); a name never does.
    assert.deepEqual(['fd00:0:0::1', '[fe80::1%4]', '::ffff:10.0.0.1', 'FD00::A', 'localhost'].map(canonicalAddress), [
      'fd00::1',
      'fe80::1',
      '10.0.0.1',
      'fd00::a',
      undefined,
    ]);
    // The neighbour: a row without a PID is not a row.
    assert.deepEqual(parseNetstat('  TCP    0.0.0.0:5050   0.0.0.0:0   LISTENING').listening, []);
  });

  it('GIVEN Windows THEN netstat runs by absolute path from SystemRoot (windir, then C:\\Windows); elsewhere from PATH', () => {
    assert.equal(netstatExecutable('win32', { SystemRoot: 'D:\\WINNT' }), 'D:\\WINNT\\System32\\netstat.exe');
    assert.equal(netstatExecutable('win32', {}), 'C:\\Windows\\System32\\netstat.exe');
    assert.equal(netstatExecutable('linux', { SystemRoot: 'D:\\WINNT' }), 'netstat');
  });
});

describe('ConnectChecker (the named, noisy fallback)', () => {
  it('GIVEN a listener THEN healthy; GIVEN a closed port THEN unhealthy with the error', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const warnings: string[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (m: string) => warnings.push(m) };
    assert.equal((await new ConnectChecker({ host: '127.0.0.1', port, logger }).check()).ok, true);
    assert.match(warnings[0], /IQService logs "Malformed request received from client"/);
    await new Promise<void>((r) => server.close(() => r()));
    const r = await new ConnectChecker({ host: '127.0.0.1', port, logger }).check();
    assert.deepEqual([r.ok, /ECONNREFUSED/.test(r.reason)], [false, true]);
  });
});

/** Blocks the event loop, as a GC pause or a starved CPU does. */
function stallLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O callback runs meanwhile
  }
}

describe('Timeouts after a stalled event loop (the kernel finished the connect during the stall)', () => {
  it('GIVEN a connect check with a 100 ms timeout WHEN the loop stalls 300 ms as the connect starts THEN healthy, not timed out', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const logger = { info: () => undefined, error: () => undefined, warn: () => undefined };
    try {
      const check = new ConnectChecker({ host: '127.0.0.1', port, timeoutMs: 100, logger }).check();
      stallLoop(300);
      const r = await check;
      assert.deepEqual([r.ok, r.reason], [true, `connected to 127.0.0.1:${port}`]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('GIVEN a 100 ms connect check on a closed port WHEN the loop stalls 300 ms THEN unhealthy with the refusal, not a timeout', async () => {
    const port = await freePort();
    const logger = { info: () => undefined, error: () => undefined, warn: () => undefined };
    const check = new ConnectChecker({ host: '127.0.0.1', port, timeoutMs: 100, logger }).check();
    stallLoop(300);
    const r = await check;
    assert.deepEqual([r.ok, /ECONNREFUSED/.test(r.reason)], [false, true], r.reason);
  });
});

describe('HealthState: rise and fall', () => {
  const ok = { ok: true, reason: 'ok' };
  const bad = { ok: false, reason: 'bad' };
  it('GIVEN rise 3 THEN up on the third good result, not the second', () => {
    const h = new HealthState({ rise: 3, fall: 2 });
    assert.deepEqual([h.record(ok), h.record(ok), h.state], [false, false, 'down']);
    assert.deepEqual([h.record(ok), h.state], [true, 'up']);
  });
  it('GIVEN fall 2 THEN one bad result is tolerated, an interrupted run starts over, two in a row go down', () => {
    const h = new HealthState({ rise: 1, fall: 2, initial: 'up' });
    h.record(bad);
    h.record(ok);
    h.record(bad);
    assert.equal(h.state, 'up');
    h.record(bad);
    assert.equal(h.state, 'down');
  });
  it('GIVEN a confirmed failure THEN down at once', () => {
    const h = new HealthState({ rise: 1, fall: 5, initial: 'up' });
    h.record({ ok: false, reason: 'hung', confirmed: true });
    assert.equal(h.state, 'down');
  });
});

describe('request framing', () => {
  it('GIVEN a frame split at every byte THEN one payload, at a boundary', () => {
    const r = new FrameReader();
    const out: Buffer[] = [];
    for (const b of frame(Buffer.from('hello'))) out.push(...r.push(Buffer.from([b])));
    assert.deepEqual(out.map(String), ['hello']);
    assert.equal(r.atBoundary, true);
  });
  it('GIVEN two frames in one chunk THEN two payloads; GIVEN a non-numeric header THEN invalid', () => {
    const r = new FrameReader();
    assert.deepEqual(r.push(Buffer.concat([frame(Buffer.from('a')), frame(Buffer.alloc(0))])).map(String), ['a', '']);
    const bad = new FrameReader();
    bad.push(Buffer.from('GET / HTTP/1.1\r\n'));
    assert.equal(bad.invalid, true);
  });
});

function gateOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function get(port: number, p: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function agentLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

const until = async (cond: () => Promise<boolean> | boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Shim publishing (in process, fake service state)', () => {
  it(
    'GIVEN a healthy service THEN the gate opens after rise, /healthz says 200 with its fixed set of keys (priority and role null without a ' +
      'peer), the agent says up',
    async () => {
      const [gate, health, agent] = [await freePort(), await freePort(), await freePort()];
      const checker = fakeChecker(true);
      const shim = new Shim({ checker, bind: '127.0.0.1', gatePort: gate, healthPort: health, agentPort: agent, intervalMs: 30, rise: 2, fall: 2 });
      await shim.start();
      try {
        assert.equal(await gateOpen(gate), false, 'closed until rise checks passed');
        await until(() => gateOpen(gate));
        const h = await get(health, '/healthz');
        assert.equal(h.status, 200);
        assert.deepEqual(Object.keys(JSON.parse(h.body)).sort(), [
          'heldDownUntil',
          'lastCheck',
          'penalty',
          'primary',
          'priority',
          'role',
          'service',
          'since',
          'state',
        ]);
        assert.equal(JSON.parse(h.body).state, 'up');
        assert.deepEqual(
          [JSON.parse(h.body).priority, JSON.parse(h.body).role, JSON.parse(h.body).primary],
          [null, null, null],
          'no peer: no priority gate, no role, no view of a primary',
        );
        assert.equal(await agentLine(agent), 'up\n');
        assert.equal((await get(health, '/metrics')).status, 404, 'no other paths');
        assert.equal((await get(health, '/healthz', 'POST')).status, 405);

        // WHEN the service goes down THEN after `fall` checks the gate closes, 503, agent down
        checker.ok = false;
        await until(async () => !(await gateOpen(gate)));
        assert.equal((await get(health, '/healthz')).status, 503);
        assert.equal(await agentLine(agent), 'down\n');
      } finally {
        await shim.stop();
      }
      assert.equal(await gateOpen(gate), false);
    },
  );

  it('GIVEN a stopping shim THEN agents are told drain before it goes', async () => {
    const agent = await freePort();
    const shim = new Shim({
      checker: fakeChecker(true),
      bind: '127.0.0.1',
      gatePort: 0,
      healthPort: 0,
      agentPort: agent,
      intervalMs: 20,
      rise: 1,
      fall: 1,
      drainMs: 300,
    });
    await shim.start();
    const stopping = shim.stop();
    assert.equal(await agentLine(agent).catch(() => 'closed'), 'drain\n');
    await stopping;
  });

  it(
    "GIVEN a pair of shims with peers THEN each health gate follows its own service, and exactly one priority gate is open: the secondary's " +
      'only after the primary is down for standbyFall polls, closing after it is back',
    async () => {
      const pc = fakeChecker(true);
      const { p, s, primary, secondary } = await pair(pc, 30, 3, 3);
      // Sample the gates as a balancer would: the secondary's health gate must never close, and the two
      // priority gates must never be open together.
      const seen = { bothPriority: 0, secondaryHealthClosed: 0, samples: 0 };
      let sampling = true;
      const sampler = async () => {
        while (sampling) {
          const [pp, sp, sh] = await Promise.all([gateOpen(p.prio), gateOpen(s.prio), gateOpen(s.gate)]);
          seen.samples++;
          if (pp && sp) seen.bothPriority++;
          if (!sh) seen.secondaryHealthClosed++;
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await primary.start();
      await secondary.start();
      const run = sampler();
      try {
        await until(() => gateOpen(p.prio));
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await gateOpen(s.prio), false, "the secondary's priority gate stays closed while the primary is healthy");
        assert.equal(await gateOpen(s.gate), true, "the secondary's health gate is open: it is healthy");
        assert.equal((await getJson(`http://127.0.0.1:${s.health}/priority`)).status, 503);
        assert.equal((await getJson(`http://127.0.0.1:${s.health}/healthz`)).status, 200);
        pc.ok = false;
        await until(() => gateOpen(s.prio));
        assert.equal(await gateOpen(p.prio), false);
        assert.equal(await gateOpen(p.gate), false, "the primary's health gate closed with its service");
        assert.equal((await getJson(`http://127.0.0.1:${s.health}/priority`)).status, 200);
        pc.ok = true;
        await until(async () => !(await gateOpen(s.prio)));
        await until(() => gateOpen(p.prio));
        assert.equal(await gateOpen(p.gate), true);
      } finally {
        sampling = false;
        await run;
        await secondary.stop();
        await primary.stop();
      }
      assert.ok(seen.samples > 50, `${seen.samples} samples`);
      assert.equal(seen.bothPriority, 0, 'never two priority gates open');
      assert.equal(seen.secondaryHealthClosed, 0, "the secondary's health gate never closed");
    },
  );

  it(
    'GIVEN a primary that polls the secondary rarely and recovers right after the secondary opened THEN it does not open on the answer ' +
      'it had from before its outage: it asks at once, holds its gate closed while the secondary is open, and opens at the next poll ' +
      'after the secondary closed',
    async () => {
      // The primary's only answer before the outage is the one at start ("closed"); its next poll is
      // 2.5 s later. A primary that trusted that answer opened while the secondary was still open.
      const pc = fakeChecker(true);
      const { p, s, primary, secondary } = await pair(pc, 30, 3, 3, {}, 2500);
      const both: string[] = [];
      const openings: Array<[string, number]> = [];
      const t0 = Date.now();
      primary.on('priority', (v) => v === 'up' && openings.push(['primary', Date.now() - t0]));
      secondary.on('priority', (v) => v === 'up' && openings.push(['secondary', Date.now() - t0]));
      const check = () => {
        if (primary.priority === 'up' && secondary.status().priority === 'up') both.push(`${Date.now() - t0} ms`);
      };
      primary.on('priority', check);
      secondary.on('priority', check);
      await secondary.start();
      await primary.start();
      try {
        await until(() => gateOpen(p.prio));
        pc.ok = false;
        await until(() => gateOpen(s.prio));
        const secondaryOpenedAt = Date.now() - t0;
        pc.ok = true;
        await until(() => primary.state === 'up');
        assert.ok(Date.now() - t0 < 2000, `the primary recovered at ${Date.now() - t0} ms, before its next poll at 2500 ms`);
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(primary.priority, 'down', 'the fresh answer says the secondary is open: the primary waits');
        await until(async () => !(await gateOpen(s.prio)));
        await until(() => gateOpen(p.prio), 4000);
        assert.ok(secondaryOpenedAt > 0);
      } finally {
        await secondary.stop();
        await primary.stop();
      }
      assert.deepEqual(both, [], `both priority gates wanted open (${JSON.stringify(openings)})`);
    },
  );

  it('GIVEN a shim without a peer THEN no priority gate and /priority is 404; the health gate alone', async () => {
    const gate = await freePort();
    const prio = await freePort();
    const health = await freePort();
    const shim = new Shim({
      checker: fakeChecker(true),
      bind: '127.0.0.1',
      gatePort: gate,
      priorityPort: prio,
      healthPort: health,
      agentPort: 0,
      intervalMs: 20,
      rise: 1,
      fall: 1,
    });
    await shim.start();
    try {
      await until(() => gateOpen(gate));
      assert.equal(await gateOpen(prio), false);
      assert.equal((await getJson(`http://127.0.0.1:${health}/priority`)).status, 404);
      assert.equal((await getJson(`http://127.0.0.1:${health}/healthz`)).body?.priority, null);
    } finally {
      await shim.stop();
    }
  });
});

describe('Shim checks: one at a time, and a timeout is a named reason', () => {
  it(
    'GIVEN a check that takes 10 intervals THEN never two at once; GIVEN a check that never ends THEN "check timed out" after ' +
      'checkTimeoutMs, and each later tick is a failure naming the check still running',
    async () => {
      let running = 0;
      let most = 0;
      let calls = 0;
      const slow = {
        method: 'slow',
        check: async () => {
          calls++;
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 200));
          running--;
          return { ok: true, reason: 'slow ok' };
        },
      };
      const a = new Shim({ checker: slow, bind: '127.0.0.1', gatePort: 0, healthPort: 0, agentPort: 0, intervalMs: 20, rise: 1, fall: 1 });
      await a.start();
      await new Promise((r) => setTimeout(r, 700));
      await a.stop();
      assert.equal(most, 1, 'one check in flight at a time');
      assert.ok(calls >= 2 && calls <= 5, `${calls} checks in 700 ms at 200 ms each`);

      let hungCalls = 0;
      const hung = {
        method: 'netstat',
        check: () => {
          hungCalls++;
          return new Promise<{ ok: boolean; reason: string }>(() => undefined);
        },
      };
      const b = new Shim({
        checker: hung,
        bind: '127.0.0.1',
        gatePort: 0,
        healthPort: 0,
        agentPort: 0,
        intervalMs: 20,
        rise: 1,
        fall: 1,
        checkTimeoutMs: 100,
      });
      const reasons: string[] = [];
      b.on('check', (r: { reason: string }) => reasons.push(r.reason));
      await b.start();
      await new Promise((r) => setTimeout(r, 400));
      await b.stop();
      assert.equal(hungCalls, 1, 'no new check while the hung one is still running');
      assert.equal(reasons[0], 'check timed out after 100 ms (netstat)');
      // Each later tick the hung check is still running counts as a failure too, so fall > 1 still ends in down.
      assert.ok(reasons.length >= 2, reasons.join('; '));
      for (const r of reasons.slice(1))
        assert.match(r, /^check timed out: the netstat check started \d+ ms ago is still running \(no second one is started\)$/);
    },
  );
});

/** An output stream that drops what it is given. */
const QUIET = { write: () => true } as unknown as NodeJS.WritableStream;

describe('FailoverProxy options (in process)', () => {
  const who = (port: number) => iqRequest({ host: '127.0.0.1', port, timeoutMs: 3000 }, Buffer.from(WHO_REQUEST)).then(String);

  it(
    'GIVEN no shim (passive) WHEN the primary refuses THEN the same client connection is served by the secondary, and the primary is tried ' +
      'again later',
    async () => {
      const [pp, sp, lp] = await freePorts(3);
      const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
      await secondary.start();
      const proxy = new FailoverProxy({
        listenHost: '127.0.0.1',
        listenPort: lp,
        primary: { host: '127.0.0.1', port: pp },
        secondary: { host: '127.0.0.1', port: sp },
        retryPrimaryAfterMs: 200,
      });
      await proxy.start();
      try {
        assert.equal(await who(lp), 'secondary');
        assert.deepEqual([proxy.stats.retried, proxy.stats.failed], [1, 0]);
        const primary = new Mimic({ host: '127.0.0.1', port: pp, name: 'primary', out: QUIET });
        await primary.start();
        await new Promise((r) => setTimeout(r, 250));
        assert.equal(await who(lp), 'primary', 'passive failback after retryPrimaryAfterMs');
        await primary.stop();
      } finally {
        await proxy.stop();
        await secondary.stop();
      }
    },
  );

  it(
    'GIVEN connectTimeoutMs 100 WHEN the loop stalls 300 ms right after the proxy starts connecting to a primary that accepts THEN the ' +
      'client is served by the primary, with no failover counted',
    async () => {
      const [pp, sp, lp] = await freePorts(3);
      const primary = new Mimic({ host: '127.0.0.1', port: pp, name: 'primary', out: QUIET });
      const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
      await primary.start();
      await secondary.start();
      const proxy = new FailoverProxy({
        listenHost: '127.0.0.1',
        listenPort: lp,
        primary: { host: '127.0.0.1', port: pp },
        secondary: { host: '127.0.0.1', port: sp },
        connectTimeoutMs: 100,
      });
      await proxy.start();
      // The proxy's own connection handler runs first and starts the connect to the primary; this one then stalls the loop.
      (proxy as unknown as { server: net.Server }).server.on('connection', () => stallLoop(300));
      try {
        assert.equal(await who(lp), 'primary');
        assert.deepEqual([proxy.stats.toPrimary, proxy.stats.retried, proxy.stats.failed], [1, 0, 0]);
      } finally {
        await proxy.stop();
        await primary.stop();
        await secondary.stop();
      }
    },
  );

  for (const cut of [true, false]) {
    it(
      `GIVEN cutSecondaryOnFailback ${cut} WHEN the primary's shim comes back THEN a connection on the secondary is ` + `${cut ? 'closed' : 'kept'}`,
      async () => {
        const [pp, sp, lp, health] = [await freePort(), await freePort(), await freePort(), await freePort()];
        const primary = new Mimic({ host: '127.0.0.1', port: pp, name: 'primary', out: QUIET });
        const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
        await primary.start();
        await secondary.start();
        const checker = fakeChecker(false);
        const shim = new Shim({ checker, bind: '127.0.0.1', gatePort: 0, healthPort: health, agentPort: 0, intervalMs: 30, rise: 1, fall: 1 });
        await shim.start();
        const proxy = new FailoverProxy({
          listenHost: '127.0.0.1',
          listenPort: lp,
          primary: { host: '127.0.0.1', port: pp, healthUrl: `http://127.0.0.1:${health}/healthz` },
          secondary: { host: '127.0.0.1', port: sp },
          healthPollMs: 30,
          rise: 1,
          cutSecondaryOnFailback: cut,
        });
        await proxy.start();
        try {
          const held = net.connect({ host: '127.0.0.1', port: lp });
          let closed = false;
          held.on('close', () => (closed = true));
          held.on('error', () => undefined);
          await new Promise((r) => held.once('connect', r));
          await until(async () => proxy.stats.toSecondary === 1);
          checker.ok = true;
          await until(async () => proxy.preferred === 'primary');
          await new Promise((r) => setTimeout(r, 150));
          assert.equal(closed, cut);
          assert.equal(await who(lp), 'primary');
          held.destroy();
        } finally {
          await proxy.stop();
          await shim.stop();
          await primary.stop();
          await secondary.stop();
        }
      },
    );
  }
});

describe('Flap damping (BGP style, fake clock)', () => {
  const clock = () => {
    const c = { t: 1_000_000, now: () => c.t };
    return c;
  };

  it('GIVEN one flap THEN no hold-down (a recovered service is trusted at once); GIVEN a second within a half-life THEN held down', () => {
    const c = clock();
    const d = new FlapDamping({ halfLifeMs: 60_000, maxHoldDownMs: 600_000, now: c.now });
    assert.equal(d.flap(), false);
    assert.equal(d.suppressed(), false, 'one flap: trusted');
    c.t += 10_000;
    assert.equal(d.flap(), true, 'second flap 10 s later: penalty 1 x 2^(-1/6) + 1 = 1.89, above 1.5: suppressed');
    assert.equal(d.suppressed(), true);
    // THEN the hold-down ends when the penalty has decayed below 0.75: 60 s x log2(p / 0.75)
    const p = d.penalty();
    const until = d.holdDownUntil()!;
    assert.ok(Math.abs(until - (c.t + 60_000 * Math.log2(p / 0.75))) < 1, `hold-down end ${until - c.t} ms`);
    c.t = until - 10;
    assert.equal(d.suppressed(), true, 'just before the end: still held');
    c.t = until + 10;
    assert.equal(d.suppressed(), false, 'just after: released');
    assert.equal(d.holdDownUntil(), undefined);
  });

  it('GIVEN two flaps just over a half-life apart THEN neither holds the service down (the penalty decays); just under THEN held', () => {
    const c = clock();
    const d = new FlapDamping({ halfLifeMs: 60_000, now: c.now });
    d.flap();
    c.t += 61_000;
    assert.equal(d.flap(), false);
    const e = new FlapDamping({ halfLifeMs: 60_000, now: c.now });
    e.flap();
    c.t += 59_000;
    assert.equal(e.flap(), true);
    assert.ok(Math.abs(e.holdDownUntil()! - c.t - 60_000 * Math.log2(e.penalty() / 0.75)) < 1);
  });

  it('GIVEN a path fault (weight 2) THEN held down at once for 60 s x log2(2 / 0.75) = 84.9 s', () => {
    const c = clock();
    const d = new FlapDamping({ halfLifeMs: 60_000, now: c.now });
    assert.equal(d.flap(2), true);
    assert.equal(Math.round((d.holdDownUntil()! - c.t) / 100) / 10, 84.9);
  });

  it('GIVEN endless flaps THEN the hold-down never exceeds maxHoldDownMs; GIVEN maxHoldDownMs 0 THEN damping is off', () => {
    const c = clock();
    const d = new FlapDamping({ halfLifeMs: 10_000, maxHoldDownMs: 30_000, now: c.now });
    for (let i = 0; i < 100; i++) {
      d.flap();
      c.t += 100;
    }
    assert.ok(d.holdDownUntil()! - c.t <= 30_000, `${d.holdDownUntil()! - c.t} ms`);
    assert.ok(d.holdDownUntil()! - c.t > 29_000, 'and the cap is reached');
    const off = new FlapDamping({ maxHoldDownMs: 0, now: c.now });
    for (let i = 0; i < 100; i++) off.flap(2);
    assert.equal(off.suppressed(), false);
  });

  it('GIVEN a half-life of 0 THEN a RangeError names the field', () => {
    assert.throws(() => new FlapDamping({ halfLifeMs: 0 }), /halfLifeMs must be above 0, got 0/);
    assert.doesNotThrow(() => new FlapDamping({ halfLifeMs: 1 }));
  });
});

describe('Balancer reports (syslog lines HAProxy 2.6 sent on this machine)', () => {
  const DOWN =
    '<137>Nov 22 06:42:36 haproxy[32725]: Server b/primary is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one ' +
    'was: L4 unsuccessful connection". 0 active and 1 backup servers left. Running on backup. 2 sessions active, 0 requeued, 0 remaining ' +
    'in queue.\n';
  const UP =
    '<141>Nov 22 06:42:36 haproxy[32725]: Server b/primary is UP, reason: Layer4 check passed, check duration: 0ms. 1 active and 1 backup ' +
    'servers online. 0 sessions requeued, 0 total in queue.\n';
  for (const [name, text, want] of [
    ['a DOWN by observe layer4', DOWN, { server: 'b/primary', state: 'down', reason: 'Health analyze' }],
    ['an UP by the check', UP, { server: 'b/primary', state: 'up', reason: 'Layer4 check passed' }],
    [
      'RFC 5424 framing',
      '<137>1 2026-11-22T06:42:36Z lb haproxy 32725 - - Server iq-iq/primary is DOWN, reason: Layer4 timeout, check duration: 2001ms.',
      { server: 'iq-iq/primary', state: 'down', reason: 'Layer4 timeout' },
    ],
    [
      'a traffic log line (never sent at notice, ignored anyway)',
      '<134>Nov 22 06:42:36 haproxy[1]: 127.0.0.1:54202 [22/Nov/2026:06:42:36.242] f b/secondary 1/0/8 1 -- 6/6/5/0/0 0/0',
      undefined,
    ],
    ['maintenance, not a fault', '<129>Nov 22 haproxy[1]: Server b/primary is going DOWN for maintenance.', undefined],
  ] as const) {
    it(`GIVEN ${name} THEN ${want ? `${want.state} for ${want.server}` : 'no report'}`, () => {
      assert.deepEqual(parseBalancerReport(text), want);
    });
  }
});

describe('Shim and balancer reports (in process, UDP on loopback)', () => {
  const send = (port: number, text: string) =>
    new Promise<void>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.send(text, port, '127.0.0.1', () => (u.close(), resolve()));
    });
  const report = (server: string) =>
    `<137>Nov 22 06:42:36 haproxy[1]: Server ${server} is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors".`;

  it(
    'GIVEN a healthy primary WHEN HAProxy reports it down THEN the gate closes, /healthz shows the hold-down, the agent says why; reports ' +
      'about other servers change nothing',
    async () => {
      const [gate, health, agent, rep] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const shim = new Shim({
        checker: fakeChecker(true),
        bind: '127.0.0.1',
        gatePort: gate,
        healthPort: health,
        agentPort: agent,
        intervalMs: 30,
        fall: 2,
        reports: { port: rep, servers: ['iq-iq/primary'] },
      });
      await shim.start();
      try {
        await until(() => gateOpen(gate));
        // GIVEN a report about the backup, and an UP line THEN nothing changes
        await send(rep, report('iq-iq/secondary'));
        await send(rep, '<141>Nov 22 haproxy[1]: Server iq-iq/primary is UP, reason: Layer4 check passed.');
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(await gateOpen(gate), true, "other servers' reports are ignored");
        // WHEN this server is reported down
        await send(rep, report('iq-iq/primary'));
        await until(async () => !(await gateOpen(gate)));
        const h = await get(health, '/healthz');
        assert.equal(h.status, 503);
        const body = JSON.parse(h.body);
        assert.equal(body.service, 'up', 'the service itself is fine');
        const left = Date.parse(body.heldDownUntil) - Date.now();
        assert.ok(left > 80_000 && left <= 85_000, `held down for about 85 s, left ${left} ms`);
        assert.ok(body.penalty > 1.99 && body.penalty <= 2, `penalty ${body.penalty}`);
        assert.match(await agentLine(agent), /^down #held down until \d{4}-\d\d-\d\dT/);
        // THEN it stays closed although every check passes
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await gateOpen(gate), false);
      } finally {
        await shim.stop();
      }
    },
  );

  it(
    'GIVEN a primary that really died (the balancer saw it first) WHEN reported THEN the gate closes at once without a hold-down, and ' +
      'reopens after one good check',
    async () => {
      const [gate, rep] = [await freePort(), await freePort()];
      const checker = fakeChecker(true);
      // fall 10 at 1 s: the shim alone would take 10 s to notice.
      const shim = new Shim({
        checker,
        bind: '127.0.0.1',
        gatePort: gate,
        healthPort: 0,
        agentPort: 0,
        intervalMs: 1000,
        fall: 10,
        reports: { port: rep, servers: ['b/primary'] },
      });
      await shim.start();
      try {
        await until(() => gateOpen(gate), 3000);
        checker.ok = false;
        const t = Date.now();
        await send(rep, report('b/primary'));
        await until(async () => !(await gateOpen(gate)), 500);
        assert.ok(Date.now() - t < 500, 'closed on the report, not after 10 checks');
        assert.equal(shim.status().heldDownUntil, null, 'a failure the shim confirms is an ordinary flap: no hold-down');
        checker.ok = true;
        await until(() => gateOpen(gate), 600);
      } finally {
        await shim.stop();
      }
    },
  );

  it('GIVEN --report-from WHEN a report comes from another address THEN it is ignored; from the listed one THEN it counts', async () => {
    const [gate, rep] = [await freePort(), await freePort()];
    const shim = new Shim({
      checker: fakeChecker(true),
      bind: '127.0.0.1',
      gatePort: gate,
      healthPort: 0,
      agentPort: 0,
      intervalMs: 30,
      reports: { port: rep, servers: ['b/primary'], from: ['192.0.2.1'] },
    });
    await shim.start();
    try {
      await until(() => gateOpen(gate));
      await send(rep, report('b/primary'));
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await gateOpen(gate), true, 'a sender that is not the balancer is ignored');
    } finally {
      await shim.stop();
    }
    const shim2 = new Shim({
      checker: fakeChecker(true),
      bind: '127.0.0.1',
      gatePort: gate,
      healthPort: 0,
      agentPort: 0,
      intervalMs: 30,
      reports: { port: rep, servers: ['b/primary'], from: ['127.0.0.1'] },
    });
    await shim2.start();
    try {
      await until(() => gateOpen(gate));
      await send(rep, report('b/primary'));
      await until(async () => !(await gateOpen(gate)));
    } finally {
      await shim2.stop();
    }
  });

  it('GIVEN a service that flaps THEN the first recovery opens the gate after one good check and the second flap holds it down', async () => {
    const gate = await freePort();
    const checker = fakeChecker(true);
    const shim = new Shim({ checker, bind: '127.0.0.1', gatePort: gate, healthPort: 0, agentPort: 0, intervalMs: 20, fall: 1 });
    await shim.start();
    try {
      await until(() => gateOpen(gate));
      checker.ok = false;
      await until(async () => !(await gateOpen(gate)));
      checker.ok = true;
      await until(() => gateOpen(gate), 500);
      checker.ok = false;
      await until(async () => !(await gateOpen(gate)));
      checker.ok = true;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await gateOpen(gate), false, 'second flap: held down although the service is back');
      assert.equal(shim.status().service, 'up');
      assert.ok(shim.status().heldDownUntil);
    } finally {
      await shim.stop();
    }
  });

  it(
    "GIVEN a pair WHEN the primary is held down (service up) THEN the secondary's priority gate opens and the primary's health gate " + 'closes',
    async () => {
      const rep = await freePort();
      const { p, s, primary, secondary } = await pair(fakeChecker(true), 30, 2, 2, { reports: { port: rep, servers: ['b/primary'] } });
      await primary.start();
      await secondary.start();
      try {
        await until(() => gateOpen(p.prio));
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(await gateOpen(s.prio), false);
        await send(rep, report('b/primary'));
        await until(() => gateOpen(s.prio));
        assert.equal(await gateOpen(p.prio), false);
        assert.equal(await gateOpen(p.gate), false);
      } finally {
        await secondary.stop();
        await primary.stop();
      }
    },
  );
});
