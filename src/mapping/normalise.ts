// Group names are data (SECURITY.md W7). Names in config are compared after Unicode NFC and
// trimming, so that the same name typed two ways matches; names from an IdP are only NFC-normalised
// (once, for every connector, by normaliseIdentity in src/identity.ts), never trimmed (trimming
// would strip invisible characters such as U+FEFF and let "\uFEFFadmins" match "admins"), and never
// interpreted in any other way.
import { isAscii, nfc } from '../unicode.ts';

/**
 * Names longer than this are ignored by mapping: no rule may name one (config refuses it), so
 * nothing is lost, and a hostile 1 MB name is passed over after one length check.
 */
export const MAX_GROUP_LENGTH = 1024;

/**
 * Group patterns only ever see names up to this length (after NFC). Every accepted pattern matches
 * in time linear in the name (pattern-safety.ts); this bounds that time, so ten thousand hostile
 * names stay within the mapping budget (bench/mapping.ts). IdPs cap group names at about this
 * length (Okta 255, Entra ID 256); longer names can still match `group` rules exactly.
 */
export const MAX_PATTERN_INPUT = 256;

/**
 * How many characters of group names, in all, the pattern engine may read while mapping one person
 * (each name counted once per rule that must try it, plus one). Linear time per name still adds up
 * over ten thousand long names built to get far into a pattern; over this budget no pattern is
 * tried and mapping fails closed (map-roles.ts, pattern-index.ts). A
 * real person's groups come nowhere near it: 10 000 groups of 40 characters, every one passing a
 * pattern's fixed prefix, are 400 000.
 */
export const MAX_PATTERN_WORK = 1_000_000;

/** A name written in config: NFC, trimmed. (Names from an IdP arrive in NFC: identity.ts.) */
export function normaliseGroup(name: string): string {
  return name.normalize('NFC').trim();
}

/**
 * How a rule's `email` and a person's address are compared: NFC (identities arrive in it), ASCII
 * letters ignoring case (providers treat addresses so; only ASCII, for the reason below).
 */
export function emailKey(address: string): string {
  return foldAsciiCase(nfc(address));
}

/**
 * Case folding for connectors whose groups are case-insensitive: ASCII letters only. Full Unicode
 * folding would turn look-alikes into ASCII (U+017F LONG S folds to "s", so "admin\u017F" would
 * match "admins") (W7). (U+212A KELVIN SIGN needs no care here: it is canonically "K", so NFC has
 * already made it one, as it makes any two canonically equivalent spellings one.)
 */
export function foldAsciiCase(name: string): string {
  // For ASCII text the native lower-casing is the same thing, and much faster.
  return isAscii(name) ? name.toLowerCase() : name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Names that a case-insensitive regular expression (`iu` flags) would fold onto ASCII letters:
 * they are kept away from case-insensitive patterns for the same reason as above.
 */
export function hasNonAsciiCaseFold(name: string): boolean {
  return /[\u017f\u212a]/.test(name);
}

/**
 * A name as it may be shown in a trace or on a terminal: invisible and control characters made
 * visible as \u{…} (so "admins\u200b" never reads as "admins"), cut to a readable length, quoted.
 */
export function shownName(name: string, max = 80): string {
  const cut = name.length > max ? `${name.slice(0, max)}…(${name.length} characters)` : name;
  const visible = cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u3164\uffa0"\\]/gu,
    (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`));
  return `"${visible}"`;
}
