import type { Logger } from '../../lib/runtime/log';

/** Runs a long-lived component until SIGTERM/SIGINT, then stops it cleanly and exits 0. */
export function runUntilSignal(stop: () => Promise<void>, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal: sig });
      const force = setTimeout(() => process.exit(1), 5000);
      force.unref();
      stop().then(() => resolve(), (e) => {
        log.error('stop failed', { error: (e as Error).message });
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** A positive number of seconds, as milliseconds. */
export function secondsToMs(field: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 3600)) {
    throw new Error(`--${field}: got ${value}; allowed: seconds greater than 0 and at most 3600 (fractions allowed, e.g. 0.5)`);
  }
  return Math.round(value * 1000);
}
