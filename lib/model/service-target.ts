import { Construct } from 'constructs';
import { Claim } from './claim';
import { Problems } from '../core/errors';
import { FailoverEstimate } from './failover-estimate';
import { HaServiceModel, HaStrategy } from './ha-service-model';

import { Snippet } from './snippet';

/**
 * A platform a service model can be rendered to. Each platform lives in its own folder under
 * `lib/platforms/` and reads only the {@link HaServiceModel}.
 */
export interface IHaTarget {
  /** Platform key, e.g. `azure`; also the key under `targets:` in a topology file. */
  readonly platform: string;
  /** The strategy this target implements; a pair accepts only targets of its own strategy. */
  readonly strategy: HaStrategy;
  /**
   * The platform has no priority of its own (Azure LB, AWS NLB): it probes the sidecars' priority
   * gate, open on one host at a time, instead of the health gate. @default false
   */
  readonly needsStandbySidecar?: boolean;
  /** Records every platform limit the model or the target's props break. Field paths are relative to the target. */
  validate(model: HaServiceModel, problems: Problems): void;
  /** Creates the platform's resources under `scope`. Only called after `validate` found nothing. */
  render(scope: Construct, model: HaServiceModel): void;
  /** Worst-case failover and failback times from this target's probe settings. */
  estimate(model: HaServiceModel): FailoverEstimate;
  /** Paste-ready snippets (not Terraform) this target offers; empty when none. */
  snippets(model: HaServiceModel): Snippet[];
  /** Warnings to surface at synth time; empty when none. */
  warnings(model: HaServiceModel): string[];
  /**
   * The names and numbers this target takes in namespaces a topology's services share (an F5 tenant,
   * NSG priorities, a DNS name, a VRRP id); `idha synth` refuses a second holder. Empty when none.
   */
  claims(model: HaServiceModel): Claim[];
}

/**
 * A base for targets, with no snippets, no warnings and no claims by default. Extend it to add a platform of
 * your own, in any jsii language: implement `platform`, `strategy`, `validate`, `render` and
 * `estimate`.
 */
export abstract class HaTargetBase implements IHaTarget {
  public abstract readonly platform: string;
  public abstract readonly strategy: HaStrategy;
  /** @default false */
  public readonly needsStandbySidecar?: boolean;
  public abstract validate(model: HaServiceModel, problems: Problems): void;
  public abstract render(scope: Construct, model: HaServiceModel): void;
  public abstract estimate(model: HaServiceModel): FailoverEstimate;
  public snippets(_model: HaServiceModel): Snippet[] {
    return [];
  }
  public warnings(_model: HaServiceModel): string[] {
    return [];
  }
  public claims(_model: HaServiceModel): Claim[] {
    return [];
  }
}
