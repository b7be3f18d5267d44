// Random identifiers shaped like AWS's own, so that code which checks their form is exercised.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Temporary access key id: `ASIA` + 16 upper-case alphanumerics. */
export const newAccessKeyId = () => 'ASIA' + pick(UPPER_ALNUM, 16);
/** Role id: `AROA` + 17 upper-case alphanumerics. */
export const newRoleId = () => 'AROA' + pick(UPPER_ALNUM, 17);
/** 40 characters of base64's alphabet, like a real secret access key. */
export const newSecretAccessKey = () => pick(SECRET_CHARS, 40);
/** Opaque and long, with `+`, `/` and `=` in it so that callers must encode it properly. */
export const newSessionToken = () => 'IQoJb3JpZ2luX2VjE' + randomBytes(240).toString('base64');
export const newSigninToken = () => randomBytes(96).toString('base64url');
export const newConsoleSessionId = () => randomBytes(24).toString('base64url');
export const newRequestId = () => randomUUID();
