import { HaServiceModel } from './ha-service-model';

/** One term of a worst-case failover time. */
export interface FailoverTerm {
  /** What the term is, e.g. `sidecar`. */
  readonly label: string;
  /** Its seconds. */
  readonly seconds: number;
}

/**
 * Worst-case time from "the primary stops accepting connections" to "new connections go only to
 * the secondary", derived from the probe settings a target renders.
 */
export interface FailoverEstimate {
  /** The service, cluster or web tier the estimate is for. */
  readonly service: string;
  /** The target platform, e.g. `azure`. */
  readonly platform: string;
  /** Worst-case seconds until new connections go only to the standby. */
  readonly worstCaseSeconds: number;
  /** How the figure is composed, e.g. `2 + max(15, 3 + 5)`. */
  readonly formula: string;
  /** The terms of `worstCaseSeconds`, when the target breaks it down (the services' balancers); empty otherwise. */
  readonly terms: FailoverTerm[];
  /** What the figure does not show, e.g. a window in which the balancer fails open. */
  readonly notes?: string[];
  /**
   * Worst-case time from "the primary accepts connections again" to "new connections go to the
   * primary again": its sidecar's rise, (priority gate) the secondary's closing and the primary's next
   * poll of it, the balancer marking it up, and the DNS TTL.
   */
  readonly failbackSeconds: number;
  /** How the failback figure is composed, e.g. `3 + 3 + 10 = 16`. */
  readonly failbackFormula: string;
}

/** Balancer probe timing used by the shared estimate. */
export interface BalancerTiming {
  /** Seconds from the primary's probe target closing until the balancer marks it down. */
  readonly markDownSeconds: number;
  /** How `markDownSeconds` is made up, e.g. `5s x 2 probes`. */
  readonly markDownFormula: string;
  /** Seconds from the secondary's probe target opening until the balancer marks it up. */
  readonly markUpSeconds: number;
  /** How `markUpSeconds` is made up. */
  readonly markUpFormula: string;
  /**
   * DNS strategies: how long resolvers may keep handing out the old answer after the DNS service
   * switched it (the record's TTL).
   */
  readonly dnsTtlSeconds?: number;
}

/**
 * Worst case for balancers that probe each member's sidecar (no native priority):
 * sidecar detection + max(balancer marks primary down, standby notices + balancer marks secondary up).
 * When the sidecar is not used (half-open or direct probes with native priority), only the mark-down counts.
 */
export function estimateFailover(service: string, platform: string, timing: BalancerTiming, sidecar?: SidecarEstimateTerms): FailoverEstimate {
  const e = { ...balancerEstimate(service, platform, timing, sidecar), ...failback(timing, sidecar) };
  if (timing.dnsTtlSeconds === undefined) return e;
  const ttl = timing.dnsTtlSeconds;
  const worst = e.worstCaseSeconds + ttl;
  const before = e.formula.replace(/ = [0-9.]+$/, '');
  return {
    ...e,
    worstCaseSeconds: worst,
    formula: `${before} + ${ttl}s TTL = ${worst}`,
    terms: [...e.terms, { label: 'resolvers keep the old answer (DNS TTL)', seconds: ttl }],
    failbackSeconds: e.failbackSeconds + ttl,
    failbackFormula: `${e.failbackFormula.replace(/ = [0-9.]+$/, '')} + ${ttl}s TTL = ${e.failbackSeconds + ttl}`,
  };
}

/**
 * Failback: the primary's sidecar rises; then, where the balancer probes the priority gate, the
 * secondary sees it (rise polls) and closes its priority gate, and the primary sees that at its next
 * poll (up to one poll interval) and opens its own; and the balancer marks the primary up.
 */
function failback(timing: BalancerTiming, sidecar?: SidecarEstimateTerms): { failbackSeconds: number; failbackFormula: string } {
  const parts: Array<[number, string]> = [];
  if (sidecar) parts.push([sidecar.riseSeconds, `${sidecar.riseSeconds}s sidecar rise`]);
  if (sidecar?.standbySeconds !== undefined) {
    parts.push([sidecar.standbySeconds, `${sidecar.standbySeconds}s secondary closes`]);
    parts.push([sidecar.pollSeconds!, `${sidecar.pollSeconds}s primary polls it`]);
  }
  parts.push([timing.markUpSeconds, timing.markUpFormula]);
  const total = parts.reduce((s, [n]) => s + n, 0);
  return { failbackSeconds: total, failbackFormula: `${parts.map(([, f]) => f).join(' + ')} = ${total}` };
}

function balancerEstimate(
  service: string,
  platform: string,
  timing: BalancerTiming,
  sidecar?: SidecarEstimateTerms,
): Omit<FailoverEstimate, 'failbackSeconds' | 'failbackFormula'> {
  if (!sidecar) {
    return {
      service,
      platform,
      worstCaseSeconds: timing.markDownSeconds,
      formula: `${timing.markDownFormula} = ${timing.markDownSeconds}`,
      terms: [{ label: 'balancer marks primary down', seconds: timing.markDownSeconds }],
    };
  }
  const standby = sidecar.standbySeconds;
  const upPath = standby === undefined ? 0 : standby + timing.markUpSeconds;
  const worst = sidecar.detectSeconds + Math.max(timing.markDownSeconds, upPath);
  const terms: FailoverTerm[] = [
    { label: 'sidecar closes primary gate', seconds: sidecar.detectSeconds },
    { label: 'balancer marks primary down', seconds: timing.markDownSeconds },
  ];
  let formula = `${sidecar.detectSeconds}s sidecar + ${timing.markDownFormula}`;
  if (standby !== undefined) {
    terms.push({ label: 'standby sidecar opens secondary gate', seconds: standby });
    terms.push({ label: 'balancer marks secondary up', seconds: timing.markUpSeconds });
    formula = `${sidecar.detectSeconds} + max(${timing.markDownSeconds}, ${standby} + ${timing.markUpSeconds})`;
  }
  return { service, platform, worstCaseSeconds: worst, formula: `${formula} = ${worst}`, terms };
}

/**
 * Sidecar terms of the estimate, following the gate the target probes: detection on the primary, plus
 * (the priority gate, for balancers without priorities) the secondary's polls before its priority gate
 * opens. Undefined when the probe does not use the sidecar.
 */
export function sidecarTerms(model: HaServiceModel, priorityGate: boolean = false): SidecarEstimateTerms | undefined {
  const probe = model.pools[0].probe;
  if (!probe.usesSidecar) return undefined;
  const s = probe.sidecar;
  const detectSeconds = s.checkIntervalSeconds * s.fallCount;
  // While the service is down the sidecar checks every interval/4 (see Shim.scheduleTick).
  const riseSeconds = (s.checkIntervalSeconds / 4) * s.riseCount;
  return priorityGate
    ? { detectSeconds, riseSeconds, standbySeconds: s.standbyPollSeconds * s.standbyFallCount, pollSeconds: s.standbyPollSeconds }
    : { detectSeconds, riseSeconds };
}

/** The sidecar's part of an estimate. */
export interface SidecarEstimateTerms {
  /** Primary down: checks until the sidecar closes its gate. */
  readonly detectSeconds: number;
  /** Primary back: checks until the sidecar opens its gate again. */
  readonly riseSeconds: number;
  /** Priority gate: polls until the secondary opens (failover) or closes (failback) its priority gate. */
  readonly standbySeconds?: number;
  /** Priority gate: the primary's poll interval of the secondary (failback waits for one poll). */
  readonly pollSeconds?: number;
}

/** The figures a cluster or web tier target works out; {@link figuresEstimate} makes them an estimate. */
export interface EstimateFigures {
  readonly platform: string;
  readonly seconds: number;
  readonly formula: string;
  readonly failbackSeconds: number;
  readonly failbackFormula: string;
}

/** A cluster's or web tier's estimate: its figures, with no terms (the formula carries them). */
export function figuresEstimate(service: string, f: EstimateFigures): FailoverEstimate {
  return {
    service,
    platform: f.platform,
    worstCaseSeconds: f.seconds,
    formula: f.formula,
    terms: [],
    failbackSeconds: f.failbackSeconds,
    failbackFormula: f.failbackFormula,
  };
}
