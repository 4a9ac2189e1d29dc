import { CheckResult } from './service-check';

export type HealthValue = 'up' | 'down';

export interface HealthStateOptions {
  /** Consecutive good results before down -> up. */
  readonly rise: number;
  /** Consecutive bad results before up -> down. */
  readonly fall: number;
  /** @default 'down' */
  readonly initial?: HealthValue;
  readonly now?: () => number;
}

/** Rise/fall hysteresis over a stream of check results. */
export class HealthState {
  public state: HealthValue;
  public since: number;
  public lastCheckAt?: number;
  public lastResult?: CheckResult;
  private goods = 0;
  private bads = 0;
  private readonly now: () => number;

  constructor(private readonly options: HealthStateOptions) {
    this.now = options.now ?? Date.now;
    this.state = options.initial ?? 'down';
    this.since = this.now();
  }

  /** Records one result; returns true when the state changed. */
  public record(result: CheckResult): boolean {
    this.lastCheckAt = this.now();
    this.lastResult = result;
    if (result.ok) {
      this.goods++;
      this.bads = 0;
    } else {
      this.bads++;
      this.goods = 0;
    }
    let next = this.state;
    if (this.state === 'down' && this.goods >= this.options.rise) next = 'up';
    if (this.state === 'up' && (this.bads >= this.options.fall || (!result.ok && result.confirmed))) next = 'down';
    if (next === this.state) return false;
    this.state = next;
    this.since = this.lastCheckAt;
    return true;
  }
}
