import { Problems } from './errors';

/** Validates an integer in [min, max]; returns true when valid. */
export function checkInteger(
  problems: Problems,
  field: string,
  value: unknown,
  min: number,
  max: number,
  fix?: string,
): value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
  problems.add({ field, value, allowed: `an integer from ${min} to ${max}`, fix });
  return false;
}

/** Validates a TCP port number (1-65535). */
export function checkPort(problems: Problems, field: string, value: unknown, fix?: string): value is number {
  return checkInteger(problems, field, value, 1, 65535, fix);
}

/** Validates that a value is one of a fixed set. */
export function checkOneOf<T>(problems: Problems, field: string, value: unknown, allowed: readonly T[], fix?: string): value is T {
  if (allowed.includes(value as T)) return true;
  problems.add({ field, value, allowed: `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, fix });
  return false;
}

/** Validates a non-empty string matching a pattern. */
export function checkName(problems: Problems, field: string, value: unknown, pattern: RegExp, describe: string, fix?: string): value is string {
  if (typeof value === 'string' && pattern.test(value)) return true;
  problems.add({ field, value, allowed: describe, fix });
  return false;
}

/** Validates that a required platform ID (resource group, subnet, VPC...) is present. */
export function checkRequiredId(problems: Problems, field: string, value: unknown, what: string): value is string {
  if (typeof value === 'string' && value.trim().length > 0) return true;
  problems.add({ field, value, allowed: `the ID or name of your existing ${what} (a non-empty string)`, fix: `set ${field}; identity-ha never creates networks, it attaches to yours` });
  return false;
}
