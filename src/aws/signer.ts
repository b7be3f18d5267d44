// The Signer seam: whatever turns a minted SAML response into one whose Assertion carries an XML
// signature AWS accepts (AWS.md §1), and which certificates the IdP metadata publishes. The
// implementation here uses xml-crypto with a key held in memory; an HSM- or KMS-backed signer would
// implement the same two members.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { HatrackError } from '../errors.ts';
import type { SigningKeys } from './keys.ts';

export interface Signer {
  /**
   * Signs the single `saml:Assertion` in `xml` and returns the whole document with a
   * `ds:Signature` placed right after the Assertion's `Issuer` (the schema's order).
   */
  sign(xml: string): string;
  /** PEM certificates to publish in metadata: the one that signs first, then the next one. */
  readonly certificates: readonly string[];
}

export const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const ALGORITHMS = {
  signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

// An NCName we produce ourselves; checked so it can be embedded in an XPath literal safely.
const idPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function signError(detail: string): HatrackError {
  return new HatrackError('saml_sign_failed', 500, 'Hatrack could not sign the sign-in assertion for AWS.', detail);
}

/** The Assertion's ID, after checking the document has exactly one Assertion that starts with an Issuer. */
function assertionId(xml: string): string {
  let doc;
  try {
    doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') throw new Error(msg); } }).parseFromString(xml, 'text/xml');
  } catch (e) {
    throw signError(`unparsable XML: ${(e as Error).message}`);
  }
  const assertions = doc.getElementsByTagNameNS(SAML_ASSERTION_NS, 'Assertion');
  if (assertions.length !== 1) throw signError(`expected one saml:Assertion, found ${assertions.length}`);
  const assertion = assertions.item(0)!;
  let first = assertion.firstChild;
  while (first && first.nodeType !== 1) first = first.nextSibling;
  if (!first || first.namespaceURI !== SAML_ASSERTION_NS || first.localName !== 'Issuer') {
    throw signError('the Assertion does not start with an Issuer');
  }
  const id = assertion.getAttribute('ID') ?? '';
  if (!idPattern.test(id)) throw signError('the Assertion has no usable ID');
  return id;
}

/** An xml-crypto signer for `keys.current`; publishes `keys.current` then `keys.next`. */
export function createXmlSigner(keys: SigningKeys): Signer {
  const { keyPem, certPem } = keys.current;
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new HatrackError('signing_key_too_small', 500, 'Hatrack\'s signing key must be an RSA key of at least 2048 bits.');
  }
  if (!new X509Certificate(certPem).checkPrivateKey(key)) {
    throw new HatrackError('signing_key_mismatch', 500, 'Hatrack\'s signing key and certificate do not belong together.');
  }
  const certificates = Object.freeze([certPem, ...(keys.next ? [keys.next.certPem] : [])]);
  // KeyInfo is the same for every signature: built once instead of re-reading the certificate
  // each time (xml-crypto's default parses it per call, a tenth of the cost of minting).
  const keyInfoContent = SignedXml.getKeyInfoContent({ publicCert: certPem, prefix: 'ds' });

  return {
    certificates,
    sign(xml: string): string {
      const id = assertionId(xml);
      const assertionXPath = `//*[local-name(.)='Assertion' and namespace-uri(.)='${SAML_ASSERTION_NS}' and @ID='${id}']`;
      const sig = new SignedXml({
        privateKey: key, // the parsed KeyObject: re-reading the PEM on every signature is a third of the cost
        publicCert: certPem, // KeyInfo/X509Data/X509Certificate
        getKeyInfoContent: () => keyInfoContent,
        signatureAlgorithm: ALGORITHMS.signature,
        canonicalizationAlgorithm: ALGORITHMS.canonicalization,
        idAttribute: 'ID',
      });
      sig.addReference({
        xpath: assertionXPath,
        transforms: [ALGORITHMS.enveloped, ALGORITHMS.canonicalization],
        digestAlgorithm: ALGORITHMS.digest,
      });
      try {
        sig.computeSignature(xml, {
          prefix: 'ds',
          location: { reference: `${assertionXPath}/*[local-name(.)='Issuer' and namespace-uri(.)='${SAML_ASSERTION_NS}']`, action: 'after' },
        });
      } catch (e) {
        throw signError(`xml-crypto: ${(e as Error).message}`);
      }
      return sig.getSignedXml();
    },
  };
}
