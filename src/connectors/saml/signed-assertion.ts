// From a located Response to the one Assertion a valid signature covers (S1–S19, S22, S31). The
// profile's rule (SAML profiles §4.1.3.5): every assertion is covered by a signature, its own or the
// enclosing Response's; a connector may demand one of them, or both (requireSignatureOn). What comes
// back is re-parsed from the bytes a signature covers, never the element that was located.
//
// An encrypted assertion (SAML core §2.3.4) is checked in this order, cheapest refusal first: the
// Response's signature, which covers the ciphertext; the EncryptedAssertion's shape and algorithms
// (encryption.ts), before any private key is used; decryption; the decrypted document's shape;
// the replay cache (its ID was hidden until now); then the Assertion's own signature, if any.
import { XMLSerializer, type Element } from '@xmldom/xmldom';
import type { HatrackError } from '../../errors.ts';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS } from './algorithms.ts';
import { EncryptionRefused, checkEncryptedAssertion, decryptAssertion, isCbc, type DecryptionKey } from './encryption.ts';
import { samlError, type PolicyRefusal, type SamlErrorCode } from './errors.ts';
import { signaturesRequired, type ResolvedSamlOptions } from './options.ts';
import { SignatureRefused, algorithmsOf, checkSignatureShape, envelopedSignature, verifyEnveloped, type SignaturePolicy, type Verified } from './signature.ts';
import { StructureRefused, locateDecrypted, type Located } from './structure.ts';
import { DEFAULT_XML_LIMITS, NS, XmlRefused, children, parseSamlMessage } from './xml.ts';

/** The algorithms node-saml's verifier does not know (acs.ts skips its second opinion for them). */
const SHA384: readonly string[] = [SIGNATURE_ALGORITHMS['rsa-sha384'], DIGEST_ALGORITHMS.sha384];

export interface SignedAssertion {
  /** The Assertion, from verified (or, when encrypted, signature-covered and decrypted) bytes. */
  assertion: Element;
  /** The Response: verified bytes when `responseSigned`, else as located. */
  response: Element;
  responseSigned: boolean;
  /** A signature uses SHA-384, which node-saml cannot verify. */
  usesSha384: boolean;
  /** The key that decrypted the assertion, when it was encrypted. */
  decryptionKey?: DecryptionKey;
}

export interface SignedAssertionInput {
  o: ResolvedSamlOptions;
  /** The whole document, and the same cut down to the Response's signed parts (signed-parts.ts). */
  xml: string;
  withoutUnsignedParts: () => string;
  located: Located;
  decryptionKeys: readonly DecryptionKey[];
  /** Refuses a used assertion; called with an encrypted assertion's ID once decryption shows it. */
  checkReplay: (assertion: Element) => Promise<void>;
  /** Told which pinned certificate verified a signature (a later one means a rotation is under way). */
  verifiedBy?: (certIndex: number) => void;
}

export async function signedAssertion(input: SignedAssertionInput): Promise<SignedAssertion> {
  const { o, located } = input;
  const fail = (code: SamlErrorCode, detail: string, policy?: PolicyRefusal): HatrackError => samlError(code, o.id, detail, policy);
  const policy: SignaturePolicy = { certs: o.idpCerts, signatureAlgorithms: o.signatureAlgorithms, digestAlgorithms: o.digestAlgorithms };
  const required = signaturesRequired(o.requireSignatureOn);
  const verify = (xml: string, target: Element, signature: Element): Verified => {
    checkSignatureShape(signature, target, policy);
    const verified = verifyEnveloped(xml, target, signature, policy);
    input.verifiedBy?.(verified.certIndex);
    return verified;
  };
  try {
    if (located.encryptedAssertion !== undefined && o.assertionEncryption === 'off') {
      throw fail('saml_encrypted_assertion', 'the Response carries an EncryptedAssertion and this connector decrypts none (assertionEncryption: off)');
    }
    const responseSignature = envelopedSignature(located.response);
    if (required.response && responseSignature === undefined) throw fail('saml_signature_missing', `the Response is not signed (requireSignatureOn: ${o.requireSignatureOn})`);

    let target: { assertion: Element; xml: string; decryptionKey?: DecryptionKey };
    let verifiedResponse: Verified | undefined;
    if (located.encryptedAssertion !== undefined) {
      // The Response's signature covers the ciphertext: checked first, so that only what the IdP
      // encrypted is ever decrypted.
      verifiedResponse = responseSignature ? verify(input.xml, located.response, responseSignature) : undefined;
      const encrypted = verifiedResponse ? children(verifiedResponse.element, NS.assertion, 'EncryptedAssertion') : [located.encryptedAssertion];
      if (encrypted.length !== 1) throw fail('saml_wrapping_detected', `the signed Response holds ${encrypted.length} encrypted assertions`);
      target = await decrypted(encrypted[0]!, verifiedResponse !== undefined);
      await input.checkReplay(target.assertion);
    } else {
      if (o.assertionEncryption === 'required') {
        throw fail('saml_assertion_not_encrypted', 'the Assertion is not encrypted (assertionEncryption: required)', 'encryption_required');
      }
      // Which signatures there are is known before any is verified: a missing one is refused first (C2).
      checkPresence(responseSignature, envelopedSignature(located.assertion!));
      verifiedResponse = responseSignature ? verify(input.xml, located.response, responseSignature) : undefined;
      // The Assertion's own signature covers the Assertion alone, so it is checked in the Response
      // cut down to its signed parts: unsigned padding beside it costs nothing (C2).
      target = { assertion: located.assertion!, xml: input.withoutUnsignedParts() };
    }

    const assertionSignature = envelopedSignature(target.assertion);
    checkPresence(responseSignature, assertionSignature);
    const verifiedAssertion = assertionSignature ? verify(target.xml, target.assertion, assertionSignature) : undefined;

    let assertion: Element;
    if (verifiedAssertion) {
      assertion = verifiedAssertion.element;
    } else if (located.encryptedAssertion !== undefined) {
      // Decrypted from ciphertext the Response's verified signature covers.
      assertion = target.assertion;
    } else {
      const inner = children(verifiedResponse!.element, NS.assertion, 'Assertion');
      if (inner.length !== 1) throw fail('saml_wrapping_detected', `the signed Response holds ${inner.length} assertions`);
      assertion = inner[0]!;
    }
    return {
      assertion,
      response: verifiedResponse?.element ?? located.response,
      responseSigned: verifiedResponse !== undefined,
      usesSha384: [responseSignature, assertionSignature].some((sig) => sig !== undefined && algorithmsOf(sig).some((a) => SHA384.includes(a))),
      ...(target.decryptionKey && { decryptionKey: target.decryptionKey }),
    };
  } catch (e) {
    if (e instanceof SignatureRefused || e instanceof EncryptionRefused || e instanceof StructureRefused) throw fail(e.code, e.message, e.policy);
    if (e instanceof XmlRefused) throw fail(e.code === 'too_large' ? 'saml_response_too_large' : 'saml_response_malformed', `the decrypted assertion: ${e.message}`);
    throw e;
  }

  /** Refuses unless the signatures the requirement asks for, and at least one, are there. */
  function checkPresence(responseSignature: Element | undefined, assertionSignature: Element | undefined): void {
    if (responseSignature === undefined && assertionSignature === undefined) throw fail('saml_signature_missing', 'neither the Response nor the Assertion is signed');
    if (required.assertion && assertionSignature === undefined) throw fail('saml_signature_missing', `the Assertion is not signed (requireSignatureOn: ${o.requireSignatureOn})`);
  }

  /** The decrypted Assertion and the document it stands in; `covered`: the Response's signature covers the ciphertext. */
  async function decrypted(encrypted: Element, covered: boolean): Promise<{ assertion: Element; xml: string; decryptionKey: DecryptionKey }> {
    const algorithm = checkEncryptedAssertion(encrypted, o.dataEncryptionAlgorithms);
    // CBC has no integrity of its own: altered ciphertext must be refused by a signature before it
    // reaches the decryptor, or its errors become a padding oracle (docs/decisions/0002).
    if (isCbc(algorithm) && !covered) {
      throw fail('saml_encryption_algorithm', `${algorithm} content encryption is accepted only inside a signed Response, and this one is not signed`);
    }
    const { xml, keyIndex } = await decryptAssertion(new XMLSerializer().serializeToString(encrypted), input.decryptionKeys);
    const { doc } = parseSamlMessage(xml, { ...DEFAULT_XML_LIMITS, maxElements: o.maxResponseElements });
    return { assertion: locateDecrypted(doc), xml, decryptionKey: input.decryptionKeys[keyIndex]! };
  }
}
