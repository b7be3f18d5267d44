// The enveloped XML signature of a minted assertion (AWS.md §1: RSA-SHA256, exclusive c14n,
// enveloped), written directly: the assertion arrives already in its exclusive-canonical form, so
// its digest is one SHA-256 of the text as written, and the SignedInfo below is written in its
// canonical form too, so the signer signs exactly these bytes. Nothing is parsed or
// re-canonicalised; the tests check both forms against xml-crypto's canonicaliser and verify every
// result with xml-crypto and xmlsec1.
import { createHash } from 'node:crypto';
import type { Signer } from './signer.ts';
import { escapeXmlAttr as attr } from './xml.ts';

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const ALGORITHMS = {
  signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/**
 * An Assertion in exclusive-canonical form, cut where its Signature goes: `head` ends with the
 * Assertion's Issuer (the schema puts the Signature right after it), `tail` holds the rest.
 */
export interface CanonicalAssertion {
  id: string;
  head: string;
  tail: string;
}

/** The canonical SignedInfo element, opening tag after `<ds:SignedInfo`. */
function signedInfoBody(referenceId: string, digest: string): string {
  return `><ds:CanonicalizationMethod Algorithm="${ALGORITHMS.canonicalization}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${ALGORITHMS.signature}"></ds:SignatureMethod>` +
    `<ds:Reference URI="#${attr(referenceId)}">` +
      `<ds:Transforms>` +
        `<ds:Transform Algorithm="${ALGORITHMS.enveloped}"></ds:Transform>` +
        `<ds:Transform Algorithm="${ALGORITHMS.canonicalization}"></ds:Transform>` +
      `</ds:Transforms>` +
      `<ds:DigestMethod Algorithm="${ALGORITHMS.digest}"></ds:DigestMethod>` +
      `<ds:DigestValue>${digest}</ds:DigestValue>` +
    `</ds:Reference>` +
  `</ds:SignedInfo>`;
}

// The X509Certificate text of each signer's first certificate, read from its PEM once.
const certificateText = new WeakMap<Signer, string>();

function keyInfo(signer: Signer): string {
  let base64 = certificateText.get(signer);
  if (base64 === undefined) {
    base64 = (signer.certificates[0] ?? '').replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    certificateText.set(signer, base64);
  }
  return `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
}

/** The Assertion with its enveloped signature after the Issuer, as document text. */
export function signAssertion(assertion: CanonicalAssertion, signer: Signer): string {
  // The enveloped-signature transform removes the Signature again, so the digest covers head + tail.
  const digest = createHash('sha256').update(assertion.head).update(assertion.tail).digest('base64');
  const body = signedInfoBody(assertion.id, digest);
  // Exclusive c14n renders the ds namespace on SignedInfo, the apex of what is signed (§3 of
  // xml-exc-c14n: a namespace visibly used and not yet rendered by an output ancestor).
  const signatureValue = signer.signRsaSha256(`<ds:SignedInfo xmlns:ds="${DSIG_NS}"${body}`).toString('base64');
  return assertion.head +
    `<ds:Signature xmlns:ds="${DSIG_NS}"><ds:SignedInfo${body}<ds:SignatureValue>${signatureValue}</ds:SignatureValue>${keyInfo(signer)}</ds:Signature>` +
    assertion.tail;
}
