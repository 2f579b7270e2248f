import { describe, expect, it } from 'vitest';
import {
  displayNameSchema,
  formatJoinCode,
  JOIN_CODE_ALPHABET,
  joinCodeSchema,
  MAX_DISPLAY_NAME_CHARS,
  parseDisplayName,
  parseJoinCode,
} from '../src/index';

describe('join codes', () => {
  it('use an alphabet without look-alikes', () => {
    expect(JOIN_CODE_ALPHABET).toHaveLength(31);
    expect(new Set(JOIN_CODE_ALPHABET).size).toBe(31);
    for (const lookAlike of '01OIL') expect(JOIN_CODE_ALPHABET).not.toContain(lookAlike);
  });

  it('read what people type: any case, separators, full-width and Cyrillic look-alikes', () => {
    expect(parseJoinCode('k7m-q3p')).toEqual({ ok: true, code: 'K7MQ3P' });
    expect(parseJoinCode('  K7M Q3P ')).toEqual({ ok: true, code: 'K7MQ3P' });
    expect(parseJoinCode('ｋ７ｍｑ３ｐ')).toEqual({ ok: true, code: 'K7MQ3P' });
    // Cyrillic К, М, Р.
    expect(parseJoinCode('\u041A7\u041CQ3\u0420')).toEqual({ ok: true, code: 'K7MQ3P' });
  });

  it('ignore the hyphens of word processors and chats and characters that draw nothing (found by review)', () => {
    // Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign.
    for (const hyphen of ['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212'])
      expect(parseJoinCode(`K7M${hyphen}Q3P`), hyphen).toEqual({ ok: true, code: 'K7MQ3P' });
    // Soft hyphen, zero-width space, word joiner, zero-width no-break space (byte order mark), a Hangul filler.
    for (const invisible of ['\u00AD', '\u200B', '\u2060', '\uFEFF', '\u3164'])
      expect(parseJoinCode(`${invisible}k7m${invisible}q3p${invisible}`), invisible).toEqual({
        ok: true,
        code: 'K7MQ3P',
      });
  });

  it('name a refused character that shows nothing by its code point (found by review)', () => {
    const messageOf = (typed: string): string => (parseJoinCode(typed) as { message: string }).message;
    expect(messageOf('K7M\u2800Q3P')).toMatch(/^U\+2800 is not in a join code/);
    expect(messageOf('\u0301K7MQ3P')).toMatch(/^U\+0301 is not in a join code/);
    expect(messageOf('K7M\u0007Q3P')).toMatch(/^U\+0007 is not in a join code/);
    expect(messageOf('K7M·Q3P')).toMatch(/^“·” is not in a join code/);
  });

  it('refuse what cannot be a code, each with its own sentence', () => {
    const messageOf = (typed: string): string => {
      const parsed = parseJoinCode(typed);
      if (parsed.ok) throw new Error(`${typed} was read as ${parsed.code}`);
      return parsed.message;
    };
    expect(messageOf('')).toMatch(/Type the 6-character code/);
    expect(messageOf('K7MQ30')).toMatch(/never contain 0, O, 1, I or L/);
    expect(messageOf('k7mql3')).toMatch(/never contain 0, O, 1, I or L/);
    // Cyrillic О and І, Greek Ο and Ι, as a student's keyboard types them: the same sentence as the Latin O and I.
    for (const lookAlike of ['\u041E', '\u0406', '\u039F', '\u0399'])
      expect(messageOf(`K7MQ3${lookAlike}`), lookAlike).toMatch(/never contain 0, O, 1, I or L/);
    expect(messageOf('K7MQ3P9')).toMatch(/6 characters; this has 7/);
    expect(messageOf('K7M')).toMatch(/this has 3/);
    expect(messageOf('K7M<b>')).toMatch(/“<” is not in a join code/);
  });

  it('have one canonical form on the wire, shown in two groups', () => {
    expect(joinCodeSchema.safeParse('K7MQ3P').success).toBe(true);
    for (const bad of ['k7mq3p', 'K7M-Q3P', 'K7MQ3O', 'K7MQ3', 'K7MQ3PP', 42]) {
      expect(joinCodeSchema.safeParse(bad).success, String(bad)).toBe(false);
    }
    expect(formatJoinCode('K7MQ3P')).toBe('K7M-Q3P');
  });
});

describe('display names', () => {
  it('are trimmed and kept as typed, HTML included (screens show them as text)', () => {
    expect(parseDisplayName('  Ada  ')).toEqual({ ok: true, name: 'Ada' });
    expect(parseDisplayName('<img src=x onerror=alert(1)>')).toEqual({
      ok: true,
      name: '<img src=x onerror=alert(1)>',
    });
    expect(parseDisplayName('👩‍🔬 Marie')).toMatchObject({ ok: true });
  });

  it(`hold at most ${MAX_DISPLAY_NAME_CHARS} characters, counted as code points`, () => {
    expect(parseDisplayName('x'.repeat(MAX_DISPLAY_NAME_CHARS))).toMatchObject({ ok: true });
    expect(parseDisplayName('🐝'.repeat(MAX_DISPLAY_NAME_CHARS))).toMatchObject({ ok: true });
    expect(parseDisplayName('x'.repeat(MAX_DISPLAY_NAME_CHARS + 1))).toEqual({
      ok: false,
      message: `A name has at most ${MAX_DISPLAY_NAME_CHARS} characters.`,
    });
  });

  it('refuse control characters, separators and bidirectional overrides', () => {
    for (const bad of ['Ada\u0000', 'A\nB', 'A\u0007B', 'A\u2028B', '\u202Eevil', 'A\u2066B', 'a\u061Cb']) {
      expect(parseDisplayName(bad), JSON.stringify(bad)).toEqual({
        ok: false,
        message: 'A name cannot hold control characters.',
      });
      expect(displayNameSchema.safeParse(bad).success).toBe(false);
    }
    expect(parseDisplayName('   ')).toMatchObject({ ok: false });
  });

  it('need a character a reader can see: not only zero-width spaces, Hangul fillers or a blank braille cell', () => {
    for (const blank of ['\u200B', '\u3164', '\u2800\u2800', '\u200B\u3164 \u2060']) {
      expect(parseDisplayName(blank), JSON.stringify(blank)).toEqual({
        ok: false,
        message: 'A name needs at least one visible character.',
      });
      expect(displayNameSchema.safeParse(blank).success).toBe(false);
    }
    for (const fine of ['\u200BAda', '✓', '42', '…', '😀'])
      expect(displayNameSchema.safeParse(fine).success).toBe(true);
  });

  it('pass for no role the screens mark: a star before the name, “(you)” or “(seeder)” after it', () => {
    const posing = [
      '★ Seeder',
      '⭐ Teacher',
      '✯ Seeder',
      '⋆Seeder',
      'Sam (you)',
      'Bob (Seeder)',
      // As a reader sees them: full-width brackets, spaces, Cyrillic look-alikes.
      'Sam（you）',
      'Sam ( you )',
      'Sam (y\u043Eu)',
      'Bob (s\u0435\u0435der)',
    ];
    for (const name of posing) {
      expect(parseDisplayName(name), name).toMatchObject({ ok: false, message: expect.stringMatching(/★/) });
      expect(displayNameSchema.safeParse(name).success, name).toBe(false);
    }
    // A star of the name's own, elsewhere in it, and words that only contain the markers' letters.
    for (const fine of ['Mia 🌟', 'Ana ★', '☺ Yuki', 'Sam (yours)', 'Youssef', 'Seeder fan', 'Bob (S)', '*Anna*'])
      expect(parseDisplayName(fine), fine).toMatchObject({ ok: true });
  });

  it('pass for no mark the screens add after a name: a namesake’s short id, “(left)” (found by review)', () => {
    const posing = [
      // The real Ann's short id: the two were no namesakes, the real Ann got no short id and the impostor wore hers.
      'Ann ·xuvICh',
      'Ann ᐧxuvICh',
      'Ann ˙xuvICh',
      'Ann  ·  uGXA-P',
      'Ann • xuv',
      'Ann ∙xuvICh',
      'Ann ･xuvICh',
      'Ann ·xuv\u0406Ch', // a Cyrillic І
      'Marcel ·la',
      // The chart's mark for a peer that has left.
      'Bob (left)',
      'Bob (LEFT)',
      'Bob ( left )',
      'Bob（left）',
      'Bob (l\u0435ft)',
    ];
    for (const name of posing) {
      expect(parseDisplayName(name), name).toMatchObject({ ok: false, message: expect.stringMatching(/★.*\(left\)/) });
      expect(displayNameSchema.safeParse(name).success, name).toBe(false);
    }
    // A dot or "left" of the name's own: a dot between two words (Catalan's l·l, a transliterated name's interpunct: the
    // first version of the rule refused them), an id too long to be a short one.
    const fine = ['Marcel·la', 'Paral·lel', 'A·B Smith', 'Li·Na', 'Anna·Maria', 'Mia・Lee', 'DJ•K', 'Ann ·xuvIChK'];
    for (const name of [...fine, 'Left Hand', 'Bob (lefty)', 'Bob left'])
      expect(parseDisplayName(name), name).toMatchObject({ ok: true });
  });

  it('stack at most four marks on a letter: more draw over the rows around it', () => {
    const zalgo = `Z${'\u0336'.repeat(31)}`;
    expect(parseDisplayName(zalgo)).toMatchObject({ ok: false, message: expect.stringMatching(/at most 4 accents/) });
    expect(displayNameSchema.safeParse(zalgo).success).toBe(false);
    // Vietnamese, decomposed (two marks on one letter), and four marks still pass.
    for (const fine of ['Tiến'.normalize('NFD'), `a${'\u0301'.repeat(4)}`])
      expect(parseDisplayName(fine), fine).toMatchObject({ ok: true });
  });
});
