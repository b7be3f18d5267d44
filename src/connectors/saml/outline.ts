// One linear pass over a SAML message's text before any parser builds a DOM of it (SECURITY.md C2:
// cheap refusals first). It counts what the DOM would hold — elements, attributes of each element,
// depth — and refuses past the limits, so a padded document costs one scan and not a parse, two
// signature checks and a second opinion. It also refuses what must never reach a parser (a DOCTYPE
// or other declaration, processing instructions but the XML declaration: S21), and characters
// that the parser would read as something else (xmldom turns U+0085, U+2028 and U+2029 into line
// feeds, so the value the rules saw would not be the value the IdP signed: C3).
//
// The scan is not a parser: it only has to find where tags start and end. What it reports must
// agree with the DOM the real parser builds (xml.ts compares the root's children), and any
// disagreement is a refusal. The root's children are kept by position, so that a document can be
// cut down to the parts a signature covers without re-serialising them (acs.ts, second opinion).

import { Refused } from './refused.ts';

export type XmlProblem = 'too_large' | 'malformed' | 'forbidden';

/** A SAML message refused as XML: by this scan, or by the parse after it (xml.ts). */
export class XmlRefused extends Refused<XmlProblem> {
  override readonly name = 'XmlRefused';
}

export interface OutlineLimits {
  maxElements: number;
  maxDepth: number;
  maxAttributesPerElement: number;
}

export interface TextRange {
  start: number;
  end: number;
}

export interface XmlOutline {
  elements: number;
  /** The root element's start tag, from `<` to `>`. */
  rootStartTag: TextRange;
  /** The root's end tag (empty, at the end of the start tag, for a self-closing root). */
  rootEndTag: TextRange;
  /** The root's child elements in document order, each from its `<` to the end of its end tag. */
  rootChildren: Array<TextRange & { name: string }>;
}

/** Characters xmldom rewrites to a line feed in text and to a space in attributes. */
const REWRITTEN_BY_PARSER = /[\u0085\u2028\u2029]/;
const NAME_END = /[ \t\r\n/>]/;
const ATTRIBUTE_NAME_END = /[ \t\r\n=/<>"']/;

const malformed = (message: string) => new XmlRefused('malformed', message);

export function outlineXml(xml: string, limits: OutlineLimits): XmlOutline {
  if (REWRITTEN_BY_PARSER.test(xml)) throw malformed('XML holds U+0085, U+2028 or U+2029, which the parser would change into a line feed');
  let elements = 0;
  let depth = 0;
  let rootStartTag: TextRange | undefined;
  let rootEndTag: TextRange | undefined;
  const rootChildren: XmlOutline['rootChildren'] = [];
  let at = 0;

  while (true) {
    const lt = xml.indexOf('<', at);
    if (lt < 0) break;
    if (rootEndTag !== undefined && !xml.startsWith('<!--', lt)) throw malformed('XML has content after its root element');

    if (xml.startsWith('<!--', lt)) {
      at = after(xml, '-->', lt + 4, 'an unclosed comment');
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      if (depth === 0) throw malformed('CDATA outside the root element');
      at = after(xml, ']]>', lt + 9, 'an unclosed CDATA section');
      continue;
    }
    if (xml[lt + 1] === '!') throw new XmlRefused('forbidden', 'XML with a DOCTYPE or declarations is refused');
    if (xml[lt + 1] === '?') {
      // Only the XML declaration, and only as the very first thing (XML 1.0 §2.8).
      if (lt !== 0 || !/^<\?xml[ \t\r\n]/.test(xml.slice(0, 6))) throw malformed('XML processing instructions are refused');
      at = after(xml, '?>', 2, 'an unclosed XML declaration');
      continue;
    }
    if (xml[lt + 1] === '/') {
      const end = after(xml, '>', lt + 2, 'an unclosed end tag');
      depth--;
      if (depth < 0) throw malformed('an end tag without a start tag');
      if (depth === 1) rootChildren[rootChildren.length - 1]!.end = end;
      if (depth === 0) rootEndTag = { start: lt, end };
      at = end;
      continue;
    }

    const tag = startTag(xml, lt, limits.maxAttributesPerElement);
    elements++;
    if (elements > limits.maxElements) throw new XmlRefused('too_large', `XML has more than ${limits.maxElements} elements`);
    if (depth === 0) {
      if (rootStartTag !== undefined) throw malformed('XML has several root elements');
      rootStartTag = { start: lt, end: tag.end };
      if (tag.selfClosing) rootEndTag = { start: tag.end, end: tag.end };
    } else if (depth === 1) {
      rootChildren.push({ start: lt, end: tag.end, name: tag.name });
    }
    if (!tag.selfClosing) {
      depth++;
      if (depth > limits.maxDepth) throw new XmlRefused('too_large', `XML is nested more than ${limits.maxDepth} deep`);
    }
    at = tag.end;
  }
  if (rootStartTag === undefined || rootEndTag === undefined || depth !== 0) throw malformed('XML has no complete root element');
  return { elements, rootStartTag, rootEndTag, rootChildren };
}

/** The index just past the next `token` at or after `from`. */
function after(xml: string, token: string, from: number, what: string): number {
  const i = xml.indexOf(token, from);
  if (i < 0) throw malformed(`XML has ${what}`);
  return i + token.length;
}

/** A start tag at `lt`: its qualified name, where it ends, whether it closes itself. */
function startTag(xml: string, lt: number, maxAttributes: number): { name: string; end: number; selfClosing: boolean } {
  let i = lt + 1;
  while (i < xml.length && !NAME_END.test(xml[i]!)) i++;
  const name = xml.slice(lt + 1, i);
  if (name.length === 0) throw malformed('a tag without a name');
  let attributes = 0;
  while (true) {
    while (i < xml.length && isSpace(xml[i]!)) i++;
    const c = xml[i];
    if (c === undefined) throw malformed('an unclosed start tag');
    if (c === '>') return { name, end: i + 1, selfClosing: false };
    if (c === '/') {
      if (xml[i + 1] !== '>') throw malformed('a stray "/" in a start tag');
      return { name, end: i + 2, selfClosing: true };
    }
    // name = "value" or name = 'value'; whatever else the parser finds wrong, it refuses.
    const nameStart = i;
    while (i < xml.length && !ATTRIBUTE_NAME_END.test(xml[i]!)) i++;
    if (i === nameStart) throw malformed('a start tag that is not name="value" pairs');
    while (i < xml.length && isSpace(xml[i]!)) i++;
    if (xml[i] !== '=') throw malformed('an attribute without a value');
    let q = i + 1;
    while (q < xml.length && isSpace(xml[q]!)) q++;
    const quote = xml[q];
    if (quote !== '"' && quote !== "'") throw malformed('an attribute value without quotes');
    i = after(xml, quote, q + 1, 'an unclosed attribute value');
    attributes++;
    if (attributes > maxAttributes) throw new XmlRefused('too_large', `an element has more than ${maxAttributes} attributes`);
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}
