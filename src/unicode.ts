// Unicode helpers shared by the identity seam and the mapping engine.

/**
 * Whether the text is all ASCII: then its UTF-8 form has exactly one byte per UTF-16 unit. Node
 * counts UTF-8 bytes with SIMD, several times faster than a regular expression or ICU scanning for
 * a non-ASCII character, which matters for ten thousand long names.
 */
export function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/** Unicode NFC; ASCII text is always in NFC, so it skips ICU. */
export function nfc(text: string): string {
  return isAscii(text) ? text : text.normalize('NFC');
}
