// SECURITY.md D1: user codes are eight letters of an unambiguous consonant alphabet, shown as
// XXXX-XXXX, and what a person types is compared after folding case and dropping dashes and
// spaces — nothing else is a user code.
import { describe, expect, it } from 'vitest';
import { formatUserCode, newUserCode, normaliseUserCode, USER_CODE_ALPHABET, USER_CODE_LENGTH } from '../../../src/device/user-code.ts';

const VOWELS = ['A', 'E', 'I', 'O', 'U', 'Y'];
/** Letters read as a digit on a terminal or a phone: O/Q for 0, I for 1 (also vowels, and Q is not). */
const DIGIT_LOOKALIKES = ['O', 'I', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const alphabet = [...USER_CODE_ALPHABET];
const inAlphabet = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

describe('D1 the alphabet', () => {
  it('D1 alphabet: twenty distinct upper-case consonants, no vowel (nor Y), no digit or digit look-alike', () => {
    expect(alphabet).toHaveLength(20);
    expect(new Set(alphabet).size).toBe(20);
    for (const ch of alphabet) expect(ch, `${ch} is an ASCII capital`).toMatch(/^[A-Z]$/);
    for (const v of VOWELS) expect(USER_CODE_ALPHABET).not.toContain(v);
    for (const d of DIGIT_LOOKALIKES) expect(USER_CODE_ALPHABET).not.toContain(d);
    // Twenty consonants of the Latin alphabet without Y: exactly RFC 8628 §6.1's base-20 set.
    expect([...alphabet].sort().join('')).toBe('BCDFGHJKLMNPQRSTVWXZ');
  });

  it('D1 length: a code is eight letters (>= 8, about 2^34.6 codes)', () => {
    expect(USER_CODE_LENGTH).toBe(8);
    expect(Math.log2(alphabet.length ** USER_CODE_LENGTH)).toBeGreaterThan(34);
  });
});

describe('D1 new codes', () => {
  it('D1 newUserCode: eight letters of the alphabet, shown as XXXX-XXXX', () => {
    for (let i = 0; i < 200; i++) {
      const code = newUserCode();
      expect(code).toMatch(inAlphabet);
      const shown = formatUserCode(code);
      expect(shown).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
      expect(shown.replace('-', '')).toBe(code);
      // What the CLI prints is what the page accepts.
      expect(normaliseUserCode(shown)).toBe(code);
    }
  });

  it('D1 formatUserCode puts the dash after the fourth letter', () => {
    expect(formatUserCode('BCDFGHJK')).toBe('BCDF-GHJK');
  });

  it('D1 distribution: over 25 000 codes every letter appears at every position, none outside the alphabet, and no letter is favoured', () => {
    const n = 25_000;
    const total = new Map<string, number>();
    const perPosition = Array.from({ length: USER_CODE_LENGTH }, () => new Set<string>());
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const code = newUserCode();
      expect(code.length).toBe(USER_CODE_LENGTH);
      seen.add(code);
      [...code].forEach((ch, pos) => {
        total.set(ch, (total.get(ch) ?? 0) + 1);
        perPosition[pos]!.add(ch);
      });
    }
    expect([...total.keys()].filter((ch) => !USER_CODE_ALPHABET.includes(ch))).toEqual([]);
    expect([...total.keys()].sort()).toEqual([...alphabet].sort());
    for (const letters of perPosition) expect(letters.size).toBe(20);
    // Chi-square over the 20 letters (19 degrees of freedom): a fair draw stays under 80 with
    // odds of failing below 1 in 10^8; a modulo-biased draw (a byte % 20) scores about 190 here.
    const expected = (n * USER_CODE_LENGTH) / 20;
    const chi2 = [...total.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(80);
    // 20^8 codes: among 25 000 draws a handful of repeats at most (about 0.01 expected).
    expect(seen.size).toBeGreaterThan(n - 5);
  });
});

describe('D1 normalising what a person types', () => {
  it.each([
    ['BCDF-GHJK', 'BCDFGHJK'],
    ['bcdf-ghjk', 'BCDFGHJK'],
    ['BcDf-gHjK', 'BCDFGHJK'],
    ['BCDFGHJK', 'BCDFGHJK'],
    ['bcdfghjk', 'BCDFGHJK'],
    ['BCDF GHJK', 'BCDFGHJK'],
    ['  bcdf ghjk  ', 'BCDFGHJK'],
    ['B-C-D-F-G-H-J-K', 'BCDFGHJK'],
    ['--BCDF--GHJK--', 'BCDFGHJK'],
    ['b c d f - g h j k', 'BCDFGHJK'],
    ['zxwv-tsrq', 'ZXWVTSRQ'],
  ])('D1 normalise %j → %s', (typed, code) => {
    expect(normaliseUserCode(typed)).toBe(code);
  });

  it.each([
    ['a vowel', 'BCDA-GHJK'],
    ['an O', 'BCDO-GHJK'],
    ['an I', 'BCDI-GHJK'],
    ['a Y', 'BCDY-GHJK'],
    ['a zero', 'BCD0-GHJK'],
    ['a one', 'BCD1-GHJK'],
    ['an underscore', 'BCDF_GHJK'],
    ['a dot', 'BCDF.GHJK'],
    ['a tab', 'BCDF\tGHJK'],
    ['a newline', 'BCDF\nGHJK'],
    ['a non-breaking space', 'BCDF\u00a0GHJK'],
    ['an en dash', 'BCDF\u2013GHJK'],
    ['a zero-width space', 'BCDF\u200bGHJK'],
    ['a full-width letter', 'BCDF-GHJ\uff2b'],
    ['a Cyrillic look-alike (С for C)', 'B\u0421DF-GHJK'],
    ['the Kelvin sign for K', 'BCDF-GHJ\u212a'],
    ['a combining accent', 'BCDF-GHJK\u0301'],
    ['a NUL', 'BCDF-GHJK\u0000'],
  ])('D1 refuses a code with %s', (_what, typed) => {
    expect(normaliseUserCode(typed)).toBeUndefined();
  });

  it.each([
    ['seven letters', 'BCDF-GHJ'],
    ['nine letters', 'BCDF-GHJKL'],
    ['sixteen letters (two codes)', 'BCDF-GHJK-BCDF-GHJK'],
    ['nothing', ''],
    ['only dashes and spaces', '- - - -'],
  ])('D1 refuses %s', (_what, typed) => {
    expect(normaliseUserCode(typed)).toBeUndefined();
  });

  it('D1 refuses overlong input before looking at it, even when it would fold to a code', () => {
    // 32 characters is the most a person's paste may have: the code with padding still works…
    const padded = `BCDF-GHJK${' '.repeat(23)}`;
    expect(padded).toHaveLength(32);
    expect(normaliseUserCode(padded)).toBe('BCDFGHJK');
    // …one more and it is not a user code.
    expect(normaliseUserCode(`${padded} `)).toBeUndefined();
    expect(normaliseUserCode('BCDF-GHJK'.padEnd(10_000, '-'))).toBeUndefined();
  });

  it.each([
    ['a number', 12345678],
    ['undefined', undefined],
    ['null', null],
    ['an array', ['BCDF-GHJK']],
    ['an object', { toString: () => 'BCDF-GHJK' }],
  ])('D1 refuses %s', (_what, typed) => {
    expect(normaliseUserCode(typed)).toBeUndefined();
  });

  // "Anything else is not a user code at all" (src/device/user-code.ts): upper-casing must fold
  // only a–z. String.prototype.toUpperCase maps some non-ASCII letters onto ASCII capitals —
  // ſ (long s) → S, ß → SS, the ligature ﬀ → FF — so these reach the alphabet check as letters.
  it.each([
    ['a long s (ſ → S)', 'BCDF-GHJ\u017f'],
    ['a sharp s (ß → SS)', 'BCDF-GH\u00df'],
    ['an ff ligature (ﬀ → FF)', 'BCDF-GH\ufb00'],
    ['an st ligature (ﬅ → ST)', 'BCDF-GH\ufb05'],
  ])('D1 refuses a non-ASCII letter that upper-cases into the alphabet: %s', (_what, typed) => {
    expect(normaliseUserCode(typed)).toBeUndefined();
  });
});
