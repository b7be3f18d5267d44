// The shape of a SAML Response, checked on the parsed but not yet verified document, before any
// signature is looked at. It finds the one Assertion and the signatures to verify, and refuses the
// shapes that signature-wrapping attacks need (S1–S10, S14): a second Assertion anywhere (beside,
// before, after, inside the signed one, in Extensions, in ds:Object, in the Signature), a repeated ID,
// a signature where none belongs; and encrypted content, which Hatrack never decrypts (S31).
// Nothing read here feeds the identity: that comes only from the verified bytes (signature.ts).

import type { Document, Element } from '@xmldom/xmldom';
import { NS, allElements, attr, children, is, within } from './xml.ts';

export type StructureProblem =
  | 'saml_response_malformed'
  | 'saml_encrypted_assertion'
  | 'saml_duplicate_id'
  | 'saml_wrapping_detected'
  | 'saml_signature_invalid';

export class StructureRefused extends Error {
  override readonly name = 'StructureRefused';
  constructor(readonly code: StructureProblem, message: string) {
    super(message);
  }
}

export interface Located {
  /** The Response as parsed (unverified). */
  response: Element;
  /** The one Assertion, a direct child of the Response (unverified); undefined when there is none. */
  assertion: Element | undefined;
}

const encryptedNames = new Set(['EncryptedAssertion', 'EncryptedID', 'EncryptedAttribute', 'EncryptedData', 'EncryptedKey']);

export function locate(doc: Document): Located {
  const response = doc.documentElement!;
  const rootName = response.localName;
  if (!is(response, NS.protocol, 'Response')) {
    throw new StructureRefused('saml_response_malformed', `the message is a ${rootName}, not a SAML 2.0 Response`);
  }
  if (attr(response, 'Version') !== '2.0') throw new StructureRefused('saml_response_malformed', 'the Response is not SAML version 2.0');

  const elements = allElements(doc);
  // S31: no decryption key is ever configured, so encrypted content cannot be read and is refused.
  const encrypted = elements.find((el) => encryptedNames.has(el.localName ?? '') && (el.namespaceURI === NS.assertion || el.namespaceURI === NS.xenc));
  if (encrypted) throw new StructureRefused('saml_encrypted_assertion', `the Response carries ${encrypted.localName}; encrypted assertions are not supported`);

  // S14: xml-crypto finds a Reference's target by any attribute whose local name is ID, Id or id.
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

  const direct = children(response, NS.assertion, 'Assertion');
  // Any element called Assertion counts, whatever its namespace: other parsers match on the local name.
  const all = elements.filter((el) => el.localName === 'Assertion');
  if (direct.length > 1) throw new StructureRefused('saml_wrapping_detected', `the Response holds ${direct.length} assertions`);
  const assertion = direct[0];
  // Assertions the IdP put in the signed assertion's Advice are allowed, and never read (S19).
  const advice = assertion ? children(assertion, NS.assertion, 'Advice') : [];
  const stray = all.filter((el) => el !== assertion && !advice.some((a) => within(el, a)));
  if (stray.length > 0) {
    const parent = stray[0]!.parentNode as Element | null;
    throw new StructureRefused('saml_wrapping_detected', `an Assertion sits inside ${parent?.localName ?? 'the document'}, outside the place of the one assertion`);
  }

  // Signatures may only be enveloped in the Response or the Assertion (or inside Advice, which the
  // assertion's own signature covers).
  for (const sig of elements.filter((el) => el.localName === 'Signature')) {
    const parent = sig.parentNode;
    const placed = is(sig, NS.dsig, 'Signature')
      && (parent === response || (assertion !== undefined && parent === assertion) || advice.some((a) => within(sig, a)));
    if (!placed) throw new StructureRefused('saml_signature_invalid', 'a Signature sits where no signature belongs');
  }
  return { response, assertion };
}
