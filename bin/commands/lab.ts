import type { Argv, CommandModule } from 'yargs';
import { formatLabStatus, Lab, LabAction, LabBalancer, labControl, LabStrategy } from '../../lib/runtime/lab';
import { runUntilSignal } from './runtime-common';
import { IdhaValidationError } from '../../lib/core/errors';
import { jsonLogger } from '../../lib/runtime/log';

type LabArgs = {
  action: 'run' | LabAction | 'status';
  balancer: LabBalancer;
  strategy: LabStrategy;
  'base-port': number;
  interval: number;
  watch: boolean;
};

const ACTIONS = ['run', 'kill-primary', 'restore-primary', 'hang-primary', 'resume-primary', 'status'] as const;

export const labCommand: CommandModule<{}, LabArgs> = {
  command: 'lab [action]',
  describe: 'Try a whole failover on loopback: two IQService stand-ins, two shims and a balancer (HAProxy when installed)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ACTIONS, default: 'run' as const, describe: 'run the lab, or act on a running one' })
      .option('balancer', {
        choices: ['auto', 'haproxy', 'proxy'] as const,
        default: 'auto' as LabBalancer,
        describe: 'auto: HAProxy when installed, else idha proxy',
      })
      .option('strategy', {
        choices: ['load-balancer', 'client-side'] as const,
        default: 'load-balancer' as const,
        describe: "client-side: the proxy a client host runs, with its host plan's flags (mark-down, suspicion, /metrics)",
      })
      .option('base-port', { type: 'number', default: 25050, describe: 'The lab uses 127.0.0.1:<base> to <base+49>' })
      .option('interval', { type: 'number', default: 0.5, describe: 'Shim check interval in seconds' })
      .option('watch', { type: 'boolean', default: true, describe: 'run: redraw the status table every second (off: one line per change)' })
      .epilog(
        'Keys while running: k kill/restore the primary, h hang/resume it, q quit.\nFrom another terminal: idha lab kill-primary | ' +
          'restore-primary | hang-primary | resume-primary | status',
      ) as unknown as Argv<LabArgs>,
  handler: async (a) => {
    const base = a['base-port'];
    if (a.action !== 'run') {
      try {
        process.stdout.write(await labControl('127.0.0.1', base, a.action));
      } catch (e) {
        throw new IdhaValidationError([
          { field: 'lab', value: a.action, allowed: `a running idha lab on base port ${base}`, fix: (e as Error).message },
        ]);
      }
      return;
    }
    if (a.strategy === 'client-side' && a.balancer === 'haproxy') {
      throw new IdhaValidationError([
        {
          field: '--balancer',
          value: 'haproxy',
          allowed: 'auto or proxy with --strategy client-side',
          fix: 'client-side runs the proxy a client host runs; leave out --balancer',
        },
      ]);
    }
    const lab = new Lab({ balancer: a.balancer, strategy: a.strategy, basePort: base, intervalMs: Math.round(a.interval * 1000) });
    await lab.start();
    const tty = process.stdout.isTTY && a.watch;
    let last = '';
    const draw = async () => {
      const text = formatLabStatus(await lab.status());
      if (tty) process.stdout.write(`\x1b[2J\x1b[H${text}\nkeys: k kill/restore primary, h hang/resume primary, q quit\n`);
      else if (text !== last) process.stdout.write(text + '\n');
      last = text;
    };
    await draw();
    const timer = setInterval(() => void draw(), 1000);
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        if (process.stdin.isTTY) process.stdin.setRawMode(false);
        process.stdin.pause();
        await lab.stop();
      })());
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', (d) => {
        const k = d.toString();
        const s = lab.status();
        void s.then(async (st) => {
          if (k === 'q' || k === '\u0003') process.kill(process.pid, 'SIGTERM');
          else if (k === 'k') await lab.act(st.primary.mimic === 'stopped' ? 'restore-primary' : 'kill-primary');
          else if (k === 'h') await lab.act(st.primary.mimic === 'hung' ? 'resume-primary' : 'hang-primary');
          await draw();
        });
      });
    }
    await runUntilSignal(stop, jsonLogger('lab', process.stderr));
    process.exit(0);
  },
};
