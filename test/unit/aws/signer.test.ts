// The Signer seam's contract (signer.ts), run on the in-memory key signer: what it publishes, that
// its signatures are RSASSA-PKCS1-v1_5 SHA-256 over the UTF-8 bytes it is given and verify with
// the first certificate it publishes, and which keys it refuses to hold.
import { X509Certificate, generateKeyPairSync, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeySigner, type Signer } from '../../../src/aws/signer.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { otherSigningPair, signingPair } from './support.ts';

let pair: { keyPem: string; certPem: string };
let other: { keyPem: string; certPem: string };
beforeAll(async () => {
  pair = await signingPair();
  other = await otherSigningPair();
});

function codeOf(fn: () => unknown): string {
  try { fn(); return 'none'; } catch (e) { return isHatrackError(e) ? e.code : `other: ${(e as Error).message}`; }
}

function verifiesWithFirstCertificate(signer: Signer, data: Buffer, signature: Buffer): boolean {
  return verify('sha256', data, new X509Certificate(signer.certificates[0]!).publicKey, signature);
}

describe('Signer contract: createKeySigner', () => {
  it('publishes the current certificate first, then the next one', () => {
    expect(createKeySigner({ current: pair }).certificates).toEqual([pair.certPem]);
    expect(createKeySigner({ current: pair, next: { certPem: other.certPem } }).certificates).toEqual([pair.certPem, other.certPem]);
  });

  it('signs the UTF-8 bytes of a string, or a buffer as given, so that the first certificate verifies it', () => {
    const signer = createKeySigner({ current: pair, next: { certPem: other.certPem } });
    const text = '<ds:SignedInfo>é \u{1d51e} ]]></ds:SignedInfo>';
    const fromString = signer.signRsaSha256(text);
    expect(verifiesWithFirstCertificate(signer, Buffer.from(text, 'utf8'), fromString)).toBe(true);
    // PKCS#1 v1.5 is deterministic: the same bytes give the same signature however they arrive.
    expect(signer.signRsaSha256(Buffer.from(text, 'utf8')).equals(fromString)).toBe(true);
    expect(fromString).toHaveLength(256);
    expect(verifiesWithFirstCertificate(signer, Buffer.from(`${text} `, 'utf8'), fromString)).toBe(false);
    expect(verify('sha256', Buffer.from(text, 'utf8'), new X509Certificate(other.certPem).publicKey, fromString)).toBe(false);
  });

  it('refuses a key and certificate that do not belong together', () => {
    expect(codeOf(() => createKeySigner({ current: { keyPem: pair.keyPem, certPem: other.certPem } }))).toBe('signing_key_mismatch');
  });

  it('refuses an RSA key shorter than 2048 bits, and a key that is not RSA', () => {
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(codeOf(() => createKeySigner({ current: { keyPem: short, certPem: pair.certPem } }))).toBe('signing_key_too_small');
    expect(codeOf(() => createKeySigner({ current: { keyPem: ec, certPem: pair.certPem } }))).toBe('signing_key_too_small');
  });
});
