/**
 * What text from others (a peer's name, a file's name) may hold, shown on every screen of a swarm: never the
 * bidirectional controls, which turn the rest of a line around ("report\u202Efdp.exe" shows as "reportexe.pdf"),
 * and at least one character a reader can see.
 */

/** The bidirectional controls: marks (U+061C, U+200E, U+200F), embeddings and overrides, isolates. */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * Letters that draw nothing (the Hangul fillers) and the blank braille pattern: letters and symbols by their
 * category, blank on a screen.
 */
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{S}\p{P}]/u;

/** Whether `text` holds a character a reader can see (not only spaces, zero-width characters or fillers). */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text.replace(BLANK_LETTERS, ''));
}

/**
 * The characters Unicode says to draw as nothing when a font has no glyph for them (`Default_Ignorable_Code_Point`):
 * zero-width spaces and joiners, word joiners, variation selectors, the combining grapheme joiner, soft hyphens, tag
 * characters, the Hangul fillers among others.
 */
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * `text` as it looks: the blank letters (`BLANK_LETTERS`, which may be drawn as wide as a letter) read as a space, the
 * other characters that draw nothing left out. Rules about what a text shows read it so: "Sam (you)" with a zero-width
 * space after it still showed as "Sam (you)", past the rule that a name may not end so (found by review). For those
 * rules only: the text itself is kept as written (emoji sequences need their joiners).
 */
export function asDrawn(text: string): string {
  return text.replace(BLANK_LETTERS, ' ').replace(DEFAULT_IGNORABLE, '');
}

/**
 * Letters of other scripts that look exactly like a Latin capital (Cyrillic and Greek capitals, which a phone or
 * laptop set to those languages types), read as that letter.
 */
const LATIN_LOOK_ALIKES: Readonly<Record<string, string>> = Object.fromEntries(
  [...'АВЕКМНРСТХУОІӀЅЈ']
    .map((cyrillic, index) => [cyrillic, 'ABEKMHPCTXYOIISJ'[index]!] as const)
    .concat([...'ΑΒΕΖΗΚΜΝΡΤΥΧΟΙ'].map((greek, index) => [greek, 'ABEZHKMNPTYXOI'[index]!] as const)),
);

/**
 * `text` as a reader takes it, in capitals: full-width forms folded (NFKC), upper case, and Cyrillic or Greek
 * look-alikes as the Latin letters they look like. What a join code is read as, and a name compared with the marks
 * the screens add to it (`К7М` is `K7M`, `(yоu)` with a Cyrillic о is `(YOU)`).
 */
export function latinCapitals(text: string): string {
  return [...text.normalize('NFKC').toUpperCase()].map((letter) => LATIN_LOOK_ALIKES[letter] ?? letter).join('');
}
