// A SAML IdP inside the test suite that signs responses the way Google Workspace does (signed
// assertion; signed response; both) with its own throwaway keys, and turns a valid response into
// each hostile case of SECURITY.md S1–S33. Hostile cases are made in one of two places:
// - `signed`: a change the IdP itself signs (two Conditions, a wrong Method, an Advice assertion…),
//   to prove the connector's checks on verified content;
// - `tamper`: a change made after signing (wrapping, injection, swapped values), to prove that
//   nothing outside the signature is ever believed.

import { createPublicKey } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import * as xmlenc from 'xml-encryption';
import { SignedXml } from 'xml-crypto';
import { generateSigningKeyPair } from '../../../src/aws/keys.ts';
import {
  buildResponse, encodeResponse, signResponse, SAML_NS, type ResponseSpec, type SignOptions, type SigningKey, type SigningMode,
} from '../../../src/dev/saml-idp/response.ts';

export const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
export { SAML_NS };

/** The SP (Hatrack) and IdP (Google) the tests play. */
export const SP = {
  id: 'google',
  entityId: 'https://hatrack.example.com/saml/google',
  acsUrl: 'https://hatrack.example.com/saml/google/acs',
} as const;
export const IDP = {
  entityId: 'https://accounts.google.com/o/saml2?idpid=C0hatrack',
  ssoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C0hatrack',
} as const;

/** A fixed instant: the IdP signs "now" and the connector's clock stands here. */
export const NOW = new Date('2026-03-02T09:30:00.000Z');

export interface Keys {
  /** The IdP's key; its certificate is the one configured. */
  idp: SigningKey;
  /** The next key in a rotation (configured second in rotation tests). */
  next: SigningKey;
  /** An attacker's key: never configured. */
  attacker: SigningKey;
  /** Hatrack's SP decryption keys, current and next (what the IdP encrypts to). */
  sp: SigningKey;
  spNext: SigningKey;
}

let keys: Promise<Keys> | undefined;

/** Throwaway key pairs, made once per test file (RSA generation takes a moment). */
export function testKeys(): Promise<Keys> {
  const made = (commonName: string) => generateSigningKeyPair({ commonName, now: new Date('2025-01-01T00:00:00Z') });
  keys ??= Promise.all([made('test-google-idp'), made('test-google-idp-next'), made('attacker'), made('hatrack-sp'), made('hatrack-sp-next')])
    .then(([idp, next, attacker, sp, spNext]) => ({ idp, next, attacker, sp, spNext }));
  return keys;
}

export interface EncryptOptions {
  /** The certificate the IdP encrypts to; default Hatrack's current SP certificate. */
  certPem?: string;
  /** Content encryption URI; default AES-256-GCM. */
  dataAlgorithm?: string;
  /** Key transport URI; default RSA-OAEP (MGF1). */
  keyAlgorithm?: string;
  /** A change to the EncryptedAssertion's text, before the Response is signed. */
  tamper?: (encryptedAssertion: string) => string;
  /** Replaces the assertion's text before it is encrypted (e.g. to add an EncryptedID inside). */
  plaintext?: (assertion: string) => string;
}

/**
 * A response whose Assertion is encrypted as IdPs do it: the Assertion signed first (signing
 * `assertion` or `both`), then encrypted to the SP's certificate in its place, then the Response
 * signed over the ciphertext (signing `response` or `both`).
 */
export async function makeEncryptedResponse(k: Keys, o: MakeOptions & { encrypt?: EncryptOptions } = {}): Promise<MadeResponse> {
  const signing = o.signing ?? 'assertion';
  const inner = makeResponse(k, { ...o, signing: signing === 'both' || signing === 'assertion' ? 'assertion' : 'none' });
  const start = inner.xml.indexOf('<saml2:Assertion');
  const end = inner.xml.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length;
  const e = o.encrypt ?? {};
  const plaintext = (e.plaintext ?? ((a: string) => a))(inner.xml.slice(start, end));
  const encrypted = await new Promise<string>((resolve, reject) => {
    xmlenc.encrypt(plaintext, {
      rsa_pub: createPublicKey(e.certPem ?? k.sp.certPem).export({ type: 'spki', format: 'pem' }) as string,
      pem: e.certPem ?? k.sp.certPem,
      encryptionAlgorithm: (e.dataAlgorithm ?? 'http://www.w3.org/2009/xmlenc11#aes256-gcm') as xmlenc.EncryptionAlgorithm,
      keyEncryptionAlgorithm: (e.keyAlgorithm ?? 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p') as xmlenc.KeyEncryptionAlgorithm,
      disallowEncryptionWithInsecureAlgorithm: false,
      warnInsecureAlgorithm: false,
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
  const element = (e.tamper ?? ((x: string) => x))(`<saml2:EncryptedAssertion xmlns:saml2="${SAML_NS.assertion}">${encrypted}</saml2:EncryptedAssertion>`);
  let xml = inner.xml.slice(0, start) + element + inner.xml.slice(end);
  if (signing === 'response' || signing === 'both') xml = signResponse(xml, 'response', o.key ?? k.idp, o.signOptions);
  return { xml, samlResponse: encodeResponse(xml), assertionId: inner.assertionId };
}

export const PEOPLE = {
  alice: { nameId: 'alice@corp.example', attributes: { firstName: ['Alice'], lastName: ['Admin'], groups: ['aws-admins@corp.example', 'engineering@corp.example'] } },
  bob: { nameId: 'bob@corp.example', attributes: { firstName: ['Bob'], lastName: ['Builder'], groups: ['power-users@corp.example'] } },
} as const;

export interface MakeOptions {
  /** Changes to the Google-shaped response before it is built. */
  spec?: Partial<ResponseSpec>;
  /** How it is signed; default like Google: the assertion only. `none` leaves it unsigned. */
  signing?: SigningMode | 'none';
  /** Algorithms and transforms; default RSA-SHA256, SHA-256, exclusive c14n. */
  signOptions?: SignOptions;
  /** Which key signs; default the IdP's. */
  key?: SigningKey;
  /** A change the IdP signs (applied to the DOM before signing). */
  signed?: (doc: Document) => void;
  /** A change made after signing (applied to the DOM of the signed response). */
  tamper?: (doc: Document) => void;
  /** A change to the signed text itself, after `tamper`. */
  tamperText?: (xml: string) => string;
}

export interface MadeResponse {
  xml: string;
  /** The SAMLResponse form value. */
  samlResponse: string;
  assertionId: string;
}

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'application/xml');
}

export function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

/** A response from the test IdP, Google-shaped, for Alice unless told otherwise. */
export function makeResponse(k: Keys, o: MakeOptions = {}): MadeResponse {
  const assertionId = o.spec?.assertionId ?? `_a${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  let xml = buildResponse({
    issuer: IDP.entityId,
    acsUrl: SP.acsUrl,
    audience: SP.entityId,
    nameId: PEOPLE.alice.nameId,
    attributes: PEOPLE.alice.attributes,
    now: NOW,
    ...o.spec,
    assertionId,
  });
  if (o.signed) {
    const doc = parse(xml);
    o.signed(doc);
    xml = serialize(doc);
  }
  const signing = o.signing ?? 'assertion';
  if (signing !== 'none') xml = signResponse(xml, signing, o.key ?? k.idp, o.signOptions);
  if (o.tamper) {
    const doc = parse(xml);
    o.tamper(doc);
    xml = serialize(doc);
  }
  if (o.tamperText) xml = o.tamperText(xml);
  return { xml, samlResponse: encodeResponse(xml), assertionId };
}

// ---- DOM helpers for building hostile cases ---------------------------------------------------

export function response(doc: Document): Element {
  return doc.documentElement!;
}

/** The top-level Assertion (direct child of the Response). */
export function assertion(doc: Document): Element {
  return childNamed(response(doc), SAML_NS.assertion, 'Assertion')!;
}

export function childNamed(parent: Element, ns: string, localName: string): Element | undefined {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName) return n as Element;
  }
  return undefined;
}

export function first(doc: Document | Element, ns: string, localName: string): Element {
  const el = doc.getElementsByTagNameNS(ns, localName).item(0);
  if (!el) throw new Error(`no ${localName}`);
  return el;
}

export function all(doc: Document | Element, ns: string, localName: string): Element[] {
  const list = doc.getElementsByTagNameNS(ns, localName);
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}

export function signatureOf(el: Element): Element {
  const sig = childNamed(el, DSIG, 'Signature');
  if (!sig) throw new Error(`${el.localName} is not signed`);
  return sig;
}

/** A deep copy of the signed assertion with a new ID and another NameID: the attacker's forgery. */
export function evilCopy(doc: Document, nameId = 'mallory@corp.example', keepId = false): Element {
  const copy = assertion(doc).cloneNode(true) as Element;
  if (!keepId) copy.setAttribute('ID', '_evil');
  const sig = childNamed(copy, DSIG, 'Signature');
  if (sig && !keepId) copy.removeChild(sig);
  first(copy, SAML_NS.assertion, 'NameID').textContent = nameId;
  return copy;
}

export function setText(el: Element, text: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument!.createTextNode(text));
}

/** The base64 value of a form with only a SAMLResponse (and maybe RelayState). */
export function form(samlResponse: string, relayState?: string): URLSearchParams {
  const f = new URLSearchParams({ SAMLResponse: samlResponse });
  if (relayState !== undefined) f.set('RelayState', relayState);
  return f;
}

/**
 * An HMAC-SHA1 signature over the assertion whose secret is the IdP's public certificate: the
 * key-confusion attack that an "HMAC or RSA, whatever the message says" verifier falls for (S22).
 */
export function hmacSignAssertion(xml: string, secret: string): string {
  const target = `/*[local-name(.)='Response']/*[local-name(.)='Assertion' and namespace-uri(.)='${SAML_NS.assertion}']`;
  const sig = new SignedXml({
    privateKey: Buffer.from(secret),
    signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    idAttribute: 'ID',
  });
  sig.enableHMAC();
  sig.addReference({
    xpath: target,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}
