/**
 * The proxy's passive mark-down: a primary that keeps failing connects (a black hole on the way to
 * its service port, which its shim does not see) is skipped without being tried, so at most
 * `markDownAfter` clients pay the connect timeout; the mark ends when the shim reports the primary
 * down and up again, or after its hold (then one client tries it); and the proxy's Prometheus metrics.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as net from 'net';
import { describe, it } from 'node:test';
import { FailoverProxy, FailoverProxyOptions, iqRequest, Mimic, Shim, WHO_REQUEST } from '../../../lib/runtime';
import { fakeChecker, freePorts } from '../../e2e-helpers';

const QUIET = { write: () => true } as unknown as NodeJS.WritableStream;
const who = (port: number) => iqRequest({ host: '127.0.0.1', port, timeoutMs: 3000 }, Buffer.from(WHO_REQUEST)).then(String);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A black hole on loopback: a listener that never accepts, whose accept queue is filled, so the
 * kernel drops every further SYN (no answer, no reset) and a connect waits out its timeout.
 */
async function blackHole(port: number): Promise<{ stop: () => void }> {
  assert.equal(spawnSync('python3', ['--version']).status, 0, 'python3 is missing: .ci/run installs it');
  const child: ChildProcess = spawn(
    'python3',
    ['-c', `import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',${port}))\ns.listen(0)\nprint('ok',flush=True)\ntime.sleep(600)`],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((r) => child.stdout!.once('data', r));
  // Fill the accept queue (backlog 0 holds one; a second handshake may complete too): these hang.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await sleep(300);
  const probe = net.connect({ host: '127.0.0.1', port });
  probe.on('error', () => undefined);
  const answered = await Promise.race([new Promise((r) => probe.once('connect', () => r(true))), sleep(500).then(() => false)]);
  probe.destroy();
  assert.equal(answered, false, 'the listener still completes handshakes: no black hole');
  return {
    stop: () => {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

async function timed(port: number): Promise<{ who: string; ms: number }> {
  const t0 = Date.now();
  const w = await who(port);
  return { who: w, ms: Date.now() - t0 };
}

/**
 * A black-holed primary whose shim keeps saying it is healthy (the shim does not see the way to the
 * service port), a stand-in secondary, and the proxy in front; `use` runs with the proxy's port.
 */
async function blackHoleRig(
  markDownAfter: number | undefined,
  use: (proxy: FailoverProxy, port: number) => Promise<void>,
  more: Partial<FailoverProxyOptions> = {},
): Promise<void> {
  const [pp, sp, lp, health] = await freePorts(4);
  const hole = await blackHole(pp);
  const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
  await secondary.start();
  const shim = new Shim({
    checker: fakeChecker(true),
    bind: '127.0.0.1',
    gatePort: 0,
    healthPort: health,
    agentPort: 0,
    intervalMs: 30,
    rise: 1,
    fall: 1,
  });
  await shim.start();
  const proxy = new FailoverProxy({
    listenHost: '127.0.0.1',
    listenPort: lp,
    primary: { host: '127.0.0.1', port: pp, healthUrl: `http://127.0.0.1:${health}/healthz` },
    secondary: { host: '127.0.0.1', port: sp },
    connectTimeoutMs: 150,
    healthPollMs: 30,
    rise: 1,
    ...(markDownAfter === undefined ? {} : { markDownAfter }),
    ...more,
  });
  await proxy.start();
  try {
    await use(proxy, lp);
  } finally {
    await proxy.stop();
    await shim.stop();
    await secondary.stop();
    hole.stop();
  }
}

describe('FailoverProxy passive mark-down', () => {
  it(
    'GIVEN a black-holed primary whose shim keeps reporting it healthy WHEN 40 clients connect over 2 s THEN every one is served by the ' +
      'secondary, and at most markDownAfter (3) of them paid the connect timeout',
    () =>
      blackHoleRig(undefined, async (proxy, lp) => {
        const results: Array<{ who: string; ms: number }> = [];
        for (let i = 0; i < 40; i++) {
          results.push(await timed(lp));
          await sleep(50);
        }
        assert.deepEqual([...new Set(results.map((r) => r.who))], ['secondary'], 'every client served');
        assert.ok(proxy.stats.timeouts <= 3, `${proxy.stats.timeouts} connect timeouts (paid by clients): at most 3`);
        assert.ok(results.filter((r) => r.ms >= 150).length <= 3, `slow clients: ${results.map((r) => r.ms).join(',')}`);
        assert.equal(proxy.stats.markDowns, 1);
        assert.equal(proxy.markedDown, true);
        assert.equal(proxy.primaryHealth, 'up', 'the shim never saw it');
        assert.equal(proxy.stats.failed, 0);
      }),
  );

  // 40 clients at once, one every 10 ms, with a 400 ms connect timeout: without the suspicion every one
  // opened before the first timeout ended (all 40) waits it out on the primary; with it, none does: a
  // connect pending for 100 ms races the secondary, new clients go there at once, and the lost races
  // bring the mark.
  const burst = async (proxy: FailoverProxy, lp: number): Promise<Array<{ who: string; ms: number }>> => {
    const all: Array<Promise<{ who: string; ms: number }>> = [];
    for (let i = 0; i < 40; i++) {
      all.push(timed(lp));
      await sleep(10);
    }
    const results = await Promise.all(all);
    assert.deepEqual([...new Set(results.map((r) => r.who))], ['secondary'], 'every client served');
    assert.equal(proxy.stats.failed, 0);
    return results;
  };

  it('GIVEN a black hole and concurrent clients THEN none waits the connect timeout: a connect pending 100 ms races the secondary', () =>
    blackHoleRig(
      undefined,
      async (proxy, lp) => {
        const results = await burst(proxy, lp);
        const ms = results.map((r) => r.ms).join(',');
        assert.equal(results.filter((r) => r.ms >= 380).length, 0, `waited the connect timeout: ${ms}`);
        assert.ok(results.filter((r) => r.ms >= 90).length <= 15, `waited the race delay: ${ms}`);
        assert.ok(proxy.stats.racesLost >= 3, `${proxy.stats.racesLost} races lost`);
        assert.equal(proxy.stats.timeouts, 0, 'no connect was left to time out');
        assert.match(proxy.metrics(), /^idha_proxy_races_lost_total [1-9]\d*$/m);
        assert.match(proxy.metrics(), /^idha_proxy_suspect_skips_total \d+$/m);
        assert.equal(proxy.markedDown, true);
      },
      { connectTimeoutMs: 400 },
    ));

  it('GIVEN the same burst with suspectAfterMs 0 (off) THEN every client opened before the first timeout pays it: the neighbour', () =>
    blackHoleRig(
      undefined,
      async (proxy, lp) => {
        const results = await burst(proxy, lp);
        const paid = results.filter((r) => r.ms >= 380).length;
        assert.ok(paid >= 30, `${paid} of 40 paid the connect timeout`);
        assert.equal(proxy.stats.suspectSkips, 0);
      },
      { connectTimeoutMs: 400, suspectAfterMs: 0 },
    ));

  it('GIVEN markDownAfter 0 and suspectAfterMs 0 (both off) THEN every client pays the timeout: the neighbour that shows what they save', () =>
    blackHoleRig(
      0,
      async (proxy, lp) => {
        for (let i = 0; i < 8; i++) assert.equal((await timed(lp)).who, 'secondary');
        assert.equal(proxy.stats.timeouts, 8);
        assert.equal(proxy.stats.markDowns, 0);
      },
      { suspectAfterMs: 0 },
    ));

  it('GIVEN a marked-down primary WHEN its shim reports it down and then up again THEN the mark ends at once and clients go to it', async () => {
    const [pp, sp, lp, health] = await freePorts(4);
    const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
    await secondary.start();
    const checker = fakeChecker(true);
    const shim = new Shim({ checker, bind: '127.0.0.1', gatePort: 0, healthPort: health, agentPort: 0, intervalMs: 30, rise: 1, fall: 1 });
    await shim.start();
    const proxy = new FailoverProxy({
      listenHost: '127.0.0.1',
      listenPort: lp,
      // Nothing listens on the primary's port: refused connects count as failures too.
      primary: { host: '127.0.0.1', port: pp, healthUrl: `http://127.0.0.1:${health}/healthz` },
      secondary: { host: '127.0.0.1', port: sp },
      healthPollMs: 30,
      rise: 1,
      markDownHoldMs: 600_000,
    });
    await proxy.start();
    const primary = new Mimic({ host: '127.0.0.1', port: pp, name: 'primary', out: QUIET });
    try {
      for (let i = 0; i < 3; i++) assert.equal(await who(lp), 'secondary');
      assert.equal(proxy.markedDown, true);
      await primary.start();
      assert.equal(await who(lp), 'secondary', 'still marked: the shim has not seen an outage');
      checker.ok = false;
      await sleep(150);
      checker.ok = true;
      const t0 = Date.now();
      while (proxy.markedDown && Date.now() - t0 < 3000) await sleep(20);
      assert.equal(proxy.markedDown, false, 'the mark ended with the shim');
      assert.equal(await who(lp), 'primary');
    } finally {
      await proxy.stop();
      await shim.stop();
      await primary.stop();
      await secondary.stop();
    }
  });

  it(
    'GIVEN connects to the primary pending WHEN its shim reports it down before they time out and mark it THEN the mark ends ' +
      'when the shim reports it up (the outage was seen before the mark)',
    async () => {
      // What `idha lab --strategy client-side` hit in CI under load: the shim's "down" came first, then
      // connects that had started before it failed and marked the primary; the shim never reported
      // "down" again, so the mark held for its whole hold and failback waited 60 s.
      const [pp, sp, lp, health] = await freePorts(4);
      const hole = await blackHole(pp);
      const checker = fakeChecker(true);
      const shim = new Shim({ checker, bind: '127.0.0.1', gatePort: 0, healthPort: health, agentPort: 0, intervalMs: 30, rise: 1, fall: 1 });
      await shim.start();
      const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
      await secondary.start();
      const proxy = new FailoverProxy({
        listenHost: '127.0.0.1',
        listenPort: lp,
        primary: { host: '127.0.0.1', port: pp, healthUrl: `http://127.0.0.1:${health}/healthz` },
        secondary: { host: '127.0.0.1', port: sp },
        healthPollMs: 30,
        rise: 1,
        fall: 1,
        connectTimeoutMs: 600,
        suspectAfterMs: 0,
        markDownHoldMs: 600_000,
      });
      await proxy.start();
      const primary = new Mimic({ host: '127.0.0.1', port: pp, name: 'primary', out: QUIET });
      try {
        const clients = [0, 1, 2].map(() => who(lp));
        await sleep(100);
        checker.ok = false;
        const t0 = Date.now();
        while (proxy.primaryHealth !== 'down' && Date.now() - t0 < 3000) await sleep(10);
        assert.equal(proxy.primaryHealth, 'down', 'the shim reports the primary down while the connects are pending');
        assert.equal(proxy.markedDown, false);
        assert.deepEqual(await Promise.all(clients), ['secondary', 'secondary', 'secondary']);
        assert.equal(proxy.markedDown, true, 'three timed-out connects marked the primary');
        hole.stop();
        await sleep(100);
        await primary.start();
        checker.ok = true;
        const t1 = Date.now();
        while (proxy.markedDown && Date.now() - t1 < 3000) await sleep(20);
        assert.equal(proxy.markedDown, false, 'the mark ended with the shim');
        assert.equal(await who(lp), 'primary');
      } finally {
        hole.stop();
        await proxy.stop();
        await shim.stop();
        await primary.stop();
        await secondary.stop();
      }
    },
  );

  it('GIVEN no shim WHEN the hold runs out THEN one client tries the primary; a failure marks it again at once, with a doubled hold', async () => {
    const [pp, sp, lp] = await freePorts(3);
    const secondary = new Mimic({ host: '127.0.0.1', port: sp, name: 'secondary', out: QUIET });
    await secondary.start();
    const proxy = new FailoverProxy({
      listenHost: '127.0.0.1',
      listenPort: lp,
      primary: { host: '127.0.0.1', port: pp },
      secondary: { host: '127.0.0.1', port: sp },
      retryPrimaryAfterMs: 0,
      markDownHoldMs: 300,
    });
    const marks: string[] = [];
    proxy.on('mark', (m) => marks.push(m));
    await proxy.start();
    try {
      for (let i = 0; i < 3; i++) await who(lp);
      assert.deepEqual([proxy.stats.retried, proxy.stats.markDowns], [3, 1]);
      await who(lp);
      assert.equal(proxy.stats.retried, 3, 'marked: not tried');
      await sleep(350);
      assert.equal(proxy.markedDown, false);
      assert.equal(await who(lp), 'secondary');
      assert.deepEqual([proxy.stats.retried, proxy.stats.markDowns, proxy.markedDown], [4, 2, true], 'one try, marked again at once');
      await sleep(350);
      assert.equal(proxy.markedDown, true, 'the second hold is 600 ms');
      assert.deepEqual(marks, ['down', 'up', 'down']);
    } finally {
      await proxy.stop();
      await secondary.stop();
    }
  });

  it('GIVEN some traffic THEN /metrics is Prometheus text: counters, the mark, the preferred upstream and connect-latency histograms', async () => {
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
    });
    await proxy.start();
    try {
      for (let i = 0; i < 4; i++) assert.equal(await who(lp), 'primary');
      const text = proxy.metrics();
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"+.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
      assert.equal(value('idha_proxy_connections_total'), 4);
      assert.equal(value('idha_proxy_upstream_connections_total{upstream="primary"}'), 4);
      assert.equal(value('idha_proxy_preferred_upstream{upstream="primary"}'), 1);
      assert.equal(value('idha_proxy_marked_down{upstream="primary"}'), 0);
      assert.equal(value('idha_proxy_connect_seconds_bucket{upstream="primary",le="+Inf"}'), 4);
      assert.equal(value('idha_proxy_connect_seconds_count{upstream="primary"}'), 4);
      assert.ok(value('idha_proxy_connect_seconds_bucket{upstream="primary",le="1"}') === 4);
      // Every sample line belongs to a declared metric, and every name is declared once.
      const declared = [...text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram)$/gm)].map((m) => m[1]);
      assert.equal(new Set(declared).size, declared.length);
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
        assert.ok(
          declared.some((d) => line.startsWith(d)),
          `undeclared: ${line}`,
        );
    } finally {
      await proxy.stop();
      await primary.stop();
      await secondary.stop();
    }
  });
});
