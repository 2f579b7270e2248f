import { z } from 'zod';
import { asDrawn, BIDI_CONTROLS, hasVisibleCharacter, latinCapitals } from './shown-text';

/**
 * The characters of a peer id every screen shows beside its name (its short id): what tells namesakes apart, so the
 * server takes no self-chosen id whose short id is another member's.
 */
export const SHORT_PEER_ID_CHARS = 6;

/** Longest display name, in characters (code points) after trimming: fits a peer's card on a projector. */
export const MAX_DISPLAY_NAME_CHARS = 32;

/**
 * Characters a name may not hold: control characters (`\p{Cc}`), line and paragraph separators, and the
 * bidirectional controls that would turn the rest of a screen's text around. Zero-width joiners stay
 * allowed: emoji sequences need them.
 */
const FORBIDDEN_IN_NAME = new RegExp(`[\\p{Cc}\\p{Zl}\\p{Zp}]|${BIDI_CONTROLS.source}`, 'u');

/**
 * What the screens write beside a name to say whose it is: the seeder's star before it on the projector's cards
 * (`★ `), "(you)" or "(seeder)" after it in tables and charts. A name that starts or ends so passes for another's
 * role: a leecher named "★ Seeder" on the class's screen, "Sam (you)" in every classmate's table (found by review).
 * Read as a reader sees it: full-width forms (NFKC), spaces, case and Cyrillic or Greek look-alike letters folded
 * ("Sam（you）", "Sam ( YОU )"). A star elsewhere ("Mia 🌟") is a name's own.
 */
const STAR_LIKE_START = /^[★☆⭐🌟✦✧✩✪✫✬✭✮✯✰⋆]/u;
/** "(left)": the chart's mark for a peer that has left; "Bob (left)" read as a Bob who had gone (found by review). */
const ROLE_SUFFIX = /\((?:YOU|SEEDER|LEFT)\)$/;

/**
 * The short id the screens write after a namesake's name (" ·xuvICh", `SHORT_PEER_ID_CHARS` of the peer id's
 * characters): a student named "Ann ·xuvICh" after the real Ann's short id was no namesake of hers, so the real Ann
 * got no short id and the impostor wore hers (found by review). A space, then a middle dot or one that looks like it
 * (U+02D9 is a space and a combining dot once folded), in capitals (`latinCapitals`). The space is what the screens
 * write: a dot between two words ("Li·Na", "Anna·Maria", Catalan's "Marcel·la") is a name's own, and was refused by
 * the first version of this rule (found by review of it).
 */
const SHORT_ID_SUFFIX = new RegExp(`\\s(?:[·•∙⋅・‧⸱ꞏ᛫ᐧ]|\\u0307)\\s*[A-Z0-9_-]{1,${SHORT_PEER_ID_CHARS}}$`, 'u');

/**
 * `name` as a reader takes it (`latinCapitals`) and sees it (`asDrawn`): a character that draws nothing at either end
 * ("Sam (you)" and a zero-width space, a Hangul filler and "★ Seeder") hid the mark from these rules (found by
 * review). Folded first: NFKC turns some characters into ones that draw nothing (U+3164 into U+1160).
 */
function asRead(name: string): string {
  return asDrawn(latinCapitals(name)).trim();
}

function posesAsRole(name: string): boolean {
  const read = asRead(name);
  const folded = read.replace(/\s+/gu, '');
  return STAR_LIKE_START.test(folded) || ROLE_SUFFIX.test(folded) || SHORT_ID_SUFFIX.test(read);
}

/**
 * Marks stacked on one character: past a few (Vietnamese stacks two), they draw over the rows above and below
 * ("Z̶̶̶…", thirty-one of them, covered three rows of a table).
 */
const MAX_MARKS_PER_CHARACTER = 4;
const STACKED_MARKS = new RegExp(`\\p{M}{${MAX_MARKS_PER_CHARACTER + 1},}`, 'u');

/** What a name of `MAX_DISPLAY_NAME_CHARS` code points takes at most in UTF-16 code units (two each). */
const MAX_DISPLAY_NAME_UNITS = 2 * MAX_DISPLAY_NAME_CHARS;

const TOO_LONG = `at most ${MAX_DISPLAY_NAME_CHARS} characters`;

/**
 * A peer's display name, chosen by its user and shown on every screen (always as text, never as HTML):
 * trimmed, 1 to `MAX_DISPLAY_NAME_CHARS` characters, at least one of them visible (a name of zero-width
 * spaces or Hangul fillers left a blank card on the projector), no control characters.
 *
 * A name longer than any allowed one, in code units, is refused before the rules below read it (`abort`): zod runs
 * every refinement even after one failed, and the role rule folds the whole name twice (NFKC makes 18 characters of
 * U+FDFA), so an 80 KiB `peer:name` from any socket blocked the server for a quarter of a second (found by review).
 */
export const displayNameSchema = z
  .string()
  .trim()
  .max(MAX_DISPLAY_NAME_UNITS, { error: TOO_LONG, abort: true })
  .refine((name) => hasVisibleCharacter(name), 'a name needs at least one visible character')
  .refine((name) => [...name].length <= MAX_DISPLAY_NAME_CHARS, TOO_LONG)
  .refine((name) => !FORBIDDEN_IN_NAME.test(name), 'no control characters')
  .refine(
    (name) => !posesAsRole(name),
    'no role marks (a star before it, "(you)", "(seeder)", "(left)" or a short id " ·xuvICh" after it)',
  )
  .refine((name) => !STACKED_MARKS.test(name), `at most ${MAX_MARKS_PER_CHARACTER} marks on one character`);
export type DisplayName = z.infer<typeof displayNameSchema>;

/** A name as a person types it, trimmed, or a sentence saying why it cannot be one. */
export type ParsedDisplayName =
  { readonly ok: true; readonly name: DisplayName } | { readonly ok: false; readonly message: string };

export function parseDisplayName(typed: string): ParsedDisplayName {
  const parsed = displayNameSchema.safeParse(typed);
  if (parsed.success) return { ok: true, name: parsed.data };
  const trimmed = typed.trim();
  if (trimmed === '') return { ok: false, message: 'Type a name, or leave the field empty to stay unnamed.' };
  if (!hasVisibleCharacter(trimmed)) return { ok: false, message: 'A name needs at least one visible character.' };
  if (FORBIDDEN_IN_NAME.test(trimmed)) return { ok: false, message: 'A name cannot hold control characters.' };
  if (posesAsRole(trimmed))
    return {
      ok: false,
      message:
        'A name cannot start with a star (★) or end in “(you)”, “(seeder)”, “(left)” or a short id (“ ·xuvICh”): the screens add them to say whose a name is.',
    };
  if (STACKED_MARKS.test(trimmed))
    return { ok: false, message: `A name has at most ${MAX_MARKS_PER_CHARACTER} accents on one letter.` };
  return { ok: false, message: `A name has at most ${MAX_DISPLAY_NAME_CHARS} characters.` };
}
