import { Token } from '../framework/cdktf';
import { Problems } from './errors';

/** Validates an integer in [min, max]; returns true when valid. */
export function checkInteger(problems: Problems, field: string, value: unknown, min: number, max: number, fix?: string): value is number {
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
  problems.add({
    field,
    value,
    allowed: `the ID or name of your existing ${what} (a non-empty string)`,
    fix: `set ${field}; identity-ha never creates networks, it attaches to yours`,
  });
  return false;
}

/**
 * Validates an AWS resource ID such as `vpc-0a1b2c3d4e5f60718` (8 or 17 hex digits after the
 * prefix). A Terraform reference (a cdktf token) is accepted as it is.
 */
export function checkAwsId(problems: Problems, field: string, value: unknown, prefix: string, what: string): value is string {
  if (typeof value === 'string' && (Token.isUnresolved(value) || new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(value))) return true;
  problems.add({
    field,
    value,
    allowed: `the ID of your existing ${what}: ${prefix}- and 8 or 17 hex digits (e.g. ${prefix}-0a1b2c3d4e5f60718)`,
    fix: `copy the ID from the AWS console or \`aws ec2 describe-*\`; identity-ha never creates networks`,
  });
  return false;
}

/** Validates a list of IDs: each one, and no ID twice. */
export function checkUniqueIds(problems: Problems, field: string, values: readonly unknown[], check: (f: string, v: unknown) => boolean): void {
  const seen = new Map<unknown, number>();
  values.forEach((v, i) => {
    if (!check(`${field}[${i}]`, v)) return;
    if (seen.has(v))
      problems.add({ field: `${field}[${i}]`, value: v, allowed: `an ID not already listed at ${field}[${seen.get(v)}]`, fix: 'list each one once' });
    else seen.set(v, i);
  });
}
