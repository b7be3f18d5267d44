// What node-saml's second verification is given (SECURITY.md C2: give the second verifier only what
// the signature covers). A Response signed as a whole goes as it came. A Response whose Assertion
// alone is signed is cut down to the parts node-saml reads — its start tag, Issuer, Status and the
// Assertion (or EncryptedAssertion), each exactly as the IdP's bytes have them — so that unsigned
// padding (Extensions, anything else beside the Assertion) costs node-saml nothing. Nothing is re-serialised: the
// Assertion the second verifier checks is the very text Hatrack verified.
import type { Element } from '@xmldom/xmldom';
import type { XmlOutline } from './outline.ts';
import { NS, children, is } from './xml.ts';

const KEPT: ReadonlyArray<readonly [string, string]> = [
  [NS.assertion, 'Issuer'], [NS.protocol, 'Status'], [NS.assertion, 'Assertion'], [NS.assertion, 'EncryptedAssertion'],
];

/**
 * The Response text without the unsigned children node-saml does not need. `root` is the parsed
 * Response whose element children are, in order, `outline.rootChildren` (xml.ts checked that).
 */
export function unsignedPartsRemoved(xml: string, outline: XmlOutline, root: Element): string {
  const parts = children(root);
  const kept = outline.rootChildren.filter((_, i) => KEPT.some(([ns, name]) => is(parts[i], ns, name)));
  return xml.slice(outline.rootStartTag.start, outline.rootStartTag.end)
    + kept.map((c) => xml.slice(c.start, c.end)).join('')
    + xml.slice(outline.rootEndTag.start, outline.rootEndTag.end);
}
