/**
 * F5 AS3 declarations (JSON) and tmsh. JSON.stringify carries any string, but BIG-IP object names
 * have their own grammar (AS3's f5name: a letter first, then letters, digits, `_ . -`; at most 189
 * characters) and tmsh splits a command on spaces and reads `{ } " ; #`. Names and addresses go
 * through here; free text reaches AS3 only as a JSON string (`remark`), checked by the AS3 schema test.
 */
import { refuse } from './internal';

/** A BIG-IP object name as AS3's schema allows it. */
export function as3Name(s: string): string {
  if (!/^[A-Za-z]([0-9A-Za-z_.-]{0,188}[0-9A-Za-z_.])?$/.test(s))
    refuse('AS3', 'an object name', s, 'a name is a letter, then letters, digits, _ . - (at most 190 characters, not ending in -)');
  return s;
}

/** One word of a tmsh command. */
export function tmshWord(s: string): string {
  if (!/^[A-Za-z0-9_.:/%-]+$/.test(s)) refuse('tmsh', 'a word', s, 'it holds a space, a brace, a quote, ; or #');
  return s;
}
