// The XML-DSig algorithms a SAML signature may use, and xml-crypto implementations of exactly
// those. xml-crypto accepts SHA-1 by default (SECURITY.md, library gaps) and has no SHA-384; the
// verifier in signature.ts replaces its algorithm tables with these, so nothing outside the
// configured allow-list can even be looked up (S22). The dev and test IdPs sign with the same code.

import { createHash, createSign, createVerify, type BinaryLike, type KeyLike } from 'node:crypto';
import { createOptionalCallbackFunction, type HashAlgorithm, type SignatureAlgorithm } from 'xml-crypto';

export const SIGNATURE_ALGORITHMS = {
  'rsa-sha256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'rsa-sha384': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'rsa-sha512': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
} as const;
export type SignatureAlgorithmName = keyof typeof SIGNATURE_ALGORITHMS;

export const DIGEST_ALGORITHMS = {
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;
export type DigestAlgorithmName = keyof typeof DIGEST_ALGORITHMS;

/** Canonicalization of SignedInfo and of the referenced element; the `#WithComments` forms are never allowed (S20). */
export const CANONICALIZATION_ALGORITHMS = [
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
] as const;
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

const nodeHash: Record<string, string> = {
  [SIGNATURE_ALGORITHMS['rsa-sha256']]: 'RSA-SHA256',
  [SIGNATURE_ALGORITHMS['rsa-sha384']]: 'RSA-SHA384',
  [SIGNATURE_ALGORITHMS['rsa-sha512']]: 'RSA-SHA512',
  [DIGEST_ALGORITHMS.sha256]: 'sha256',
  [DIGEST_ALGORITHMS.sha384]: 'sha384',
  [DIGEST_ALGORITHMS.sha512]: 'sha512',
};

function rsaAlgorithm(uri: string): new () => SignatureAlgorithm {
  const name = nodeHash[uri]!;
  return class implements SignatureAlgorithm {
    getSignature = createOptionalCallbackFunction((signedInfo: BinaryLike, privateKey: KeyLike): string =>
      createSign(name).update(signedInfo).sign(privateKey, 'base64'));
    verifySignature = createOptionalCallbackFunction((material: string, key: KeyLike, signatureValue: string): boolean =>
      createVerify(name).update(material).verify(key, signatureValue, 'base64'));
    getAlgorithmName = () => uri;
  };
}

function hashAlgorithm(uri: string): new () => HashAlgorithm {
  const name = nodeHash[uri]!;
  return class implements HashAlgorithm {
    getHash = (xml: string) => createHash(name).update(xml, 'utf8').digest('base64');
    getAlgorithmName = () => uri;
  };
}

/** xml-crypto algorithm tables holding only the named algorithms. */
export function signatureAlgorithmTable(names: readonly SignatureAlgorithmName[]): Record<string, new () => SignatureAlgorithm> {
  return Object.fromEntries(names.map((n) => [SIGNATURE_ALGORITHMS[n], rsaAlgorithm(SIGNATURE_ALGORITHMS[n])]));
}

export function digestAlgorithmTable(names: readonly DigestAlgorithmName[]): Record<string, new () => HashAlgorithm> {
  return Object.fromEntries(names.map((n) => [DIGEST_ALGORITHMS[n], hashAlgorithm(DIGEST_ALGORITHMS[n])]));
}
