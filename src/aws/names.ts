// RoleSessionName and SourceIdentity, derived from the verified email only (SECURITY.md W9).
//
// AWS accepts `[A-Za-z0-9_+=,.@-]{2,64}` for both (AWS.md §1), and SourceIdentity must not start
// with `aws:`. The rule, applied to the NFC form of the input:
//   1. A value that already fits the charset and length is used unchanged (the common case:
//      `alice@corp.com`).
//   2. Otherwise every character outside the charset becomes `-`, the result is cut to 47
//      characters, and `-` plus the first 16 hex digits of SHA-256(NFC value) are appended
//      (at most 64 characters in all).
//   3. An empty value is refused: there is nobody to name.
// The hash suffix keeps the mapping one-to-one in practice: `jö@corp.com` and `jü@corp.com`, or two
// long addresses sharing their first 47 characters, get different names, and a rewritten name can
// never equal an address that needed no rewriting (which never ends in `-` + 16 hex digits within
// a company domain). Short values (one character) take the same path and so are padded.
// Pure: same input, same output, on every process.
import { createHash } from 'node:crypto';
import { HatrackError } from '../errors.ts';

const allowed = /^[A-Za-z0-9_+=,.@-]{2,64}$/;
const disallowedChar = /[^A-Za-z0-9_+=,.@-]/gu;
const PREFIX_LENGTH = 47;
const HASH_HEX = 16;

/** A RoleSessionName (also valid as a SourceIdentity) for `value`; see the rule above. */
export function sanitiseSessionName(value: string): string {
  const nfc = value.normalize('NFC');
  if (nfc.length === 0) {
    throw new HatrackError('empty_session_name', 500, 'Your account has no email address, which AWS needs to name the session.');
  }
  if (allowed.test(nfc)) return nfc;
  // `u` flag: a character outside the BMP becomes one `-`, not two.
  const replaced = nfc.replace(disallowedChar, '-');
  const prefix = [...replaced].slice(0, PREFIX_LENGTH).join('');
  const hash = createHash('sha256').update(nfc, 'utf8').digest('hex').slice(0, HASH_HEX);
  return `${prefix}-${hash}`;
}

/**
 * A SourceIdentity for `value`. The charset has no `:`, so a sanitised value can never start with
 * the reserved `aws:` prefix (`aws:admin` becomes `aws-admin-…`); the check below makes that
 * guarantee explicit rather than incidental.
 */
export function sanitiseSourceIdentity(value: string): string {
  const name = sanitiseSessionName(value);
  if (/^aws:/i.test(name)) {
    throw new HatrackError('invalid_source_identity', 500, 'Hatrack could not derive a valid AWS source identity for your account.');
  }
  return name;
}

/** True when `value` is acceptable to AWS as RoleSessionName / SourceIdentity as it stands. */
export function isValidSessionName(value: string): boolean {
  return allowed.test(value);
}
