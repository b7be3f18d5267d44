// The SAMLResponse form value up to a DOM, refusing whatever is not plainly a SAML message (S21,
// S33): too large, not strict base64, not UTF-8; then, in one scan of the text before any parser
// sees it (outline.ts), a DOCTYPE or entity declaration, processing instructions, too many elements
// or attributes, absurd nesting; then anything the parser complains about, several roots, or a DOM
// that disagrees with the scan. Plus the few namespace-aware DOM helpers the checks use.

import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { XmlRefused, outlineXml, type OutlineLimits, type XmlOutline } from './outline.ts';

export { XmlRefused, type XmlProblem } from './outline.ts';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PROCESSING_INSTRUCTION = 7;
const COMMENT = 8;
const DOCUMENT_TYPE = 10;
const MAX_DEPTH = 64;

/**
 * What a SAML message may hold. A Google response is some 30 elements plus one per group; 5 000
 * leaves room for thousands of groups and bounds what one POST costs (bench/acs-hostile.ts):
 * unsigned padding a few milliseconds, since it is cut away before the second verifier; elements
 * inside a signed part some 50 µs each, mostly xml-crypto looking up IDs by XPath while digesting.
 */
export const DEFAULT_XML_LIMITS: OutlineLimits = { maxElements: 5000, maxDepth: MAX_DEPTH, maxAttributesPerElement: 64 };

/** The XML inside a `SAMLResponse` form value (base64 of UTF-8 XML); at most `maxChars` characters of base64. */
export function decodeSamlResponse(value: string, maxChars: number): string {
  if (value.length > maxChars) throw new XmlRefused('too_large', `SAMLResponse is ${value.length} characters, more than ${maxChars}`);
  // Line breaks are allowed in base64 transfer encodings; nothing else is.
  const b64 = value.replace(/[\r\n]/g, '');
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new XmlRefused('malformed', 'SAMLResponse is not base64');
  }
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    throw new XmlRefused('malformed', 'SAMLResponse is not UTF-8');
  }
  // The XML processor normalises line ends (XML 1.0 §2.11); so did the IdP's before signing.
  return xml.replace(/\r\n?/g, '\n');
}

/** Parses a SAML message, or throws XmlRefused. */
export function parseSamlXml(xml: string, limits: OutlineLimits = DEFAULT_XML_LIMITS): Document {
  return parseSamlMessage(xml, limits).doc;
}

/** Parses a SAML message after scanning its outline (which the caller may use), or throws XmlRefused. */
export function parseSamlMessage(xml: string, limits: OutlineLimits = DEFAULT_XML_LIMITS): { doc: Document; outline: XmlOutline } {
  // Before the parser: a DTD is the door to entity expansion and external references (S21), and
  // counting is far cheaper than building what was counted (C2).
  const outline = outlineXml(xml, limits);
  const declaration = /^<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']/.exec(xml);
  if (declaration && !/^utf-?8$/i.test(declaration[1]!)) {
    throw new XmlRefused('malformed', 'XML declares an encoding other than UTF-8');
  }
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${String(message).split('\n')[0]}`);
      },
    }).parseFromString(xml, 'application/xml');
  } catch (e) {
    throw new XmlRefused('malformed', `XML does not parse (${(e as Error).message.slice(0, 160)})`);
  }
  if (!doc.documentElement) throw new XmlRefused('malformed', 'XML has no root element');
  checkNodes(doc);
  const parsed = children(doc.documentElement);
  if (parsed.length !== outline.rootChildren.length || parsed.some((el, i) => el.tagName !== outline.rootChildren[i]!.name)) {
    throw new XmlRefused('malformed', 'the XML reads differently to the scanner and to the parser');
  }
  return { doc, outline };
}

/** One root, no DOCTYPE, no processing instructions but the declaration, bounded depth. */
function checkNodes(doc: Document): void {
  let roots = 0;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT) roots++;
    else if (n.nodeType === DOCUMENT_TYPE) throw new XmlRefused('forbidden', 'XML with a DOCTYPE is refused');
    else if (n.nodeType === PROCESSING_INSTRUCTION && n.nodeName !== 'xml') throw new XmlRefused('malformed', 'XML processing instructions are refused');
    else if (n.nodeType === TEXT && (n.nodeValue ?? '').trim() !== '') throw new XmlRefused('malformed', 'text outside the root element');
  }
  if (roots !== 1) throw new XmlRefused('malformed', `XML has ${roots} root elements`);
  const stack: Array<[Node, number]> = [[doc.documentElement!, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) throw new XmlRefused('malformed', `XML is nested more than ${MAX_DEPTH} deep`);
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === PROCESSING_INSTRUCTION) throw new XmlRefused('malformed', 'XML processing instructions are refused');
      if (c.nodeType === DOCUMENT_TYPE) throw new XmlRefused('forbidden', 'XML with a DOCTYPE is refused');
      if (c.nodeType === ELEMENT) stack.push([c, depth + 1]);
    }
  }
}

export function isElement(node: Node | null | undefined): node is Element {
  return !!node && node.nodeType === ELEMENT;
}

export function is(el: Node | null | undefined, ns: string, localName: string): el is Element {
  return isElement(el) && el.namespaceURI === ns && el.localName === localName;
}

/** Direct element children, optionally only those named `{ns}localName`. */
export function children(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (!isElement(n)) continue;
    if (ns !== undefined && localName !== undefined && !is(n, ns, localName)) continue;
    out.push(n);
  }
  return out;
}

/** Every element below `root` (not root itself) named `{ns}localName`, in document order. */
export function descendants(root: Element | Document, ns: string, localName: string): Element[] {
  const list = root.getElementsByTagNameNS(ns, localName);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list.item(i)!);
  return out.filter((el) => el !== root);
}

/** Every element of the document, in document order. */
export function allElements(doc: Document): Element[] {
  const list = doc.getElementsByTagName('*');
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list.item(i)!);
  return out;
}

/**
 * The child of `parent` that is `node` or holds it; undefined when `node` is not inside `parent`.
 * One walk up from `node`: asked of every element, it costs their number times the depth, where
 * comparing each with a list of containers would cost their number squared (SECURITY.md C1).
 */
export function branchOf(node: Node, parent: Node): Element | undefined {
  for (let n: Node | null = node; n; n = n.parentNode) if (n.parentNode === parent) return isElement(n) ? n : undefined;
  return undefined;
}

/** An attribute without a namespace; undefined when absent (an empty value is kept). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? '') : undefined;
}

/**
 * The whole text of an element: every text and CDATA node below it, joined, exactly as the IdP
 * signed it — nothing trimmed (C3: `" admins"` is not `admins`). A comment splits text nodes but
 * never cuts the value short (S20: `user@corp.com<!---->.evil.com` is read whole). Nothing is read
 * from comments themselves.
 */
export function wholeText(el: Element): string {
  let out = '';
  const walk = (n: Node) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === TEXT || c.nodeType === CDATA) out += c.nodeValue ?? '';
      else if (c.nodeType === ELEMENT) walk(c);
    }
  };
  walk(el);
  return out;
}

/** True when a comment or processing instruction lies anywhere below the element. */
export function hasCommentOrInstruction(el: Element): boolean {
  const stack: Element[] = [el];
  while (stack.length > 0) {
    const e = stack.pop()!;
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === COMMENT || c.nodeType === PROCESSING_INSTRUCTION) return true;
      if (isElement(c)) stack.push(c);
    }
  }
  return false;
}

/** True when the element holds anything but text (elements, comments, processing instructions). */
export function hasNonText(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== TEXT && c.nodeType !== CDATA) return true;
  }
  return false;
}

