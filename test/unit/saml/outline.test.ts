// The scan before the parser (C2): what it counts, what it refuses, and that what it reports of the
// root's children is where they are in the text.
import { describe, expect, it } from 'vitest';
import { XmlRefused, outlineXml, type OutlineLimits } from '../../../src/connectors/saml/outline.ts';

const limits: OutlineLimits = { maxElements: 100, maxDepth: 8, maxAttributesPerElement: 8 };

function refusal(xml: string, l = limits): string {
  try {
    outlineXml(xml, l);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlRefused);
    return (e as XmlRefused).code;
  }
  return '(accepted)';
}

describe('outlineXml', () => {
  it('finds the root and its children by position, through comments, CDATA and quoted ">"', () => {
    const xml = '<?xml version="1.0"?>\n<r:R xmlns:r="u" a=\'x>y\'><!-- <b> --><r:I>t<![CDATA[<c>]]></r:I>\n<r:S/><e f="&gt;">z</e></r:R>\n<!-- end -->';
    const o = outlineXml(xml, limits);
    expect(o.elements).toBe(4);
    expect(xml.slice(o.rootStartTag.start, o.rootStartTag.end)).toBe('<r:R xmlns:r="u" a=\'x>y\'>');
    expect(xml.slice(o.rootEndTag.start, o.rootEndTag.end)).toBe('</r:R>');
    expect(o.rootChildren.map((c) => [c.name, xml.slice(c.start, c.end)])).toEqual([
      ['r:I', '<r:I>t<![CDATA[<c>]]></r:I>'], ['r:S', '<r:S/>'], ['e', '<e f="&gt;">z</e>'],
    ]);
  });

  it('refuses declarations and processing instructions (S21)', () => {
    expect(refusal('<!DOCTYPE a><a/>')).toBe('forbidden');
    expect(refusal('<a><!ENTITY x "y"></a>')).toBe('forbidden');
    expect(refusal('<a><?pi x?></a>')).toBe('malformed');
    expect(refusal('<a/><?pi x?>')).toBe('malformed');
  });

  it('refuses past each limit', () => {
    expect(refusal(`<a>${'<b/>'.repeat(100)}</a>`)).toBe('too_large');
    expect(refusal(`${'<a>'.repeat(9)}${'</a>'.repeat(9)}`)).toBe('too_large');
    expect(refusal(`<a ${Array.from({ length: 9 }, (_, i) => `x${i}="1"`).join(' ')}/>`)).toBe('too_large');
    expect(refusal(`<a>${'<b/>'.repeat(99)}</a>`)).toBe('(accepted)');
  });

  it('refuses what it cannot read as tags', () => {
    for (const bad of ['', 'text', '<a>', '<a></a></a>', '<a/><b/>', '<a b></a>', '<a b=c/>', '<a b="c/>', '<a><!-- x</a>', '<a/ >', '<>', '<![CDATA[x]]><a/>']) {
      expect(refusal(bad), bad).toBe('malformed');
    }
  });
});
