/**
 * The last line of defence of every output language: a value that reaches a renderer has passed
 * its field's grammar already, so a value the language cannot carry here is a bug of identity-ha,
 * never the user's: it stops the synth with an internal error instead of writing a config that a
 * consumer would read differently.
 */
export function refuse(language: string, what: string, value: string, why: string): never {
  throw new Error(`internal error: ${JSON.stringify(value)} cannot be written as ${what} in ${language} (${why}); please report this`);
}

/** Control characters, DEL, and the Unicode line and bidi controls no config line should carry. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** A comment's text on one line: no line break or control character can end the comment early. */
export function commentText(language: string, s: string): string {
  if (CONTROL.test(s)) refuse(language, 'a comment', s, 'it holds a line break or control character');
  return s;
}
