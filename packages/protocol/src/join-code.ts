import { z } from 'zod';
import { hasVisibleCharacter, latinCapitals } from './shown-text';

/**
 * A swarm's short join code: what a student types instead of the share link. Six symbols from an
 * alphabet without look-alikes (no 0/O, no 1/I/L), drawn from a CSPRNG by the server, unique among live
 * swarms and gone when the swarm ends. Unguessable only together with the server's per-address limit on
 * failed lookups (docs/TRUST.md has the arithmetic): on its own a code is a convenience, not a secret.
 */

/** 31 symbols: the digits 2–9 and the letters without I, L and O. */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const JOIN_CODE_LENGTH = 6;

/** A join code in its canonical form: upper case, no separators. */
export const joinCodeSchema = z
  .string()
  .regex(new RegExp(`^[${JOIN_CODE_ALPHABET}]{${JOIN_CODE_LENGTH}}$`), 'not a join code');
export type JoinCode = z.infer<typeof joinCodeSchema>;

/** Characters the alphabet leaves out because they look like others; typed, they get their own message. */
const LEFT_OUT = /[01OIL]/;

/** What a person typed, as a canonical code, or a sentence saying what is wrong with it. */
export type ParsedJoinCode =
  { readonly ok: true; readonly code: JoinCode } | { readonly ok: false; readonly message: string };

/**
 * What a person may put between a code's symbols, ignored: spaces, dashes and hyphens of every kind (a word processor,
 * a chat or a slide turns `K7M-Q3P`'s into U+2010 to U+2015 or a minus sign, U+2212; NFKC makes U+2011 a U+2010),
 * underscores and dots; and the characters that draw nothing (`Default_Ignorable_Code_Point`: a soft hyphen or a
 * zero-width space pasted with the code), which refused a code that looked right (found by review).
 */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212_.]|\p{Default_Ignorable_Code_Point}/gu;

/**
 * A symbol as a message names it: in quotes, or by its code point where it shows nothing (a blank braille cell, a
 * control character, an accent alone), which in quotes read `“” is not in a join code` (found by review).
 */
function symbolName(symbol: string): string {
  if (hasVisibleCharacter(symbol) && !/^\p{M}$/u.test(symbol)) return `“${symbol}”`;
  return `U+${symbol.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Reads a code as a person types it: case-insensitive, separators ignored (`SEPARATORS`: a code is shown as
 * `K7M-Q3P`), full-width forms (NFKC) and Cyrillic or Greek look-alike capitals read as the Latin letters
 * they look like. A typed 0, O, 1, I or L gets its own message: they are never in a code.
 */
export function parseJoinCode(typed: string): ParsedJoinCode {
  // The Latin look-alikes (0/O, 1/I/L) need no map: the alphabet leaves them all out, so reading a code off a screen
  // never needs a guess; O and I of other scripts read as O and I get the message that codes never contain them.
  const code = latinCapitals(typed).replace(SEPARATORS, '');
  if (code === '')
    return { ok: false, message: `Type the ${JOIN_CODE_LENGTH}-character code shown on the teacher's screen.` };
  if (LEFT_OUT.test(code))
    return {
      ok: false,
      message: 'Join codes never contain 0, O, 1, I or L (they look alike): check the code on the screen.',
    };
  const foreign = [...code].find((symbol) => !JOIN_CODE_ALPHABET.includes(symbol));
  if (foreign !== undefined)
    return {
      ok: false,
      message: `${symbolName(foreign)} is not in a join code: codes use only letters and the digits 2–9.`,
    };
  if (code.length !== JOIN_CODE_LENGTH)
    return {
      ok: false,
      message: `A join code has ${JOIN_CODE_LENGTH} characters; this has ${code.length}.`,
    };
  return { ok: true, code };
}

/** The code as shown to people: two groups of three, easier to read out and to copy (`K7M-Q3P`). */
export function formatJoinCode(code: JoinCode): string {
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}
