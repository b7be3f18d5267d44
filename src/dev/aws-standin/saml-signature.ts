// XML-DSig verification of one enveloped signature, held to what AWS.md §1 demands: RSA-SHA256,
// SHA-256 digests, exclusive c14n, the enveloped transform, one Reference that points at the
// signed element's own ID. Keys come only from the provider's metadata, never from KeyInfo.
// The caller gets back the element re-parsed from the bytes that were verified, so nothing it
// reads can come from outside the signature (the defence against signature wrapping).
import { SignedXml } from 'xml-crypto';
import type { Element } from '@xmldom/xmldom';
import { reject } from './errors.ts';
import { NS, attr, children, is, onlyChild, parseStrictXml } from './safe-xml.ts';

export const ALGORITHMS = {
  c14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** A SignedXml that knows no algorithm but the allowed ones (xml-crypto accepts SHA-1 by default). */
function restrictedVerifier(certificatePem: string): SignedXml {
  const sig = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  const keep = <T>(all: Record<string, T>, names: string[]): Record<string, T> =>
    Object.fromEntries(names.map((n) => [n, all[n]!]));
  sig.SignatureAlgorithms = keep(sig.SignatureAlgorithms, [ALGORITHMS.signature]);
  sig.HashAlgorithms = keep(sig.HashAlgorithms, [ALGORITHMS.digest]);
  sig.CanonicalizationAlgorithms = keep(sig.CanonicalizationAlgorithms, [ALGORITHMS.c14n, ALGORITHMS.enveloped]);
  sig.implicitTransforms = [];
  return sig;
}

function algorithmOf(parent: Element, localName: string): string | undefined {
  const el = onlyChild(parent, NS.dsig, localName);
  return el ? attr(el, 'Algorithm') : undefined;
}

/** Checks the SignedInfo of `signature` against the allow-list before any cryptography runs. */
function checkSignedInfo(signature: Element, targetId: string): void {
  const signedInfos = children(signature, NS.dsig, 'SignedInfo');
  if (signedInfos.length !== 1) throw reject.token('The signature must have exactly one SignedInfo.');
  const signedInfo = signedInfos[0]!;
  const c14n = algorithmOf(signedInfo, 'CanonicalizationMethod');
  if (c14n !== ALGORITHMS.c14n) throw reject.token(`Canonicalization method '${c14n}' is not allowed; use exclusive c14n.`);
  const method = algorithmOf(signedInfo, 'SignatureMethod');
  if (method !== ALGORITHMS.signature) throw reject.token(`Signature method '${method}' is not allowed; use RSA-SHA256.`);

  const references = children(signedInfo, NS.dsig, 'Reference');
  if (references.length !== 1) throw reject.token('The signature must have exactly one Reference.');
  const reference = references[0]!;
  if (attr(reference, 'URI') !== `#${targetId}`) {
    throw reject.token('The signature does not reference the element it is enveloped in.');
  }
  const transformsEl = onlyChild(reference, NS.dsig, 'Transforms');
  const transforms = transformsEl ? children(transformsEl, NS.dsig, 'Transform').map((t) => attr(t, 'Algorithm')) : [];
  if (transforms.length !== 2 || transforms[0] !== ALGORITHMS.enveloped || transforms[1] !== ALGORITHMS.c14n) {
    throw reject.token('The Reference transforms must be exactly enveloped-signature then exclusive c14n.');
  }
  const digest = algorithmOf(reference, 'DigestMethod');
  if (digest !== ALGORITHMS.digest) throw reject.token(`Digest method '${digest}' is not allowed; use SHA-256.`);
}

/**
 * Verifies the one ds:Signature that is a direct child of `target` (an element of the document
 * parsed from `xml`) with one of `certificates`, and returns `target` as re-parsed from the
 * canonical bytes the signature covers. Throws InvalidIdentityToken otherwise.
 */
export function verifyEnvelopedSignature(xml: string, target: Element, certificates: readonly string[]): Element {
  const targetId = attr(target, 'ID');
  if (!targetId) throw reject.token(`The signed ${target.localName} has no ID.`);
  const signatures = children(target, NS.dsig, 'Signature');
  if (signatures.length === 0) throw reject.token(`The ${target.localName} is not signed.`);
  if (signatures.length > 1) throw reject.token(`The ${target.localName} carries more than one signature.`);
  const signature = signatures[0]!;
  checkSignedInfo(signature, targetId);

  for (const cert of certificates) {
    const verifier = restrictedVerifier(cert);
    let valid = false;
    try {
      verifier.loadSignature(signature);
      valid = verifier.checkSignature(xml) === true;
    } catch {
      valid = false;
    }
    if (!valid) continue;
    const signed = verifier.getSignedReferences();
    if (signed.length !== 1) continue;
    const verified = parseStrictXml(signed[0]!).documentElement;
    if (!verified || !is(verified, target.namespaceURI ?? '', target.localName ?? '') || attr(verified, 'ID') !== targetId) {
      throw reject.token('The signed bytes are not the element that carries the signature.');
    }
    return verified;
  }
  throw reject.token('Response signature invalid');
}
