import { describe, expect, it } from 'vitest';
import { displayNameSchema, parseDisplayName } from '../src/index';

/**
 * Characters that draw nothing, as the review listed them: zero-width space, zero-width joiner, word joiner, variation
 * selector 16, combining grapheme joiner, Hangul filler, soft hyphen, tag space; and the blank braille cell.
 */
const INVISIBLES = ['\u200B', '\u200D', '\u2060', '\uFE0F', '\u034F', '\u3164', '\u00AD', '\u{E0020}', '\u2800'];

const ROLE_MARKED = ['Sam (you)', 'Bob (seeder)', 'Bob (left)', '★ Seeder', 'Ann ·xuvICh'];

const codePoint = (character: string): string =>
  `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('a display name with characters that draw nothing', () => {
  it('passes for no role with one of them at either end (found by review)', () => {
    for (const invisible of INVISIBLES)
      for (const name of ROLE_MARKED)
        for (const posing of [`${name}${invisible}`, `${invisible}${name}`, `${invisible}${name}${invisible}`]) {
          const label = `${codePoint(invisible)} around ${name}`;
          expect(displayNameSchema.safeParse(posing).success, label).toBe(false);
          expect(parseDisplayName(posing), label).toMatchObject({ ok: false, message: expect.stringMatching(/★/) });
        }
  });

  it('passes for no role with them inside the mark either', () => {
    for (const posing of [
      'Sam (y\u200Bou)',
      'Sam (you\u2060)',
      '★\u200D Seeder',
      'Ann \u00AD·xuvICh',
      'Ann ·xuv\u034FICh',
    ])
      expect(displayNameSchema.safeParse(posing).success, JSON.stringify(posing)).toBe(false);
  });

  it('is still taken where no mark hides: emoji sequences with their joiners and selectors, as typed', () => {
    for (const name of [
      '👩‍💻 Ada',
      'Ada 👩‍💻',
      'Sam 👨‍👩‍👧',
      '❤️ Mia',
      'Mia ❤️',
      '🏳️‍🌈 Kai',
      'Ana ★',
      '\u200BAda',
      'Li·Na',
      'Bob (lefty)',
    ])
      expect(parseDisplayName(name), name).toEqual({ ok: true, name });
  });
});
