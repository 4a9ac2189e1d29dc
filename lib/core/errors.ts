/**
 * One problem found while validating a topology or construct props.
 * Every problem names the field, the value it had, what is allowed, and how to fix it.
 */
export interface Problem {
  /** Dotted path of the offending field, e.g. `primary.address` or `azure.probe.intervalSeconds`. */
  readonly field: string;
  /** The value that was given (rendered with JSON.stringify). */
  readonly value: unknown;
  /** What is allowed, e.g. `an integer from 5 to 300`. */
  readonly allowed: string;
  /** How to fix it. */
  readonly fix?: string;
}

/** Longest value echoed in a message; longer ones are cut, with their length. */
export const MAX_ECHOED_CHARS = 120;
/** Most problems listed in one message; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 50;

/** A value as JSON, cut to `max` characters without serializing more than it shows. */
export function previewValue(value: unknown, max = MAX_ECHOED_CHARS): string {
  if (value === undefined) return '(missing)';
  let out = '';
  let total = 0;
  const emit = (s: string) => {
    total += s.length;
    if (out.length <= max) out += s;
  };
  const walk = (v: unknown, depth: number): void => {
    if (out.length > max) {
      total += 1;
      return;
    }
    if (Array.isArray(v)) {
      if (depth > 8) return emit('[...]');
      emit('[');
      v.forEach((x, i) => {
        if (i > 0) emit(',');
        if (out.length <= max) walk(x, depth + 1);
      });
      emit(']');
    } else if (v !== null && typeof v === 'object') {
      if (depth > 8) return emit('{...}');
      emit('{');
      Object.entries(v).forEach(([k, x], i) => {
        if (out.length > max) return;
        emit(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
        walk(x, depth + 1);
      });
      emit('}');
    } else if (typeof v === 'string') {
      emit(JSON.stringify(v.length > max * 2 ? v.slice(0, max * 2) : v));
      if (v.length > max * 2) total += v.length - max * 2;
    } else if (typeof v === 'number' && !Number.isFinite(v))
      emit(String(v)); // .inf / .nan: JSON would say null
    else emit(String(JSON.stringify(v) ?? v));
  };
  walk(value, 0);
  return out.length > max ? `${out.slice(0, max)}... (${typeof value === 'string' ? `${value.length} characters` : 'cut'})` : out;
}

/**
 * Keys whose values are secrets: never echoed, wherever they appear (an unknown key in a topology, a
 * field of a problem). One list: `authPass`, `auth_pass`, `password`, `bigip_password`, `secret`,
 * `token`, `accessKey`, `sasToken`, `credentials`, `privateKey`, `apiKey`, ...
 */
export const SECRET_KEY = /secret|passw|passphrase|pass$|_pass|pass_|token|(^|[^a-z])sas|access_?key|credential|private_?key|api_?key/i;

/** True when a key (or the last segment of a field path) names a secret. */
export function isSecretKey(keyOrField: string): boolean {
  const last =
    keyOrField
      .replace(/\[\d+\]$/, '')
      .split('.')
      .pop() ?? keyOrField;
  // A key that names where a secret is kept (authSecretFile, ajpSecretFile) holds a path, not the secret.
  return SECRET_KEY.test(last) && !/(File|Path|Folder|Dir)$/.test(last);
}

/**
 * Characters that do not show as themselves in a terminal: controls, bidi controls (U+202E reverses
 * the rest of the line), zero-width ones, and any other non-ASCII character, which may look like an
 * ASCII one (Cyrillic "о" in "tomcat1").
 */
const HIDDEN_OR_LOOKALIKE = /[^\x20-\x7e]/;

/** `s` with every such character written as `\uXXXX`. */
export function escapeHidden(s: string): string {
  return s.replace(/[^\x20-\x7e]/gu, (c) => [...c].map((u) => `\\u${u.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(''));
}

/** `previewValue`, with every such character written as `\uXXXX`; says whether any was. */
export function echo(value: unknown, max = MAX_ECHOED_CHARS): { text: string; escaped: boolean } {
  const text = previewValue(value, max);
  return HIDDEN_OR_LOOKALIKE.test(text) ? { text: escapeHidden(text), escaped: true } : { text, escaped: false };
}

export function formatProblem(p: Problem): string {
  const shown = isSecretKey(p.field) && p.value !== undefined ? { text: '(not shown: a secret)', escaped: false } : echo(p.value);
  const note = shown.escaped ? ' (non-ASCII, invisible and bidi characters shown as \\uXXXX)' : '';
  return `${p.field}: got ${shown.text}${note}; allowed: ${p.allowed}${p.fix ? `. Fix: ${p.fix}` : ''}`;
}

/** Thrown when props or a topology file are invalid. Carries every problem found, not just the first. */
export class IdhaValidationError extends Error {
  public readonly problems: readonly Problem[];
  /** What was being checked, e.g. the topology file's name. */
  public readonly context?: string;
  /** Problems found beyond those listed (a limit stopped collecting them). */
  public readonly uncounted: number;
  constructor(problems: readonly Problem[], context?: string, uncounted = 0) {
    const total = problems.length + uncounted;
    const head = `${context ? context + ': ' : ''}${total} invalid setting${total === 1 ? '' : 's'}`;
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  - ${formatProblem(p)}`);
    const more = total - listed.length;
    super([head, ...listed, ...(more > 0 ? [`  ... and ${more} more`] : [])].join('\n'));
    this.name = 'IdhaValidationError';
    this.problems = problems;
    this.context = context;
    this.uncounted = uncounted;
  }

  /** A copy whose field paths are prefixed, e.g. with `services[2]`. */
  public prefixed(prefix: string, context?: string): IdhaValidationError {
    return new IdhaValidationError(
      this.problems.map((p) => ({ ...p, field: `${prefix}.${p.field}` })),
      context,
    );
  }
}

/** `--strict`: the input is valid, but it has warnings, which count as errors. Nothing was written. */
export class WarningsAsErrorsError extends Error {
  constructor(public readonly warnings: readonly string[]) {
    super(
      `${warnings.length} warning${warnings.length === 1 ? '' : 's'}, which --strict counts as errors (nothing was written):\n` +
        warnings.map((w) => `  - ${w}`).join('\n'),
    );
    this.name = 'WarningsAsErrorsError';
  }
}

/** Collects problems so that a user sees all of them at once. */
export class Problems {
  constructor(
    private readonly prefix = '',
    private readonly list: Problem[] = [],
    private readonly rootPrefix = prefix,
  ) {}

  /** Records a problem, its field under this view's prefix. */
  public add(problem: Problem): void {
    this.list.push(this.prefix ? { ...problem, field: `${this.prefix}.${problem.field}` } : problem);
  }

  /** A view that records into the same list, with `prefix.` before every field. */
  public under(prefix: string): Problems {
    return new Problems(this.prefix ? `${this.prefix}.${prefix}` : prefix, this.list, this.rootPrefix);
  }

  /**
   * A view at the top the `under` views came from: for a target's checks of the pair's own fields
   * (`probe.kind`, `secondary.address`), so the path printed is one the user finds in the file.
   */
  public root(): Problems {
    return new Problems(this.rootPrefix, this.list, this.rootPrefix);
  }

  /** True when nothing was recorded (in any view of the list). */
  public get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Every problem recorded (in any view of the list). */
  public get all(): Problem[] {
    return this.list;
  }

  /** Throws an {@link IdhaValidationError} if any problem was recorded. */
  public throwIfAny(context?: string): void {
    if (this.list.length > 0) throw new IdhaValidationError(this.list, context);
  }
}

/** The problems `fn` throws as an IdhaValidationError, as data: empty when it succeeds. Other errors pass through. */
export function problemsOf(fn: () => unknown): Problem[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof IdhaValidationError) return [...e.problems];
    throw e;
  }
}
