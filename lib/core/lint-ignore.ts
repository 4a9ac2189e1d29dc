/**
 * The inline suppression `idha lint` reads (docs/lint.md). A renderer writes one where the topology
 * asked for something a lint rule warns about, so the output says why, and `idha synth`'s self-check
 * and a user's own `idha lint` of the files both report it as decided, with the reason.
 */
export function lintIgnore(ruleId: string, reason: string): string {
  return `idha-lint-ignore ${ruleId}: ${reason}`;
}

/** Why a probe on the service port is there (AS3 remarks allow 64 characters: keep it short). */
export const NOISY_PROBE_CHOSEN = 'allowNoisyTcpProbe: true';
