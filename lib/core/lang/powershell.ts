/**
 * PowerShell, the output language of wsfc.ps1 and the host kit's install lines. A user value is a
 * single-quoted string: PowerShell expands nothing in it, and the only character to double is the
 * quote itself (and its typographic look-alikes, which PowerShell also reads as single quotes).
 */

/** A verbatim PowerShell string literal. */
export function psString(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** A command argument: bare when PowerShell reads it as plain text (no leading -), else a verbatim string. */
export function psArg(s: string): string {
  return /^[A-Za-z0-9_.:/][A-Za-z0-9_.:/-]*$/.test(s) ? s : psString(s);
}
