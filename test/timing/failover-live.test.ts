// Live tier: the bundled example's own host plan (a topology that renders Azure, AWS, F5 and
// HAProxy) run as written, with real HAProxy and the generated haproxy.cfg, or idha proxy, in front of
// two IQService stand-ins on loopback addresses. New client connections at 50 per second through a
// kill and a hang of the primary, then its return. What counts is what the clients see.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import { parseTopologyText, synthesizeTopology } from '../../lib/internal';
import { getJson, iqRequest, WHO_REQUEST } from '../../lib/runtime';
import { freePorts, haproxyBin, idha, mimicStats, Proc, sleep, start, stop, until } from '../e2e-helpers';
import { EXAMPLE } from '../helpers';

const HAPROXY = haproxyBin();
const RATE_PER_SECOND = 50;

interface Attempt {
  readonly startMs: number;
  endMs: number;
  ok: boolean;
  by?: string;
  error?: string;
}

interface Plan {
  readonly front: string;
  readonly port: number;
  readonly ip: { primary: string; secondary: string };
  readonly health: number;
  readonly stats: { primary: number; secondary: number };
  readonly haproxyCfg: string;
  readonly shimArgs: { primary: string[]; secondary: string[] };
  readonly failbackEstimateSeconds: number;
  readonly failbackFormula: string;
}

/** The example topology on a loopback /24 of its own, synthesized as a user would, every platform. */
async function plan(): Promise<Plan> {
  const net = `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
  const [port, gate, health, agent, report, s1, s2] = await freePorts(7);
  const doc = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  const svc = doc.services[0];
  svc.primary.address = `${net}.2`;
  svc.secondary.address = `${net}.3`;
  svc.port = port;
  delete svc.tlsPort;
  svc.allowedClients = ['127.0.0.0/8'];
  svc.probe = { ...svc.probe, gatePort: gate, healthPort: health, agentPort: agent, reportPort: report };
  svc.targets.haproxy = {
    ...svc.targets.haproxy,
    bindAddress: `${net}.1`,
    logTarget: 'stdout',
    statsSocket: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-live-s-')), 'admin.sock'),
  };
  assert.deepEqual(Object.keys(svc.targets).sort(), ['aws', 'azure', 'f5', 'haproxy'], 'the example renders Azure, AWS, F5 and HAProxy');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-live-')), 'out');
  const r = synthesizeTopology({ topology: parseTopologyText(YAML.stringify(doc)), outDir: out });
  const args = (role: string, addr: string) => {
    const cmd = fs.readFileSync(path.join(out, `snippets/iqservice/hosts/${role}-${addr}/shim-command.txt`), 'utf8');
    return /^idha (shim .*)$/m.exec(cmd)![1].split(' ');
  };
  const est = r.estimates.find((e) => e.platform === 'haproxy')!;
  return {
    front: `${net}.1`,
    port,
    ip: { primary: `${net}.2`, secondary: `${net}.3` },
    health,
    stats: { primary: s1, secondary: s2 },
    haproxyCfg: fs.readFileSync(path.join(out, 'snippets/iqservice/haproxy.cfg'), 'utf8'),
    shimArgs: { primary: args('primary', `${net}.2`), secondary: args('secondary', `${net}.3`) },
    failbackEstimateSeconds: est.failbackSeconds,
    failbackFormula: est.failbackFormula,
  };
}

type Fault = 'kill' | 'hang';

interface Run {
  readonly attempts: Attempt[];
  readonly faultMs: number;
  readonly restoreMs: number;
  readonly log: string;
}

/** Stand-ins and shims from the plan, a balancer, load, the fault for 8 s, and the primary's return. */
async function run(p: Plan, balancer: 'haproxy' | 'proxy', fault: Fault): Promise<Run> {
  const procs: Proc[] = [];
  const mimic = (role: 'primary' | 'secondary') =>
    idha(['mimic', '--listen', `${p.ip[role]}:${p.port}`, '--stats-port', String(p.stats[role]), '--name', role]);
  let primary = mimic('primary');
  const secondary = mimic('secondary');
  procs.push(primary, secondary);
  const shims = (['primary', 'secondary'] as const).map((role) => idha(p.shimArgs[role]));
  procs.push(...shims);
  const stamped: string[] = [];
  const t0 = Date.now();
  /** Each line a process prints, with the second it arrived and who printed it. */
  const stamp = (who: string) => (d: Buffer) =>
    stamped.push(
      ...String(d)
        .split('\n')
        .filter((l) => l)
        .map((l) => `${((Date.now() - t0) / 1000).toFixed(2)} ${who} ${l}`),
    );
  shims.forEach((s, i) => {
    s.child.stdout!.on('data', stamp(`shim-${i ? 'secondary' : 'primary'}`));
    s.child.stderr!.on('data', stamp(`shim-${i ? 'secondary' : 'primary'}`));
  });
  let lb: Proc;
  if (balancer === 'haproxy') {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-live-h-')), 'haproxy.cfg');
    fs.writeFileSync(f, p.haproxyCfg);
    lb = start(HAPROXY!, ['-db', '-f', f]);
  } else {
    lb = idha([
      'proxy',
      '--listen',
      `${p.front}:${p.port}`,
      '--primary',
      `${p.ip.primary}:${p.port}`,
      '--secondary',
      `${p.ip.secondary}:${p.port}`,
      '--primary-health',
      `http://${p.ip.primary}:${p.health}/healthz`,
    ]);
  }
  procs.push(lb);
  lb.child.stdout!.on('data', stamp(balancer));
  lb.child.stderr!.on('data', stamp(balancer));
  try {
    await until(
      'both stand-ins',
      async () => (await mimicStats(p.ip.primary, p.stats.primary)) && (await mimicStats(p.ip.secondary, p.stats.secondary)),
    );
    // The primary's shim healthy, the secondary's answering (what its gate shows is the design under test).
    await until(
      'the primary healthy and the secondary shim answering',
      async () =>
        (await getJson(`http://${p.ip.primary}:${p.health}/healthz`)).status === 200 &&
        [200, 503].includes((await getJson(`http://${p.ip.secondary}:${p.health}/healthz`)).status),
      15_000,
    );
    const who = () =>
      iqRequest({ host: p.front, port: p.port, timeoutMs: 2000 }, Buffer.from(WHO_REQUEST)).then(
        (b) => b.toString(),
        () => '',
      );
    await until('the balancer sends to the primary', async () => (await who()) === 'primary', 15_000);
    await sleep(2000); // HAProxy has checked the backup as well
    if (balancer === 'haproxy') {
      // The generated stats socket: both servers UP (2), since the health gate follows each host's own service.
      const sock = /^\s*stats socket (\S+)/m.exec(p.haproxyCfg)![1];
      const state = await new Promise<string>((resolve, reject) => {
        let out = '';
        const c = net.connect(sock, () => c.end('show servers state\n'));
        c.on('data', (d) => {
          out += d;
        });
        c.on('end', () => resolve(out));
        c.on('error', reject);
      });
      const rows = state
        .split('\n')
        .filter((l) => /^\d+ /.test(l))
        .map((l) => l.split(' '));
      assert.deepEqual(
        rows.map((r) => [r[3], r[5]]).sort(),
        [
          ['primary', '2'],
          ['secondary', '2'],
        ],
        state,
      );
    }

    const attempts: Attempt[] = [];
    const pending: Promise<void>[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const a: Attempt = { startMs: Date.now(), endMs: 0, ok: false };
        attempts.push(a);
        pending.push(
          iqRequest({ host: p.front, port: p.port, timeoutMs: 15_000 }, Buffer.from(WHO_REQUEST)).then(
            (b) => {
              a.ok = true;
              a.by = b.toString();
              a.endMs = Date.now();
            },
            (e) => {
              a.error = (e as Error).message;
              a.endMs = Date.now();
            },
          ),
        );
        await sleep(1000 / RATE_PER_SECOND);
      }
    })();
    await sleep(2000);
    // The fault is complete once the stand-in has exited (kill) or the signal is sent (hang): a
    // connection opened while the primary was still dying was in flight at the fault.
    if (fault === 'kill') await stop(primary);
    else primary.child.kill('SIGSTOP');
    const faultMs = Date.now();
    stamped.push(`${((faultMs - t0) / 1000).toFixed(2)} FAULT ${fault}`);
    await sleep(8000);
    let restoreMs: number;
    if (fault === 'kill') {
      primary = mimic('primary');
      procs.push(primary);
      await until('the primary stand-in back', () => mimicStats(p.ip.primary, p.stats.primary));
      // The listener opens before the stats port: the moment the service accepts again is at most this.
      restoreMs = Date.now();
    } else {
      primary.child.kill('SIGCONT');
      restoreMs = Date.now();
    }
    stamped.push(`${((restoreMs - t0) / 1000).toFixed(2)} RESTORE`);
    await sleep(6000);
    loading = false;
    await load;
    await Promise.all(pending);
    return { attempts, faultMs, restoreMs, log: stamped.join('\n') };
  } finally {
    for (const x of procs.reverse()) await stop(x);
  }
}

interface Verdict {
  /** Started after the fault and failed. */
  readonly failedAfterFault: Attempt[];
  /** Started before the fault, still open at it, and failed. */
  readonly inFlightFailed: number;
  /** Seconds from the restore until every new connection went to the primary. */
  readonly failbackSeconds: number;
  readonly total: number;
  /** Answered but slower than 2 s (queued on a hung primary until it was marked down or resumed). */
  readonly slow: number;
}

function judge(r: Run): Verdict {
  const failedAfterFault = r.attempts.filter((a) => !a.ok && a.startMs >= r.faultMs);
  const inFlightFailed = r.attempts.filter((a) => !a.ok && a.startMs < r.faultMs).length;
  const after = r.attempts.filter((a) => a.startMs >= r.restoreMs);
  let lastNotPrimary = -1;
  after.forEach((a, i) => {
    if (a.by !== 'primary') lastNotPrimary = i;
  });
  const firstPrimaryFromThenOn = after[lastNotPrimary + 1];
  const failbackSeconds = firstPrimaryFromThenOn ? (firstPrimaryFromThenOn.startMs - r.restoreMs) / 1000 : Infinity;
  return {
    failedAfterFault,
    inFlightFailed,
    failbackSeconds,
    total: r.attempts.length,
    slow: r.attempts.filter((a) => a.ok && a.endMs - a.startMs > 2000).length,
  };
}

function report(what: string, v: Verdict, r: Run): string {
  const firstFailures = v.failedAfterFault.slice(0, 3).map((a) => ({ at: ((a.startMs - r.faultMs) / 1000).toFixed(2), error: a.error }));
  return (
    `${what}: ${v.failedAfterFault.length} of ${v.total} failed after the fault (${v.inFlightFailed} in flight at it), ${v.slow} slow, ` +
    `failback ${v.failbackSeconds.toFixed(2)} s\n` +
    `first failures: ${JSON.stringify(firstFailures)}\n` +
    // What each process said about states (not HAProxy's line per connection), then the last lines.
    `events:\n${r.log
      .split('\n')
      .filter((l) => !/ \d+\/\d+\/\d+ \d+ -- /.test(l))
      .slice(-60)
      .join('\n')}\nlast lines:\n${r.log.split('\n').slice(-10).join('\n')}`
  );
}

describe("failover that loses nothing: the bundled example's host plan, live", () => {
  for (const fault of ['kill', 'hang'] as const) {
    it(
      `GIVEN real HAProxy with the generated config WHEN the primary is ${fault === 'kill' ? 'killed' : 'hung (SIGSTOP)'} for 8 s and comes ` +
        `back THEN no connection opened after the fault fails, and failback is within the printed estimate`,
      async () => {
        assert.ok(HAPROXY, 'haproxy is not installed: .ci/run installs it');
        const p = await plan();
        const r = await run(p, 'haproxy', fault);
        const v = judge(r);
        const text = report(`HAProxy ${fault}`, v, r);
        process.stdout.write(`# ${text.split('\n')[0]}\n`);
        assert.ok(v.total > 600, text);
        assert.deepEqual(v.failedAfterFault.length, 0, text);
        // The restore moment is taken when the stand-in's stats port answers (its service listener opened
        // just before), and new connections start every 20 ms: 0.1 s of slack for what the clock cannot see.
        assert.ok(v.failbackSeconds <= p.failbackEstimateSeconds + 0.1, `failback ${v.failbackSeconds} s, printed ${p.failbackFormula}\n${text}`);
      },
    );
  }

  for (const fault of ['kill', 'hang'] as const) {
    it(
      `GIVEN idha proxy and the same host plan WHEN the primary is ${fault === 'kill' ? 'killed' : 'hung (SIGSTOP)'} THEN no connection ` +
        `opened after the fault fails`,
      async () => {
        const p = await plan();
        const r = await run(p, 'proxy', fault);
        const v = judge(r);
        const text = report(`idha proxy ${fault}`, v, r);
        process.stdout.write(`# ${text.split('\n')[0]}\n`);
        assert.ok(v.total > 600, text);
        assert.deepEqual(v.failedAfterFault.length, 0, text);
        assert.ok(Number.isFinite(v.failbackSeconds), `the primary serves again\n${text}`);
      },
    );
  }
});
