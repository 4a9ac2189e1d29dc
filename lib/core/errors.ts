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

export function formatProblem(p: Problem): string {
  const value = p.value === undefined ? '(missing)' : JSON.stringify(p.value);
  return `${p.field}: got ${value}; allowed: ${p.allowed}${p.fix ? `. Fix: ${p.fix}` : ''}`;
}

/** Thrown when props or a topology file are invalid. Carries every problem found, not just the first. */
export class IdhaValidationError extends Error {
  public readonly problems: readonly Problem[];
  /** What was being checked, e.g. the topology file's name. */
  public readonly context?: string;
  constructor(problems: readonly Problem[], context?: string) {
    const head = `${context ? context + ': ' : ''}${problems.length} invalid setting${problems.length === 1 ? '' : 's'}`;
    super([head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n'));
    this.name = 'IdhaValidationError';
    this.problems = problems;
    this.context = context;
  }

  /** A copy whose field paths are prefixed, e.g. with `services[2]`. */
  public prefixed(prefix: string, context?: string): IdhaValidationError {
    return new IdhaValidationError(
      this.problems.map((p) => ({ ...p, field: `${prefix}.${p.field}` })),
      context,
    );
  }
}

/** Collects problems so that a user sees all of them at once. */
export class Problems {
  constructor(
    private readonly prefix = '',
    private readonly list: Problem[] = [],
  ) {}

  public add(problem: Problem): void {
    this.list.push(this.prefix ? { ...problem, field: `${this.prefix}.${problem.field}` } : problem);
  }

  /** A view that records into the same list, with `prefix.` before every field. */
  public under(prefix: string): Problems {
    return new Problems(this.prefix ? `${this.prefix}.${prefix}` : prefix, this.list);
  }

  public get isEmpty(): boolean {
    return this.list.length === 0;
  }

  public get all(): readonly Problem[] {
    return this.list;
  }

  /** Throws an {@link IdhaValidationError} if any problem was recorded. */
  public throwIfAny(context?: string): void {
    if (this.list.length > 0) throw new IdhaValidationError(this.list, context);
  }
}
