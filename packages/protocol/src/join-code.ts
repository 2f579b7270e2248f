import { z } from 'zod';
import { latinCapitals } from './shown-text';

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
 * Reads a code as a person types it: case-insensitive, spaces and dashes ignored (a code is shown as
 * `K7M-Q3P`), full-width forms (NFKC) and Cyrillic or Greek look-alike capitals read as the Latin letters
 * they look like. A typed 0, O, 1, I or L gets its own message: they are never in a code.
 */
export function parseJoinCode(typed: string): ParsedJoinCode {
  // The Latin look-alikes (0/O, 1/I/L) need no map: the alphabet leaves them all out, so reading a code off a screen
  // never needs a guess; O and I of other scripts read as O and I get the message that codes never contain them.
  const code = latinCapitals(typed).replace(/[\s\-–—_.]/g, '');
  if (code === '')
    return { ok: false, message: `Type the ${JOIN_CODE_LENGTH}-character code shown on the teacher's screen.` };
  if (LEFT_OUT.test(code))
    return {
      ok: false,
      message: 'Join codes never contain 0, O, 1, I or L (they look alike): check the code on the screen.',
    };
  const foreign = [...code].find((symbol) => !JOIN_CODE_ALPHABET.includes(symbol));
  if (foreign !== undefined)
    return { ok: false, message: `“${foreign}” is not in a join code: codes use only letters and the digits 2–9.` };
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
