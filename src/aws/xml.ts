// Escaping for the XML Hatrack writes by hand (minted responses, IdP metadata). Every piece of text
// that lands in an element or attribute goes through one of these two functions, and each refuses
// what XML cannot carry unchanged to the reader (SECURITY.md C3: a value is minted as meant, or
// not at all).
import { HatrackError } from '../errors.ts';

// Characters XML 1.0 does not allow at all (§2.2): C0 controls other than tab/LF/CR, lone
// surrogates, U+FFFE and U+FFFF. They cannot be escaped, so they are refused.
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Characters a reader changes. xmldom — which the offline AWS stand-in and xml-crypto read the
// response with — turns NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR into a line feed (or a space,
// in an attribute). Every XML parser turns a raw CR in text into a line feed (§2.11); written as
// a reference it would survive, but no value Hatrack mints needs one and no reader on the AWS side
// is known to keep it, so it is refused in text; in attributes it is written `&#xD;`.
const changedInText = /[\r\u0085\u2028\u2029]/;
const changedInAttributes = /[\u0085\u2028\u2029]/;

/** Whether `value`, as element text, reaches a reader of the XML Hatrack signs exactly as written. */
export function survivesXml(value: string): boolean {
  return !forbidden.test(value) && !changedInText.test(value);
}

function check(value: string, changed: RegExp): string {
  if (forbidden.test(value) || changed.test(value)) {
    throw new HatrackError('xml_invalid_character', 500, 'A value contains a character that cannot be written into XML unchanged.');
  }
  return value;
}

// Each escape writes a value the way exclusive XML canonicalisation (xml-exc-c14n, which applies
// C14N 1.0 §2.3's rules for text and attribute nodes) writes it, so text assembled from these
// pieces in canonical element and attribute order is already its own canonical form
// (xml-signature.ts digests it as written).
const textEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const attrEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

/** Text content: `&`, `<` and `>` (the last so that `]]>` can never appear). */
export function escapeXmlText(value: string): string {
  return check(value, changedInText).replace(/[&<>]/g, (c) => textEscapes[c]!);
}

/**
 * A double-quoted attribute value. Tab, LF and CR become character references so attribute-value
 * normalisation cannot turn them into spaces between signing and verifying; `>` stays as it is,
 * as canonical XML writes it.
 */
export function escapeXmlAttr(value: string): string {
  return check(value, changedInAttributes).replace(/[&<"\t\n\r]/g, (c) => attrEscapes[c]!);
}
