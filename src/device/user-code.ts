// User codes (RFC 8628 §6.1, SECURITY.md D1): eight letters from twenty consonants, so that no
// vowel spells a word and nothing looks like a digit, shown as XXXX-XXXX. 20^8 ≈ 2^34.6 codes.
// What a person types is compared after removing dashes and spaces and upper-casing; anything
// else is not a user code at all.
import { randomInt } from 'node:crypto';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

export function newUserCode(): string {
  let code = '';
  // randomInt draws without modulo bias.
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** XXXX-XXXX, as the CLI prints it and the confirmation page shows it. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The code a person typed, in canonical form, or undefined when it cannot be a user code. The
 * input is bounded before it is looked at, so a long paste costs nothing.
 */
export function normaliseUserCode(typed: unknown): string | undefined {
  if (typeof typed !== 'string' || typed.length > 32) return undefined;
  let code = '';
  for (const typedChar of typed) {
    if (typedChar === '-' || typedChar === ' ') continue;
    // ASCII letters only: String#toUpperCase would turn ſ into S and ß into SS.
    const ch = typedChar >= 'a' && typedChar <= 'z' ? String.fromCharCode(typedChar.charCodeAt(0) - 32) : typedChar;
    if (!USER_CODE_ALPHABET.includes(ch)) return undefined;
    code += ch;
  }
  return code.length === USER_CODE_LENGTH ? code : undefined;
}
