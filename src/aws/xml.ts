// Escaping for the XML Hatrack writes by hand (minted responses, IdP metadata). Every piece of text
// that lands in an element or attribute goes through one of these two functions.
import { HatrackError } from '../errors.ts';

// Characters XML 1.0 does not allow at all (§2.2): C0 controls other than tab/LF/CR, lone
// surrogates, U+FFFE and U+FFFF. They cannot be escaped, so they are refused.
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function check(value: string): string {
  if (forbidden.test(value)) {
    throw new HatrackError('xml_invalid_character', 500, 'A value contains a character that cannot be written into XML.');
  }
  return value;
}

/** Text content: `&`, `<` and `>` (the last so that `]]>` can never appear). */
export function escapeXmlText(value: string): string {
  return check(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A double-quoted attribute value. Tab, LF and CR become character references so attribute-value
 * normalisation cannot turn them into spaces between signing and verifying.
 */
export function escapeXmlAttr(value: string): string {
  return check(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}
