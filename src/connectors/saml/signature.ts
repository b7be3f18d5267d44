// XML-DSig verification of one enveloped signature (S1–S19, S22). Before any cryptography the
// signature's shape is held to what SAML uses: one SignedInfo (S11), one Reference whose URI is the
// ID of the element the signature sits in (S15, S16), at most two Transforms from a short list
// (S17), algorithms from the configured allow-list (S22), no comments or processing instructions
// anywhere in it (S11). Keys come only from the pinned certificates, never from KeyInfo (S12, S13).
// The caller gets back the element re-parsed from the bytes the signature covers, so nothing read
// afterwards can come from outside the signature (S1–S10).

import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import {
  CANONICALIZATION_ALGORITHMS, DIGEST_ALGORITHMS, ENVELOPED_SIGNATURE, EXC_C14N, SIGNATURE_ALGORITHMS,
  digestAlgorithmTable, signatureAlgorithmTable, type DigestAlgorithmName, type SignatureAlgorithmName,
} from './algorithms.ts';
import { Refused } from './refused.ts';
import { NS, XmlRefused, attr, children, hasCommentOrInstruction, hasNonText, is, parseSamlXml, wholeText } from './xml.ts';

export interface SignaturePolicy {
  /** Pinned PEM certificates; one of them must verify the signature. */
  certs: readonly string[];
  signatureAlgorithms: readonly SignatureAlgorithmName[];
  digestAlgorithms: readonly DigestAlgorithmName[];
}

export type SignatureProblem = 'saml_signature_invalid' | 'saml_signature_algorithm' | 'saml_signature_untrusted';

export class SignatureRefused extends Refused<SignatureProblem> {
  override readonly name = 'SignatureRefused';
}

const SHA1 = new Set(['http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2000/09/xmldsig#dsa-sha1']);

/** An NCName we are willing to look up; anything else (quotes, spaces, brackets) is refused (S15). */
const idPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;

/**
 * xs:base64Binary as XML-DSig writes it: the base64 alphabet in groups of four, at most two `=` at
 * the end, XML whitespace anywhere. The whitespace is removed first, so that the pattern needs no
 * repetition of it (a `\s` inside and after a repetition makes the check quadratic: SECURITY.md C1).
 */
function isBase64Binary(text: string): boolean {
  const compact = text.replace(/[ \t\r\n]+/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

const invalid = (message: string) => new SignatureRefused('saml_signature_invalid', message);

/** The ds:Signature that is a direct child of `target`, or undefined. More than one is refused. */
export function envelopedSignature(target: Element): Element | undefined {
  const found = children(target, NS.dsig, 'Signature');
  if (found.length > 1) throw invalid(`the ${target.localName} carries ${found.length} signatures`);
  return found[0];
}

function only(parent: Element, localName: string, what: string): Element {
  const found = children(parent, NS.dsig, localName);
  if (found.length !== 1) throw invalid(`${what} has ${found.length} ${localName} elements`);
  return found[0]!;
}

/** Checks the shape and algorithms of `signature`, enveloped in `target`, before any cryptography. */
export function checkSignatureShape(signature: Element, target: Element, policy: SignaturePolicy): void {
  const targetId = attr(target, 'ID');
  if (targetId === undefined || !idPattern.test(targetId)) throw invalid(`the signed ${target.localName} has no usable ID`);

  for (const child of children(signature)) {
    const ok = child.namespaceURI === NS.dsig && ['SignedInfo', 'SignatureValue', 'KeyInfo'].includes(child.localName ?? '');
    if (!ok) throw invalid(`the signature contains ${child.localName}; only SignedInfo, SignatureValue and KeyInfo are accepted`);
  }
  const signedInfo = only(signature, 'SignedInfo', 'the signature');
  const signatureValue = only(signature, 'SignatureValue', 'the signature');
  if (hasCommentOrInstruction(signedInfo)) throw invalid('SignedInfo contains a comment or processing instruction');
  if (hasNonText(signatureValue) || !isBase64Binary(wholeText(signatureValue))) throw invalid('SignatureValue is not plain base64');

  const c14n = attr(only(signedInfo, 'CanonicalizationMethod', 'SignedInfo'), 'Algorithm');
  if (!(CANONICALIZATION_ALGORITHMS as readonly (string | undefined)[]).includes(c14n)) {
    throw new SignatureRefused('saml_signature_algorithm', `canonicalization ${c14n ?? '(none)'} is not allowed`);
  }
  const signatureMethod = only(signedInfo, 'SignatureMethod', 'SignedInfo');
  const method = attr(signatureMethod, 'Algorithm');
  const allowedMethods = policy.signatureAlgorithms.map((n) => SIGNATURE_ALGORITHMS[n] as string);
  if (method === undefined || !allowedMethods.includes(method)) {
    throw new SignatureRefused('saml_signature_algorithm', `signature method ${method ?? '(none)'} is not allowed`, method !== undefined && SHA1.has(method) ? 'sha1' : undefined);
  }
  if (children(signatureMethod).length > 0) throw invalid('SignatureMethod has parameters (HMACOutputLength)');

  for (const child of children(signedInfo)) {
    const ok = child.namespaceURI === NS.dsig && ['CanonicalizationMethod', 'SignatureMethod', 'Reference'].includes(child.localName ?? '');
    if (!ok) throw invalid(`SignedInfo contains ${child.localName}`);
  }
  const references = children(signedInfo, NS.dsig, 'Reference');
  if (references.length !== 1) throw invalid(`SignedInfo has ${references.length} References; exactly one is accepted`);
  const reference = references[0]!;
  const uri = attr(reference, 'URI');
  if (uri === '') throw new SignatureRefused('saml_signature_invalid', 'the Reference is the whole document (URI "")', 'whole_document');
  if (uri !== `#${targetId}`) throw invalid(`the Reference does not point at the element that carries the signature (URI ${JSON.stringify(uri ?? null)})`);

  const transformsEls = children(reference, NS.dsig, 'Transforms');
  if (transformsEls.length > 1) throw invalid('the Reference has more than one Transforms element');
  const transforms = transformsEls[0] ? children(transformsEls[0]) : [];
  if (transforms.length > 2) throw invalid(`the Reference has ${transforms.length} Transforms; at most two are accepted`);
  const names = transforms.map((t) => (is(t, NS.dsig, 'Transform') ? attr(t, 'Algorithm') : undefined));
  if (names[0] !== ENVELOPED_SIGNATURE) throw invalid('the first Transform must be enveloped-signature');
  if (names.length === 2 && !(CANONICALIZATION_ALGORITHMS as readonly (string | undefined)[]).includes(names[1])) {
    throw new SignatureRefused('saml_signature_algorithm', `transform ${names[1] ?? '(none)'} is not allowed`);
  }
  transforms.forEach((t, i) => {
    for (const p of children(t)) {
      // exc-c14n's InclusiveNamespaces is the only parameter a transform may carry.
      if (!(names[i] === EXC_C14N && p.localName === 'InclusiveNamespaces' && p.namespaceURI === EXC_C14N)) throw invalid(`a Transform has a ${p.localName} parameter`);
    }
  });

  const digestMethod = attr(only(reference, 'DigestMethod', 'the Reference'), 'Algorithm');
  const allowedDigests = policy.digestAlgorithms.map((n) => DIGEST_ALGORITHMS[n] as string);
  if (digestMethod === undefined || !allowedDigests.includes(digestMethod)) {
    throw new SignatureRefused('saml_signature_algorithm', `digest method ${digestMethod ?? '(none)'} is not allowed`, digestMethod !== undefined && SHA1.has(digestMethod) ? 'sha1' : undefined);
  }
  const digestValue = only(reference, 'DigestValue', 'the Reference');
  if (hasNonText(digestValue) || !isBase64Binary(wholeText(digestValue))) throw invalid('DigestValue is not plain base64');
  for (const child of children(reference)) {
    const ok = child.namespaceURI === NS.dsig && ['Transforms', 'DigestMethod', 'DigestValue'].includes(child.localName ?? '');
    if (!ok) throw invalid(`the Reference contains ${child.localName}`);
  }
}

// The public key of each pinned certificate, read from its PEM once: given the PEM, every
// verification would parse the certificate again, which costs more than the RSA check itself.
// Only configured certificates are ever keys here (never KeyInfo), so the map stays small; the
// bound is for a configuration reloaded many times over.
const pinnedKeys = new Map<string, KeyObject>();
const MAX_PINNED_KEYS = 64;

function pinnedKey(certPem: string): KeyObject {
  let key = pinnedKeys.get(certPem);
  if (key === undefined) {
    if (pinnedKeys.size >= MAX_PINNED_KEYS) pinnedKeys.clear();
    key = createPublicKey(certPem);
    pinnedKeys.set(certPem, key);
  }
  return key;
}

function restrictedVerifier(certPem: string, policy: SignaturePolicy): SignedXml {
  // getCertFromKeyInfo: never take the key from the message (S12).
  const sig = new SignedXml({ publicCert: pinnedKey(certPem), getCertFromKeyInfo: () => null });
  sig.SignatureAlgorithms = signatureAlgorithmTable(policy.signatureAlgorithms);
  sig.HashAlgorithms = digestAlgorithmTable(policy.digestAlgorithms);
  const keep = [...CANONICALIZATION_ALGORITHMS, ENVELOPED_SIGNATURE] as string[];
  sig.CanonicalizationAlgorithms = Object.fromEntries(Object.entries(sig.CanonicalizationAlgorithms).filter(([k]) => keep.includes(k)));
  sig.implicitTransforms = [];
  return sig;
}

function check(verifier: SignedXml, signature: Element, xml: string): boolean {
  try {
    verifier.loadSignature(signature);
    return verifier.checkSignature(xml) === true;
  } catch {
    return false;
  }
}

export interface Verified {
  /** The signed element as re-parsed from the bytes the signature covers (its own Signature removed). */
  element: Element;
  /** Which pinned certificate verified it. */
  certIndex: number;
}

/**
 * Verifies `signature` (already through checkSignatureShape) over `target` in the document parsed
 * from `xml`, with each pinned certificate in turn.
 */
export function verifyEnveloped(xml: string, target: Element, signature: Element, policy: SignaturePolicy): Verified {
  const targetId = attr(target, 'ID')!;
  for (const [certIndex, cert] of policy.certs.entries()) {
    const verifier = restrictedVerifier(cert, policy);
    if (!check(verifier, signature, xml)) continue;
    const signed = verifier.getSignedReferences();
    if (signed.length !== 1) throw invalid(`the signature covers ${signed.length} references`);
    let element: Element | null;
    try {
      element = parseSamlXml(signed[0]!).documentElement;
    } catch (e) {
      throw invalid(`the signed bytes do not parse (${e instanceof XmlRefused ? e.message : 'error'})`);
    }
    if (!element || element.namespaceURI !== target.namespaceURI || element.localName !== target.localName || attr(element, 'ID') !== targetId) {
      throw invalid('the signed bytes are not the element that carries the signature');
    }
    return { element, certIndex };
  }
  // KeyInfo is never believed, but it says whose key the IdP (or an attacker, S12) meant: a
  // certificate that is not configured points the admin at a rotation (S13). It is not verified
  // with that certificate: a second full verification would double the work a forger can cause.
  const foreign = keyInfoCertificate(signature);
  if (foreign && !policy.certs.some((pem) => certificateFingerprint(pem) === foreign.fingerprint)) {
    throw new SignatureRefused('saml_signature_untrusted',
      `the ${target.localName} signature does not verify with any configured certificate; its KeyInfo names one that is not configured (sha256 fingerprint ${foreign.fingerprint})`);
  }
  throw invalid(`the ${target.localName} signature does not verify with any configured certificate`);
}

/** The certificate in KeyInfo, only to say in the log whose key signed a refused message. */
function keyInfoCertificate(signature: Element): { fingerprint: string } | undefined {
  const keyInfo = children(signature, NS.dsig, 'KeyInfo')[0];
  const data = keyInfo ? children(keyInfo, NS.dsig, 'X509Data')[0] : undefined;
  const certEl = data ? children(data, NS.dsig, 'X509Certificate')[0] : undefined;
  if (!certEl) return undefined;
  const b64 = wholeText(certEl).replace(/\s+/g, '');
  if (b64.length > 16_384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  try {
    const der = Buffer.from(b64, 'base64');
    const cert = new X509Certificate(der);
    return { fingerprint: createHash('sha256').update(cert.raw).digest('hex') };
  } catch {
    return undefined;
  }
}

/** The SignatureMethod and DigestMethod algorithm URIs of a signature (after checkSignatureShape). */
export function algorithmsOf(signature: Element): string[] {
  const out: string[] = [];
  for (const name of ['SignatureMethod', 'DigestMethod']) {
    const list = signature.getElementsByTagNameNS(NS.dsig, name);
    for (let i = 0; i < list.length; i++) out.push(attr(list.item(i)!, 'Algorithm') ?? '');
  }
  return out;
}

/** The SHA-256 fingerprint of a PEM certificate, for log lines. */
export function certificateFingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
