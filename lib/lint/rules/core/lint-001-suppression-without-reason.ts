import { LINT_KINDS, type LintRule } from '../../types';

/** A suppression that does not say why. */
export const LINT_001: LintRule = {
  id: 'IDHA-LINT-001',
  kind: LINT_KINDS,
  severity: 'error',
  title: 'A suppression gives no reason',
  why: 'A suppressed finding is reported with its reason, so the next reader knows it was decided, not missed. Without one it is a silenced warning.',
  source: 'identity-ha lint (docs/lint.md, "Suppressing a finding")',
  fix: 'Write the reason after a colon: `# idha-lint-ignore IDHA-HAP-001: the probe is half-open, see ticket 123`.',
  check: (doc) =>
    doc.suppressions.filter((s) => s.reason === '').map((s) => ({ line: s.line, message: `suppression of ${s.ids.join(', ')} gives no reason` })),
};
