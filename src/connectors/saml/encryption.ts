// Encrypted assertions (SAML core §2.3.4, XML Encryption): an `EncryptedAssertion` holding the
// assertion encrypted under a content key, and that key encrypted to Hatrack's SP certificate.
// Before any private key is used the shape is held to what SAML IdPs send — one EncryptedData, one
// EncryptedKey, nothing else — and the algorithms to short lists (S31): key transport RSA-OAEP
// only (RSA PKCS#1 v1.5 never: Bleichenbacher's oracle), content encryption AES-GCM by default,
// AES-CBC only where the connector opted in (docs/decisions/0002). Decryption itself is
// xml-encryption's, tried with the current and the next key in turn, and every way it can fail gives
// one and the same refusal, so that no failure tells an attacker more than another.
import type { Element } from '@xmldom/xmldom';
import xmlenc from 'xml-encryption';
import { Refused } from './refused.ts';
import { NS, attr, children, hasCommentOrInstruction, is } from './xml.ts';

export const ENCRYPTION_MODES = ['off', 'optional', 'required'] as const;
export type EncryptionMode = (typeof ENCRYPTION_MODES)[number];

export const DATA_ENCRYPTION_ALGORITHMS = {
  'aes256-gcm': 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'aes128-gcm': 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'aes256-cbc': 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'aes128-cbc': 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
} as const;
export type DataEncryptionName = keyof typeof DATA_ENCRYPTION_ALGORITHMS;
export const DATA_ENCRYPTION_NAMES = Object.keys(DATA_ENCRYPTION_ALGORITHMS) as [DataEncryptionName, ...DataEncryptionName[]];
export const DEFAULT_DATA_ENCRYPTION: readonly DataEncryptionName[] = ['aes256-gcm', 'aes128-gcm'];

/** CBC has no integrity of its own; docs/decisions/0002 says when it may be accepted. */
export function isCbc(name: DataEncryptionName): boolean {
  return name.endsWith('-cbc');
}

/** RSA-OAEP with MGF1-SHA1, the key transport xml-encryption implements; its digest may be SHA-1, -256 or -512. */
export const KEY_TRANSPORT = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const OAEP_DIGESTS = new Set(['http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2000/09/xmldsig#sha256', 'http://www.w3.org/2000/09/xmldsig#sha512']);

export type EncryptionProblem = 'saml_encryption_algorithm' | 'saml_encrypted_assertion' | 'saml_decryption_failed';

export class EncryptionRefused extends Refused<EncryptionProblem> {
  override readonly name = 'EncryptionRefused';
}

/** The subject CN of the SP decryption certificates Hatrack generates. */
export const DECRYPTION_CERT_NAME = 'hatrack-sp-decryption';

export interface DecryptionKey {
  keyPem: string;
  certPem: string;
}

const shape = (message: string) => new EncryptionRefused('saml_encrypted_assertion', message);

function only(parent: Element, ns: string, localName: string, what: string): Element {
  const found = children(parent, ns, localName);
  if (found.length !== 1) throw shape(`${what} has ${found.length} ${localName} elements`);
  return found[0]!;
}

/** The content algorithm's name when `el` (an EncryptedAssertion) has the one shape and algorithms accepted. */
export function checkEncryptedAssertion(el: Element, allowed: readonly DataEncryptionName[]): DataEncryptionName {
  if (hasCommentOrInstruction(el)) throw shape('the EncryptedAssertion contains a comment or processing instruction');
  for (const child of children(el)) {
    const known = child.namespaceURI === NS.xenc && (child.localName === 'EncryptedData' || child.localName === 'EncryptedKey');
    if (!known) throw shape(`the EncryptedAssertion contains ${child.localName}`);
  }
  const data = only(el, NS.xenc, 'EncryptedData', 'the EncryptedAssertion');
  const method = attr(only(data, NS.xenc, 'EncryptionMethod', 'the EncryptedData'), 'Algorithm');
  const name = DATA_ENCRYPTION_NAMES.find((n) => DATA_ENCRYPTION_ALGORITHMS[n] === method);
  if (name === undefined || !allowed.includes(name)) {
    throw new EncryptionRefused('saml_encryption_algorithm', `content encryption ${method ?? '(none)'} is not allowed (allowed: ${allowed.join(', ')})`);
  }
  const cipher = only(data, NS.xenc, 'CipherData', 'the EncryptedData');
  only(cipher, NS.xenc, 'CipherValue', 'the CipherData');

  // The content key: in the EncryptedData's KeyInfo, or beside it (then pointed at by RetrievalMethod).
  const keyInfo = children(data, NS.dsig, 'KeyInfo');
  if (keyInfo.length > 1) throw shape('the EncryptedData has more than one KeyInfo');
  const keys = [...(keyInfo[0] ? children(keyInfo[0], NS.xenc, 'EncryptedKey') : []), ...children(el, NS.xenc, 'EncryptedKey')];
  if (keys.length !== 1) throw shape(`the EncryptedAssertion carries ${keys.length} EncryptedKey elements; exactly one is accepted`);
  const key = keys[0]!;
  const keyMethod = only(key, NS.xenc, 'EncryptionMethod', 'the EncryptedKey');
  const transport = attr(keyMethod, 'Algorithm');
  if (transport !== KEY_TRANSPORT) throw new EncryptionRefused('saml_encryption_algorithm', `key transport ${transport ?? '(none)'} is not allowed (RSA-OAEP only)`);
  for (const p of children(keyMethod)) {
    if (!is(p, NS.dsig, 'DigestMethod') || !OAEP_DIGESTS.has(attr(p, 'Algorithm') ?? '')) throw new EncryptionRefused('saml_encryption_algorithm', `the key transport has a ${p.localName} parameter that is not accepted`);
  }
  only(only(key, NS.xenc, 'CipherData', 'the EncryptedKey'), NS.xenc, 'CipherValue', 'the EncryptedKey CipherData');
  return name;
}

function decryptWith(xml: string, keyPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    try {
      xmlenc.decrypt(xml, { key: keyPem, disallowDecryptionWithInsecureAlgorithm: true, warnInsecureAlgorithm: false }, (e, result) => (e ? reject(e) : resolve(result)));
    } catch (e) {
      reject(e);
    }
  });
}

/** The assertion's XML, decrypted from `encryptedXml` (an EncryptedAssertion that passed the check) with the first key that works. */
export async function decryptAssertion(encryptedXml: string, keys: readonly DecryptionKey[]): Promise<{ xml: string; keyIndex: number }> {
  for (const [keyIndex, key] of keys.entries()) {
    try {
      return { xml: await decryptWith(encryptedXml, key.keyPem), keyIndex };
    } catch {
      // The next key, or the one refusal below: why it failed is nobody's business (no oracle).
    }
  }
  throw new EncryptionRefused('saml_decryption_failed', 'the assertion could not be decrypted with any configured key (encrypted to another certificate, or altered)');
}
