// The Signer seam: the private-key operation behind the assertion's XML signature (AWS.md §1:
// RSA-SHA256), and the certificates the IdP metadata publishes. The XML around the signature is
// built in xml-signature.ts; a signer only turns bytes into an RSASSA-PKCS1-v1_5 SHA-256
// signature, which is exactly what an HSM or a KMS key offers too (KMS: RSASSA_PKCS1_V1_5_SHA_256).
import { X509Certificate, createPrivateKey, sign as rsaSign } from 'node:crypto';
import { HatrackError } from '../errors.ts';
import type { SigningKeys } from './keys.ts';

export interface Signer {
  /** The RSASSA-PKCS1-v1_5 signature with SHA-256 of `data` (its UTF-8 bytes when a string). */
  signRsaSha256(data: string | Buffer): Buffer;
  /** PEM certificates to publish in metadata: the one that signs first, then the next one. */
  readonly certificates: readonly string[];
}

/** A signer holding `keys.current` in memory; publishes `keys.current` then `keys.next`. */
export function createKeySigner(keys: SigningKeys): Signer {
  const { keyPem, certPem } = keys.current;
  // Parsed once: reading the PEM again on every signature would cost a third of minting.
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new HatrackError('signing_key_too_small', 500, 'Hatrack\'s signing key must be an RSA key of at least 2048 bits.');
  }
  if (!new X509Certificate(certPem).checkPrivateKey(key)) {
    throw new HatrackError('signing_key_mismatch', 500, 'Hatrack\'s signing key and certificate do not belong together.');
  }
  const certificates = Object.freeze([certPem, ...(keys.next ? [keys.next.certPem] : [])]);
  return {
    certificates,
    signRsaSha256: (data) => rsaSign('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, key),
  };
}
