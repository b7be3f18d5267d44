// The SAMLResponse form value up to a DOM: size, strict base64, UTF-8, line ends, DOCTYPE refusal
// before parsing, one root, no processing instructions, bounded depth.

import { describe, expect, it } from 'vitest';
import { XmlRefused, decodeSamlResponse, parseSamlXml, wholeText } from '../../../src/connectors/saml/xml.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function problem(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(XmlRefused);
    return (e as XmlRefused).code;
  }
  throw new Error('expected a refusal');
}

describe('decodeSamlResponse', () => {
  it('accepts base64 with line breaks, and normalises CRLF line ends', () => {
    const value = b64('<a>x\r\ny</a>').replace(/(.{8})/g, '$1\r\n');
    expect(decodeSamlResponse(value, 1000)).toBe('<a>x\ny</a>');
  });

  it('refuses oversize values before decoding them, junk base64 and non-UTF-8', () => {
    expect(problem(() => decodeSamlResponse('A'.repeat(1001), 1000))).toBe('too_large');
    for (const junk of ['', 'abc', 'ab=c', 'a b c d', '%3Ca%3E', '<a/>']) expect(problem(() => decodeSamlResponse(junk, 1000))).toBe('malformed');
    expect(problem(() => decodeSamlResponse(Buffer.from([0xc3, 0x28, 0x41, 0x41]).toString('base64'), 1000))).toBe('malformed');
  });
});

describe('parseSamlXml', () => {
  it('refuses DTDs in any form before the parser sees them', () => {
    for (const dtd of ['<!DOCTYPE a><a/>', '<!doctype a><a/>', '<a><!ENTITY x "y"></a>', '<!DOCTYPE a [<!ELEMENT a ANY>]><a/>']) {
      expect(problem(() => parseSamlXml(dtd))).toBe('forbidden');
    }
  });

  it('refuses what the parser complains about, several roots, processing instructions, other encodings', () => {
    for (const bad of ['<a><b></a>', '<a/><b/>', '<a/>text', '<a><?php x?></a>', '<?xml-stylesheet href="x"?><a/>', '<a>&unknown;</a>',
      '<?xml version="1.0" encoding="ISO-8859-1"?><a/>', '<x:a/>', ' <?xml version="1.0"?><a/>']) {
      expect(problem(() => parseSamlXml(bad)), bad).toBe('malformed');
    }
    expect(parseSamlXml('<?xml version="1.0" encoding="UTF-8" standalone="no"?><a/>').documentElement!.localName).toBe('a');
  });

  it('refuses deep nesting, too many elements and too many attributes before parsing (C2)', () => {
    const limits = { maxElements: 10, maxDepth: 4, maxAttributesPerElement: 3 };
    expect(problem(() => parseSamlXml('<a><a><a><a><a></a></a></a></a></a>', limits))).toBe('too_large');
    expect(problem(() => parseSamlXml(`<a>${'<b/>'.repeat(10)}</a>`, limits))).toBe('too_large');
    expect(problem(() => parseSamlXml('<a w="1" x="2" y="3" z="4"/>', limits))).toBe('too_large');
    expect(parseSamlXml(`<a w="1" x='2' y = "3">${'<b/>'.repeat(9)}</a>`, limits).documentElement!.childNodes.length).toBe(9);
  });

  it('refuses characters the parser would turn into a line feed (C3)', () => {
    for (const c of ['\u0085', '\u2028', '\u2029']) {
      expect(problem(() => parseSamlXml(`<a>x${c}y</a>`))).toBe('malformed');
      expect(problem(() => parseSamlXml(`<a b="x${c}y"/>`))).toBe('malformed');
    }
    expect(parseSamlXml('<a>x&#x2028;y</a>').documentElement!.textContent).toBe('x\u2028y');
  });

  it('wholeText reads every text node, trimming nothing: a comment never cuts a value short (S20, C3)', () => {
    const doc = parseSamlXml('<a> user@corp.example<!---->.evil.example <![CDATA[!]]></a>');
    expect(wholeText(doc.documentElement!)).toBe(' user@corp.example.evil.example !');
  });
});
