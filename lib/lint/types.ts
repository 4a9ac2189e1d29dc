/** What `idha lint` reads: one kind per configuration language. */
export type LintKind = 'haproxy' | 'keepalived' | 'mod-jk' | 'httpd' | 'tomcat' | 'as3' | 'tmsh' | 'terraform' | 'pcs';

export const LINT_KINDS: readonly LintKind[] = ['haproxy', 'keepalived', 'mod-jk', 'httpd', 'tomcat', 'as3', 'tmsh', 'terraform', 'pcs'];

/** `error` fails `idha lint` by default (`--fail-on`), `warning` with `--fail-on warning`, `note` never. */
export type Severity = 'error' | 'warning' | 'note';

export const SEVERITY_RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

/** An inline suppression: `# idha-lint-ignore IDHA-HAP-001: reason` (or its JSON and XML forms). */
export interface Suppression {
  readonly ids: readonly string[];
  readonly reason: string;
  /** Where the suppression is written. */
  readonly line: number;
  /** The lines it covers (the next statement, or the JSON object it sits in). */
  readonly fromLine: number;
  readonly toLine: number;
}

/** Where a rule fires, and what it says there when the rule's title is not enough. */
export interface RuleHit {
  readonly line: number;
  readonly message?: string;
}

/** Settings every rule may read. */
export interface LintContext {
  /** The IQService ports (5050 and the TLS port 5051 unless `--iqservice-port` says otherwise). */
  readonly iqPorts: ReadonlySet<number>;
}

/** A parsed file. Each kind's document adds its own model. */
export interface LintDocument {
  readonly kind: LintKind;
  readonly file: string;
  /** Suppressions found in the file, in its own comment syntax. */
  readonly suppressions: readonly Suppression[];
}

/**
 * One rule, in the style of cdk-nag: a stable ID, a severity, a one-line title, why it matters (with
 * its source), the fix, and one pure function of the parsed file.
 */
export interface LintRule<D extends LintDocument = LintDocument> {
  /** Stable: never reused for another rule. */
  readonly id: string;
  readonly kind: LintKind | readonly LintKind[];
  readonly severity: Severity;
  /** One line, shown with every finding. */
  readonly title: string;
  readonly why: string;
  /** Where the why comes from: a vendor document, a CVE, or identity-ha's own measurement. */
  readonly source: string;
  readonly fix: string;
  readonly check: (doc: D, ctx: LintContext) => readonly RuleHit[];
}

/** A rule that fired, after suppressions. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly message: string;
  readonly fix: string;
  /** Set when an inline suppression covers it: the finding is reported, and does not fail the run. */
  readonly suppressed?: { readonly reason: string; readonly line: number };
}

/** A file `idha lint` could not read or parse: exit 2. */
export class LintInputError extends Error {
  constructor(
    public readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'LintInputError';
  }
}
