/**
 * Terraform string values (the JSON that cdktf writes). Terraform reads `${` and `%{` in any string
 * as a template, so a literal one is written doubled (`$${`, `%%{`). A topology file is plain data:
 * in its free-text fields (tags) such a sequence is escaped, in every other field (names, IDs,
 * addresses) it is refused, and a cdktf token marker is refused everywhere: tokens come only through
 * the construct API.
 */

/** A cdktf token marker as cdktf writes it into a string (`${TfToken[TOKEN.12]}`, list tokens `#{TfToken[...]}`). */
export const TOKEN_MARKER = /[$#]\{TfToken\[/;

/** Terraform template syntax. */
export const TEMPLATE_SEQUENCE = /[$%]\{/;

/** A literal string for Terraform: `${` and `%{` doubled. */
export function terraformLiteral(s: string): string {
  // A function replacer: in a replacement string, $$ would mean one $.
  return s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * cdktf encodes number tokens as doubles in a reserved range (about -1.8881545897087626e+289):
 * a number there in a file would resolve to an unrelated value of the app.
 */
export function isNumberTokenLike(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n) > 1e288;
}
