/**
 * Route-flap damping as BGP does it (RFC 2439), for a service instead of a route.
 *
 * Every flap adds to a penalty that halves every `halfLifeMs`. While the penalty is below the
 * suppress limit, a recovered service is trusted at once; a flap that takes the penalty to the
 * limit or above suppresses the service (holds it down) until the penalty has decayed below the
 * reuse limit. The penalty is capped so that no hold-down is longer than `maxHoldDownMs`.
 *
 * Units: one flap of the service itself weighs 1; the suppress limit is 1.5 and the reuse limit 0.75.
 * So the first flap in a while costs nothing; a second one within a half-life holds the service down
 * for one to 1.4 half-lives (the sooner, the longer); each further flap makes the hold-down about one
 * half-life longer, up to the cap.
 */
export interface FlapDampingOptions {
  /** Time for the penalty to halve. @default 60000 */
  readonly halfLifeMs?: number;
  /** The longest hold-down, whatever the number of flaps. @default 600000 */
  readonly maxHoldDownMs?: number;
  readonly now?: () => number;
}

export const SUPPRESS_LIMIT = 1.5;
export const REUSE_LIMIT = 0.75;
/** Weight of a flap the service's own checks saw. */
export const FLAP_WEIGHT = 1;
/**
 * Weight of a fault a balancer reported while the service looked healthy here (a black hole on the
 * path): the shim cannot see such a fault end, so the host is held down at once, for
 * log2(2 / 0.75) = 1.4 half-lives (85 s at the default 60 s).
 */
export const PATH_FAULT_WEIGHT = 2;

export class FlapDamping {
  public readonly halfLifeMs: number;
  public readonly maxHoldDownMs: number;
  /** Penalty ceiling: the penalty that takes `maxHoldDownMs` to decay to the reuse limit. */
  public readonly maxPenalty: number;
  /** Flaps recorded since start. */
  public flaps = 0;
  private value = 0;
  private at: number;
  private held = false;
  private readonly now: () => number;

  constructor(options: FlapDampingOptions = {}) {
    this.halfLifeMs = options.halfLifeMs ?? 60_000;
    this.maxHoldDownMs = options.maxHoldDownMs ?? 600_000;
    if (!(this.halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be above 0, got ${this.halfLifeMs}`);
    if (!(this.maxHoldDownMs >= 0)) throw new RangeError(`maxHoldDownMs must be 0 or more, got ${this.maxHoldDownMs}`);
    this.maxPenalty = REUSE_LIMIT * Math.pow(2, this.maxHoldDownMs / this.halfLifeMs);
    this.now = options.now ?? Date.now;
    this.at = this.now();
  }

  /** The penalty now, decayed. */
  public penalty(): number {
    const t = this.now();
    return this.value * Math.pow(0.5, (t - this.at) / this.halfLifeMs);
  }

  /** Records one flap of the given weight; returns true when it suppresses the service. */
  public flap(weight: number = FLAP_WEIGHT): boolean {
    const p = Math.min(this.maxPenalty, this.penalty() + weight);
    this.value = p;
    this.at = this.now();
    this.flaps++;
    const was = this.held;
    if (p >= SUPPRESS_LIMIT) this.held = true;
    return this.held && !was;
  }

  /** Whether the service is held down now (suppressed until the penalty decays below the reuse limit). */
  public suppressed(): boolean {
    if (this.held && this.penalty() < REUSE_LIMIT) this.held = false;
    return this.held;
  }

  /** When the hold-down ends (epoch ms), or undefined when not held down. */
  public holdDownUntil(): number | undefined {
    if (!this.suppressed()) return undefined;
    return this.now() + this.halfLifeMs * Math.log2(this.penalty() / REUSE_LIMIT);
  }
}
