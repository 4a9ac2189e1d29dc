/**
 * An httpd in Debian's own layout, as a user runs it: a private copy of /etc/apache2 (through
 * APACHE_CONFDIR, with its run, lock and log folders moved under the copy), modules and confs
 * enabled with a2enmod / a2dismod / a2enconf, started and checked with apache2ctl.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface DebianApache {
  /** The private copy of /etc/apache2. */
  readonly root: string;
  /** The environment that points apache2ctl and a2enmod at it. */
  readonly env: NodeJS.ProcessEnv;
  /** apache2ctl -t: exit status and output. */
  check(): { status: number | null; output: string };
  /** apache2ctl -k start; throws with the error log when it fails. */
  start(): void;
  stop(): void;
  /** The error log's text. */
  errorLog(): string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * GIVEN `dir` (a test's temporary folder), an instance `name`, the port it listens on, the modules to
 * enable and disable, and the files to install in conf-available (file name to content) and enable.
 */
export function debianApache(
  dir: string,
  name: string,
  port: number,
  opts: { enableMods: string[]; disableMods?: string[]; confs: Record<string, string> },
): DebianApache {
  const root = path.join(dir, `apache2-${name}`);
  const r = spawnSync('cp', ['-a', '/etc/apache2', root]);
  if (r.status !== 0) throw new Error(`cp -a /etc/apache2 ${root}: ${r.stderr}`);
  const run_ = path.join(root, 'run');
  const log = path.join(root, 'log');
  for (const d of [run_, log, path.join(root, 'state')]) fs.mkdirSync(d, { recursive: true });
  fs.chmodSync(log, 0o755);
  // Debian's envvars names the run, lock and log folders after the /etc/apache2-<suffix> only: moved here.
  fs.appendFileSync(
    path.join(root, 'envvars'),
    [
      '',
      "# identity-ha test: this copy's own folders",
      `export APACHE_PID_FILE=${run_}/apache2.pid`,
      `export APACHE_RUN_DIR=${run_}`,
      `export APACHE_LOCK_DIR=${run_}`,
      `export APACHE_LOG_DIR=${log}`,
      '',
    ].join('\n'),
  );
  // The port, as a user edits ports.conf and the default site (kept enabled: the mounts must reach it).
  fs.writeFileSync(path.join(root, 'ports.conf'), `Listen 127.0.0.1:${port}\n`);
  const site = path.join(root, 'sites-available', '000-default.conf');
  fs.writeFileSync(site, fs.readFileSync(site, 'utf8').replace('<VirtualHost *:80>', `<VirtualHost *:${port}>`));
  fs.appendFileSync(path.join(root, 'apache2.conf'), '\nServerName localhost\n');
  const env: NodeJS.ProcessEnv = { ...process.env, APACHE_CONFDIR: root, APACHE_STATE_DIRECTORY: path.join(root, 'state') };
  delete env.APACHE_ENVVARS;
  if (opts.disableMods?.length) run('a2dismod', ['-q', ...opts.disableMods], env);
  if (opts.enableMods.length) run('a2enmod', ['-q', ...opts.enableMods], env);
  for (const [file, content] of Object.entries(opts.confs)) {
    fs.writeFileSync(path.join(root, 'conf-available', file), content);
    run('a2enconf', ['-q', file.replace(/\.conf$/, '')], env);
  }
  return {
    root,
    env,
    check: () => {
      const t = spawnSync('apache2ctl', ['-t'], { env, encoding: 'utf8', timeout: 60_000 });
      return { status: t.status, output: t.stderr + t.stdout };
    },
    start: () => {
      const s = spawnSync('apache2ctl', ['-k', 'start'], { env, encoding: 'utf8', timeout: 60_000 });
      if (s.status !== 0)
        throw new Error(
          `apache2ctl -k start (${name}) failed: ` +
            `${s.stderr}${s.stdout}\n${fs.existsSync(path.join(log, 'error.log')) ? fs.readFileSync(path.join(log, 'error.log'), 'utf8') : ''}`,
        );
    },
    stop: () => {
      spawnSync('apache2ctl', ['-k', 'stop'], { env, timeout: 60_000 });
    },
    errorLog: () => (fs.existsSync(path.join(log, 'error.log')) ? fs.readFileSync(path.join(log, 'error.log'), 'utf8') : ''),
  };
}
