import type { Argv, CommandModule } from 'yargs';
import { IdhaValidationError, Problem, Problems } from '../../lib/core/errors';
import { checkLimit, SIDECAR_LIMITS } from '../../lib/core/limits';
import { jsonLogger } from '../../lib/runtime/log';
import { canonicalAddress, CheckMethod, createChecker } from '../../lib/runtime/service-check';
import { Shim, ShimRole } from '../../lib/runtime/shim';
import { runUntilSignal, secondsToMs, startOrUsageError } from './runtime-common';

interface ShimArgs {
  bind: string;
  'service-port': number;
  'service-host'?: string;
  'gate-port': number;
  'health-port': number;
  'agent-port': number;
  interval: number;
  rise: number;
  fall: number;
  check: CheckMethod;
  drain: number;
  role?: string;
  peer?: string;
  'priority-port': number;
  'standby-of'?: string;
  'standby-peer'?: string;
  'standby-poll': number;
  'standby-fall': number;
  'standby-rise': number;
  'damp-half-life': number;
  'max-hold-down': number;
  'report-port': number;
  'report-server'?: string;
  'report-from'?: string;
}

/** A checker that cannot work here (no netstat) is a usage error naming --check, not a crash. */
function checkerOrUsageError<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw new IdhaValidationError([
      {
        field: '--check',
        value: (e as Error).message,
        allowed: 'a method this host can run',
        fix: 'install netstat (Windows: %SystemRoot%\\System32\\netstat.exe), or use --check proc-net-tcp on Linux',
      },
    ]);
  }
}

export const shimCommand: CommandModule<{}, ShimArgs> = {
  command: 'shim',
  describe:
    "Run the probe sidecar on an IQService host: a health gate (gate port, GET /healthz, HAProxy agent-check) from the service's real state, " +
    'and with --role and --peer a priority gate (priority port, GET /priority) open on one host of the pair at a time',
  builder: (y: Argv) =>
    y
      .option('bind', {
        type: 'string',
        demandOption: true,
        describe: "Address the gate, health and agent ports listen on (explicit; e.g. the host's private IP)",
      })
      .option('service-port', {
        type: 'number',
        default: 5050,
        describe: 'IQService port to watch (never connected to, except with --check connect)',
      })
      .option('service-host', {
        type: 'string',
        describe: 'Only a listener on this IP address (or a wildcard) counts (default: the --bind address when it is an IP, else any)',
      })
      .option('gate-port', {
        type: 'number',
        default: 15050,
        describe:
          "Health gate (TCP): listens only while this host's service is healthy, for balancers with priorities of their own (HAProxy, F5, " +
          'DNS) (0: off)',
      })
      .option('priority-port', {
        type: 'number',
        default: 15054,
        describe:
          'Priority gate (TCP), with --role and --peer: listens on the primary while healthy, on the secondary only while the primary is ' +
          'down; for balancers without priorities (Azure LB, AWS NLB) (0: off)',
      })
      .option('role', { choices: ['primary', 'secondary'], describe: "This host's role in the pair (with --peer)" })
      .option('peer', { type: 'string', describe: "The other host's shim health URL, e.g. http://10.0.2.10:15051/healthz (with --role)" })
      .option('health-port', { type: 'number', default: 15051, describe: 'HTTP GET /healthz: 200 or 503 (0: off)' })
      .option('agent-port', { type: 'number', default: 15052, describe: 'HAProxy agent-check: up/down/drain (0: off)' })
      .option('interval', { type: 'number', default: 1, describe: 'Seconds between checks' })
      .option('rise', {
        type: 'number',
        default: 1,
        describe: 'Good checks before the service counts as up again (flap damping keeps a flapping one out)',
      })
      .option('fall', { type: 'number', default: 2, describe: 'Bad checks before unhealthy' })
      .option('check', {
        choices: ['auto', 'proc-net-tcp', 'netstat', 'connect'] as const,
        default: 'auto' as CheckMethod,
        describe: 'How to look at the service: auto = /proc/net/tcp on Linux, netstat on Windows; connect opens connections (IQService logs each)',
      })
      .option('standby-peer', { type: 'string', hidden: true, describe: 'Replaced by --role primary --peer URL' })
      .option('drain', { type: 'number', default: 2, describe: 'On SIGTERM: seconds of gate closed, 503 and agent "drain" before the ports close' })
      .option('standby-of', { type: 'string', hidden: true, describe: 'Replaced by --role secondary --peer URL' })
      .option('standby-poll', { type: 'number', default: 1, describe: "With --peer: seconds between polls of the other host's shim" })
      .option('standby-fall', { type: 'number', default: 3, describe: 'Secondary: polls finding the primary down before its priority gate opens' })
      .option('standby-rise', {
        type: 'number',
        default: 3,
        describe: 'Secondary: polls finding the primary up before its priority gate closes again',
      })
      .option('damp-half-life', {
        type: 'number',
        default: 60,
        describe:
          'Flap damping: seconds for the penalty to halve. The first flap costs nothing; a second within this long holds the host down for 1 ' +
          'to 1.4 half-lives; a fault a balancer reports holds it down 1.4 half-lives',
      })
      .option('max-hold-down', { type: 'number', default: 600, describe: 'Flap damping: the longest hold-down in seconds (0: damping off)' })
      .option('report-port', {
        type: 'number',
        default: 0,
        describe:
          "UDP port for balancers' syslog reports (HAProxy: log <bind>:<port> local1 notice); a mark-down while the service looks healthy " +
          'holds the host down (0: off)',
      })
      .option('report-server', {
        type: 'string',
        describe: "With --report-port: this host's <backend>/<server> names in the balancers' configurations, comma-separated",
      })
      .option('report-from', {
        type: 'string',
        describe: 'With --report-port: accepted sender addresses, comma-separated (default: any; firewall the port to the balancers)',
      }) as unknown as Argv<ShimArgs>,
  handler: async (a) => {
    const problems: Problem[] = [];
    const flags = new Problems();
    for (const f of ['service-port', 'gate-port', 'priority-port', 'health-port', 'agent-port'] as const) {
      const v = a[f];
      const min = f === 'service-port' ? 1 : 0;
      if (!Number.isInteger(v) || v < min || v > 65535)
        problems.push({ field: `--${f}`, value: v, allowed: `an integer from ${min} to 65535${min === 0 ? ' (0: off)' : ''}` });
    }
    const L = SIDECAR_LIMITS;
    const limited: Array<[keyof typeof L, number]> = [
      ['checkIntervalSeconds', a.interval],
      ['riseCount', a.rise],
      ['fallCount', a.fall],
      ['standbyFallCount', a['standby-fall']],
      ['standbyRiseCount', a['standby-rise']],
      ['standbyPollSeconds', a['standby-poll']],
      ['dampHalfLifeSeconds', a['damp-half-life']],
      ['maxHoldDownSeconds', a['max-hold-down']],
      ['drainSeconds', a.drain],
    ];
    for (const [k, v] of limited) checkLimit(flags, L[k].flag, v, L[k]);
    problems.push(...flags.all);
    const bind = canonicalAddress(a.bind);
    if (bind === undefined)
      problems.push({
        field: '--bind',
        value: a.bind,
        allowed: 'an IPv4 or IPv6 address of this host (0.0.0.0 or :: for every address)',
        fix: 'e.g. --bind 10.0.1.10, the address the balancers probe',
      });
    const listeners = (['service-port', 'gate-port', 'priority-port', 'health-port', 'agent-port'] as const).filter(
      (f) => a[f] !== 0 && (f !== 'priority-port' || a.peer !== undefined),
    );
    listeners.forEach((f, i) => {
      const same = listeners.slice(0, i).find((g) => a[g] === a[f]);
      if (same)
        problems.push({
          field: `--${f}`,
          value: a[f],
          allowed: `a port other than --${same}'s`,
          fix: 'each of the service, gate, priority, health and agent ports needs a port of its own (0 turns gate, priority, health or agent off)',
        });
    });
    const reportPort = a['report-port'];
    if (!Number.isInteger(reportPort) || reportPort < 0 || reportPort > 65535)
      problems.push({ field: '--report-port', value: reportPort, allowed: 'an integer from 0 (off) to 65535' });
    const reportServers = (a['report-server'] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x);
    if (reportPort > 0 && reportServers.length === 0) {
      problems.push({
        field: '--report-server',
        value: a['report-server'],
        allowed: "this host's <backend>/<server> names, e.g. iq-iqservice/primary",
        fix: 'the host plan that idha synth writes gives the exact value',
      });
    }
    for (const n of reportServers)
      if (!/^[^\s/]+\/[^\s/]+$/.test(n))
        problems.push({ field: '--report-server', value: n, allowed: '<backend>/<server>, e.g. iq-iqservice/primary' });
    const reportFrom = (a['report-from'] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x);
    for (const f of reportFrom)
      if (canonicalAddress(f) === undefined)
        problems.push({ field: '--report-from', value: f, allowed: 'IP addresses of the balancers, comma-separated' });
    if (
      reportPort > 0 &&
      [a['gate-port'], a['health-port'], a['agent-port'], a['service-port'], ...(a.peer !== undefined ? [a['priority-port']] : [])].includes(
        reportPort,
      )
    ) {
      problems.push({
        field: '--report-port',
        value: reportPort,
        allowed: 'a port other than the service, gate, priority, health and agent ports',
        fix: 'the default in the host plan is 15053',
      });
    }
    // The old standby mode put the priority on the gate port. Its flags are refused rather than read in
    // the new sense: a balancer still probing the gate port for priority would then send to both hosts.
    for (const [flag, role] of [
      ['standby-of', 'secondary'],
      ['standby-peer', 'primary'],
    ] as const) {
      if (a[flag] !== undefined) {
        problems.push({
          field: `--${flag}`,
          value: a[flag],
          allowed: `--role ${role} --peer <URL>`,
          fix:
            `the gate port now follows only this host's health, and the priority gate has its own port (--priority-port, 15054): run idha ` +
            `synth again and use its host plan's command, and apply the balancers' new probes (Azure LB and AWS NLB probe the priority port)`,
        });
      }
    }
    if ((a.role === undefined) !== (a.peer === undefined)) {
      problems.push({
        field: a.role === undefined ? '--role' : '--peer',
        value: undefined,
        allowed: a.role === undefined ? 'primary or secondary, with --peer' : "the other host's shim health URL, with --role",
        fix: 'give both, as the host plan does, or neither (no priority gate)',
      });
    }
    if (a.peer !== undefined && !/^https?:\/\/[^/\s]+\/healthz$/.test(a.peer)) {
      problems.push({ field: '--peer', value: a.peer, allowed: "the other host's shim URL, http://<host>:<health-port>/healthz" });
    }
    const serviceHost = a['service-host'] === undefined ? undefined : canonicalAddress(a['service-host']);
    if (a['service-host'] !== undefined && serviceHost === undefined) {
      problems.push({
        field: '--service-host',
        value: a['service-host'],
        allowed: 'an IPv4 or IPv6 address (the socket table holds addresses, so a name such as localhost never matches)',
        fix: 'e.g. --service-host 127.0.0.1 or --service-host ::1',
      });
    }
    if (problems.length) throw new IdhaValidationError(problems);
    const log = jsonLogger('shim', process.stdout);
    const shim = new Shim({
      // Only this host's own listener counts: a neighbour's on the same port (two stand-ins on one
      // machine, a second address of a multi-homed host) is not ours.
      // A --bind that is a name watches any address (names never match the socket table).
      checker: checkerOrUsageError(() => createChecker(a.check, a['service-port'], serviceHost ?? bind, log)),
      bind: bind!,
      gatePort: a['gate-port'],
      priorityPort: a['priority-port'],
      healthPort: a['health-port'],
      agentPort: a['agent-port'],
      intervalMs: secondsToMs('interval', a.interval),
      rise: a.rise,
      fall: a.fall,
      drainMs: a.drain === 0 ? 0 : secondsToMs('drain', a.drain),
      peer:
        a.peer && a.role
          ? {
              role: a.role as ShimRole,
              healthUrl: a.peer,
              pollMs: secondsToMs('standby-poll', a['standby-poll']),
              fallCount: a['standby-fall'],
              riseCount: a['standby-rise'],
            }
          : undefined,
      damping: { halfLifeMs: a['damp-half-life'] * 1000, maxHoldDownMs: a['max-hold-down'] * 1000 },
      reports: reportPort > 0 ? { port: reportPort, servers: reportServers, from: reportFrom } : undefined,
      logger: log,
    });
    shim.once('fatal', (e: Error) => {
      process.stderr.write(`idha: ${e.message}: stopping, so that the supervisor restarts the shim and shows why\n`);
      void shim.stop().finally(() => process.exit(1));
    });
    await startOrUsageError(
      () => shim.start(),
      () => shim.stop(),
      a.bind,
    );
    await runUntilSignal(() => shim.stop(), log);
  },
};
