// The shape of a SAML Response, checked on the parsed but not yet verified document, before any
// signature is looked at. It finds the one Assertion and the signatures to verify, and refuses the
// shapes that signature-wrapping attacks need (S1–S10, S14): a second Assertion anywhere (beside,
// before, after, inside the signed one, in Extensions, in ds:Object, in the Signature), a repeated ID,
// a signature where none belongs; and encrypted content other than one EncryptedAssertion in the
// Assertion's place (S31). A decrypted assertion is held to the same shape (locateDecrypted).
// Nothing read here feeds the identity: that comes only from the verified bytes (signature.ts).

import type { Document, Element } from '@xmldom/xmldom';
import { Refused } from './refused.ts';
import { NS, allElements, attr, branchOf, children, is } from './xml.ts';

export type StructureProblem =
  | 'saml_response_malformed'
  | 'saml_encrypted_assertion'
  | 'saml_duplicate_id'
  | 'saml_wrapping_detected'
  | 'saml_signature_invalid';

export class StructureRefused extends Refused<StructureProblem> {
  override readonly name = 'StructureRefused';
}

export interface Located {
  /** The Response as parsed (unverified). */
  response: Element;
  /** The one Assertion, a direct child of the Response (unverified); undefined when there is none. */
  assertion: Element | undefined;
  /** Or the one EncryptedAssertion in its place (signed-assertion.ts decrypts it, where allowed). */
  encryptedAssertion: Element | undefined;
}

const encryptedNames = new Set(['EncryptedAssertion', 'EncryptedID', 'EncryptedAttribute', 'EncryptedData', 'EncryptedKey']);
const isEncrypted = (el: Element) => encryptedNames.has(el.localName ?? '') && (el.namespaceURI === NS.assertion || el.namespaceURI === NS.xenc);

export function locate(doc: Document): Located {
  const response = doc.documentElement!;
  const rootName = response.localName;
  if (!is(response, NS.protocol, 'Response')) {
    throw new StructureRefused('saml_response_malformed', `the message is a ${rootName}, not a SAML 2.0 Response`);
  }
  if (attr(response, 'Version') !== '2.0') throw new StructureRefused('saml_response_malformed', 'the Response is not SAML version 2.0');

  const elements = allElements(doc);
  // S31: the only encrypted content Hatrack decrypts is an EncryptedAssertion in the Assertion's place.
  const encryptedAssertions = children(response, NS.assertion, 'EncryptedAssertion');
  const elsewhere = elements.find((el) => isEncrypted(el) && !is(branchOf(el, response), NS.assertion, 'EncryptedAssertion'));
  if (elsewhere) throw new StructureRefused('saml_encrypted_assertion', `the Response carries ${elsewhere.localName} outside an EncryptedAssertion; only encrypted assertions are supported`);
  uniqueIds(elements);

  const direct = children(response, NS.assertion, 'Assertion');
  if (direct.length + encryptedAssertions.length > 1) {
    throw new StructureRefused('saml_wrapping_detected', `the Response holds ${direct.length} assertions and ${encryptedAssertions.length} encrypted ones`);
  }
  const assertion = direct[0];
  checkPlacement(elements, assertion, response);
  return { response, assertion, encryptedAssertion: encryptedAssertions[0] };
}

/** The Assertion of a decrypted EncryptedAssertion, held to the same shape as a plain one. */
export function locateDecrypted(doc: Document): Element {
  const assertion = doc.documentElement!;
  const rootName = assertion.localName;
  if (!is(assertion, NS.assertion, 'Assertion')) throw new StructureRefused('saml_encrypted_assertion', `the EncryptedAssertion holds a ${rootName}, not an Assertion`);
  const elements = allElements(doc);
  const encrypted = elements.find(isEncrypted);
  // EncryptedID and EncryptedAttribute inside an assertion: not supported (S31).
  if (encrypted) throw new StructureRefused('saml_encrypted_assertion', `the decrypted Assertion carries ${encrypted.localName}; only whole assertions may be encrypted`);
  uniqueIds(elements);
  checkPlacement(elements, assertion, undefined);
  return assertion;
}

/** S14: xml-crypto finds a Reference's target by any attribute whose local name is ID, Id or id. */
function uniqueIds(elements: Element[]): void {
  const seen = new Set<string>();
  for (const el of elements) {
    const attrs = el.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      if (a.localName !== 'ID' && a.localName !== 'Id' && a.localName !== 'id') continue;
      if (seen.has(a.value)) throw new StructureRefused('saml_duplicate_id', 'two elements share one ID');
      seen.add(a.value);
    }
  }
}

/**
 * No Assertion but `assertion` (and those in its Advice, never read: S19), whatever its namespace
 * (other parsers match on the local name); Signatures only enveloped in the Response or the
 * Assertion, or inside Advice, which the assertion's own signature covers.
 */
function checkPlacement(elements: Element[], assertion: Element | undefined, response: Element | undefined): void {
  const inAdvice = (el: Element) => assertion !== undefined && is(branchOf(el, assertion), NS.assertion, 'Advice');
  const stray = elements.filter((el) => el.localName === 'Assertion' && el !== assertion && !inAdvice(el));
  if (stray.length > 0) {
    const parent = stray[0]!.parentNode as Element | null;
    throw new StructureRefused('saml_wrapping_detected', `an Assertion sits inside ${parent?.localName ?? 'the document'}, outside the place of the one assertion`);
  }
  for (const sig of elements.filter((el) => el.localName === 'Signature')) {
    const parent = sig.parentNode;
    const placed = is(sig, NS.dsig, 'Signature')
      && ((response !== undefined && parent === response) || (assertion !== undefined && parent === assertion) || inAdvice(sig));
    if (!placed) throw new StructureRefused('saml_signature_invalid', 'a Signature sits where no signature belongs');
  }
}
