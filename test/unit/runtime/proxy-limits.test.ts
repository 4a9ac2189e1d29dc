/**
 * The proxy's limits, as a client host runs it: at most `maxConnections` open at once (one more is
 * closed and counted), an idle timeout on both directions (the topology's idleTimeoutMinutes), and a
 * graceful drain on SIGTERM (no new connection, the open ones finish, the rest closed at the deadline).
 */
import { strict as assert } from 'node:assert';
import * as net from 'net';
import { describe, it } from 'node:test';
import { FailoverProxy } from '../../../lib/runtime';
import { freePorts } from '../../e2e-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An echo server standing in for IQService; it records when each upstream connection closed. */
async function echo(port: number): Promise<{ server: net.Server; closed: number[] }> {
  const closed: number[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(d));
    s.on('close', () => closed.push(Date.now()));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { server, closed };
}

/** A client that says hello and reports whether it got the echo back, and when it closed. */
async function client(port: number): Promise<{ s: net.Socket; echoed: boolean; closedAt: () => number | undefined }> {
  const s = net.connect({ host: '127.0.0.1', port });
  let closedAt: number | undefined;
  s.on('error', () => undefined);
  s.on('close', () => (closedAt = Date.now()));
  const echoed = await new Promise<boolean>((resolve) => {
    s.once('connect', () => s.write('hello'));
    s.once('data', (d) => resolve(String(d) === 'hello'));
    s.once('close', () => resolve(false));
    setTimeout(() => resolve(false), 2000);
  });
  return { s, echoed, closedAt: () => closedAt };
}

async function rig(
  options: { maxConnections?: number; idleTimeoutMs?: number },
  use: (proxy: FailoverProxy, port: number, upstream: { closed: number[] }) => Promise<void>,
): Promise<void> {
  const [up, lp, down] = await freePorts(3);
  const upstream = await echo(up);
  // The secondary does not listen: every connection here goes to the primary.
  const proxy = new FailoverProxy({
    listenHost: '127.0.0.1',
    listenPort: lp,
    primary: { host: '127.0.0.1', port: up },
    secondary: { host: '127.0.0.1', port: down },
    ...options,
  });
  await proxy.start();
  try {
    await use(proxy, lp, upstream);
  } finally {
    await proxy.stop();
    upstream.server.close();
  }
}

describe('FailoverProxy limits', () => {
  it('GIVEN maxConnections 2 and two open WHEN a third client connects THEN it is closed at once and counted; the two keep working', () =>
    rig({ maxConnections: 2 }, async (proxy, port) => {
      const a = await client(port);
      const b = await client(port);
      assert.ok(a.echoed && b.echoed, 'the first two are served');
      const c = await client(port);
      assert.equal(c.echoed, false, 'the third is not served');
      assert.equal(proxy.stats.refused, 1);
      assert.match(proxy.metrics(), /^idha_proxy_refused_total 1$/m);
      a.s.write('again');
      assert.equal(String(await new Promise((r) => a.s.once('data', r))), 'again');
      a.s.destroy();
      await sleep(100);
      const d = await client(port);
      assert.ok(d.echoed, 'a client is served again once one closed');
      for (const x of [b, c, d]) x.s.destroy();
    }));

  it('GIVEN maxConnections 0 (no limit) THEN a third client is served: the neighbour', () =>
    rig({ maxConnections: 0 }, async (proxy, port) => {
      const all = [await client(port), await client(port), await client(port)];
      assert.deepEqual(
        all.map((x) => x.echoed),
        [true, true, true],
      );
      assert.equal(proxy.stats.refused, 0);
      for (const x of all) x.s.destroy();
    }));

  it('GIVEN idleTimeoutMs 400 WHEN a connection is idle THEN the proxy closes it and its upstream after about 400 ms', () =>
    rig({ idleTimeoutMs: 400 }, async (proxy, port, upstream) => {
      const t0 = Date.now();
      const a = await client(port);
      assert.ok(a.echoed);
      await sleep(1200);
      const at = a.closedAt();
      assert.ok(at !== undefined, 'the idle client was closed');
      assert.ok(at - t0 >= 380 && at - t0 < 1100, `closed after ${at - t0} ms`);
      assert.equal(upstream.closed.length, 1, 'the upstream connection was closed too');
      assert.equal(proxy.stats.idleClosed, 1);
    }));

  it('GIVEN idleTimeoutMs 400 WHEN the client sends every 150 ms for 1.2 s THEN the connection stays open: the neighbour', () =>
    rig({ idleTimeoutMs: 400 }, async (proxy, port) => {
      const a = await client(port);
      for (let i = 0; i < 8; i++) {
        await sleep(150);
        a.s.write('x');
      }
      assert.equal(a.closedAt(), undefined, 'an active connection is not idle');
      assert.equal(proxy.stats.idleClosed, 0);
      a.s.destroy();
    }));

  it('GIVEN an open connection WHEN the proxy drains THEN new clients are refused at once, the open one finishes, and drain returns 0', () =>
    rig({}, async (proxy, port) => {
      const a = await client(port);
      const draining = proxy.drain(3000);
      await sleep(50);
      const refused = await new Promise<string>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => resolve('connected'));
        s.once('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED', 'no new connection while draining');
      a.s.write('still here');
      assert.equal(String(await new Promise((r) => a.s.once('data', r))), 'still here', 'the open connection still works');
      a.s.end();
      assert.equal(await draining, 0, 'nothing was left open at the deadline');
    }));

  it('GIVEN a connection that never ends WHEN the proxy drains for 300 ms THEN it is closed at the deadline and drain returns 1', () =>
    rig({}, async (proxy, port) => {
      const a = await client(port);
      const t0 = Date.now();
      assert.equal(await proxy.drain(300), 1);
      assert.ok(Date.now() - t0 >= 290, 'drain waited for its deadline');
      await sleep(100);
      assert.ok(a.closedAt() !== undefined, 'the connection left open was closed');
    }));
});
