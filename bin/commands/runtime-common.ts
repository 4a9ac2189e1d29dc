import { IdhaValidationError } from '../../lib/core/errors';
import { parseEndpoint, type Logger } from '../../lib/runtime/log';

/** Runs a long-lived component until SIGTERM/SIGINT, then stops it cleanly and exits 0. */
export function runUntilSignal(stop: () => Promise<void>, log: Logger, forceAfterMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal: sig });
      const force = setTimeout(() => process.exit(1), forceAfterMs);
      force.unref();
      stop().then(
        () => resolve(),
        (e) => {
          log.error('stop failed', { error: (e as Error).message });
          resolve();
        },
      );
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** A positive number of seconds, as milliseconds. */
export function secondsToMs(field: string, value: number, max = 3600): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= max)) {
    throw new IdhaValidationError([
      { field: `--${field}`, value, allowed: `seconds greater than 0 and at most ${max} (fractions allowed, e.g. 0.5)` },
    ]);
  }
  return Math.round(value * 1000);
}

/**
 * Starts a long-lived component; a port it cannot listen on (in use, an address this host does not
 * have) is a usage error naming the flag, after everything that did start is stopped again: the
 * process never runs half-started.
 */
export async function startOrUsageError(start: () => Promise<void>, stop: () => Promise<void>, bind: string, bindFlag = '--bind'): Promise<void> {
  try {
    await start();
  } catch (e) {
    await stop().catch(() => undefined);
    const err = e as NodeJS.ErrnoException & { port?: number; flag?: string };
    const why =
      err.code === 'EADDRINUSE'
        ? 'is in use'
        : err.code === 'EADDRNOTAVAIL'
          ? 'is on an address this host does not have'
          : err.code === 'EACCES'
            ? 'needs privileges this process does not have'
            : `cannot be listened on (${err.code ?? err.message})`;
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
      throw new IdhaValidationError([
        {
          field: bindFlag,
          value: bind,
          allowed: 'an address this host has',
          fix: 'use one of the addresses ip addr (Linux) or ipconfig (Windows) lists',
        },
      ]);
    throw new IdhaValidationError([
      {
        field: err.flag ?? '--bind',
        value: err.port === undefined ? bind : `${bind}:${err.port}`,
        allowed: 'a port this process can listen on',
        fix: `that port ${why}: choose another, or stop what holds it`,
      },
    ]);
  }
}

/** A host:port flag, or a usage error naming it. */
export function endpointFlag(flag: string, value: string, defaultHost?: string): { host: string; port: number } {
  try {
    return parseEndpoint(value, defaultHost);
  } catch (e) {
    throw new IdhaValidationError([
      { field: flag, value, allowed: 'host:port with a port from 1 to 65535', fix: 'e.g. 127.0.0.1:5050, or [::1]:5050' },
    ]);
  }
}
