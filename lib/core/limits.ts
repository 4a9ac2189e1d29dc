import { Problems } from './errors';

/**
 * One range per concept, shared by the constructs (topology keys) and the CLI flags that carry the
 * same setting to a host: a value means the same, and is refused the same, wherever it is written.
 */
export interface Limit {
  /** The topology / construct key. */
  readonly key: string;
  /** The `idha` flag. */
  readonly flag: string;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only (counts); seconds take fractions such as 0.5. */
  readonly integer: boolean;
  /** What the lowest value means, when it is special. */
  readonly zero?: string;
}

const seconds = (key: string, flag: string, min: number, max: number, zero?: string): Limit => ({ key, flag, min, max, integer: false, zero });
const count = (key: string, flag: string, min: number, max: number): Limit => ({ key, flag, min, max, integer: true });

/** The sidecar (`idha shim`): probe.sidecar.* in the topology, the shim's flags on the host. */
export const SIDECAR_LIMITS = {
  checkIntervalSeconds: seconds('checkIntervalSeconds', '--interval', 0.1, 60),
  fallCount: count('fallCount', '--fall', 1, 10),
  riseCount: count('riseCount', '--rise', 1, 10),
  standbyPollSeconds: seconds('standbyPollSeconds', '--standby-poll', 0.1, 60),
  standbyFallCount: count('standbyFallCount', '--standby-fall', 1, 10),
  standbyRiseCount: count('standbyRiseCount', '--standby-rise', 1, 10),
  dampHalfLifeSeconds: seconds('dampHalfLifeSeconds', '--damp-half-life', 1, 3600),
  maxHoldDownSeconds: seconds('maxHoldDownSeconds', '--max-hold-down', 0, 86400, '0 turns flap damping off'),
  drainSeconds: seconds('drainSeconds', '--drain', 0, 60, '0 closes at once'),
} as const;

/** What a limit allows, in words. */
export function describeLimit(l: Limit): string {
  return l.integer ? `an integer from ${l.min} to ${l.max}` : `seconds from ${l.min} to ${l.max} (fractions allowed, e.g. 0.5)`;
}

/** True when `value` is inside `limit`. */
export function withinLimit(value: unknown, l: Limit): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= l.min && value <= l.max && (!l.integer || Number.isInteger(value));
}

/** Records a problem under `field` (a topology key, or a flag) unless `value` is inside `limit`. */
export function checkLimit(problems: Problems, field: string, value: unknown, l: Limit, fix?: string): value is number {
  if (withinLimit(value, l)) return true;
  problems.add({ field, value, allowed: describeLimit(l), fix: fix ?? l.zero });
  return false;
}
