// Strict XML parsing and namespace-aware lookups for SAML documents. A DOCTYPE is refused before
// the parser sees it (no entity expansion, no external references), and every parser warning or
// error is fatal: a SAML message that does not parse cleanly is not a SAML message.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

export class XmlRejected extends Error {
  override readonly name = 'XmlRejected';
  readonly reason: 'doctype' | 'malformed' | 'empty';
  constructor(reason: 'doctype' | 'malformed' | 'empty', message: string) {
    super(message);
    this.reason = reason;
  }
}

const ELEMENT_NODE = 1;
const DOCUMENT_TYPE_NODE = 10;
const PROCESSING_INSTRUCTION_NODE = 7;

/** Parses `xml` or throws XmlRejected. Refuses DOCTYPEs and processing instructions other than the XML declaration. */
export function parseStrictXml(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new XmlRejected('doctype', 'XML with a DOCTYPE or entity declaration is refused');
  }
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'application/xml');
  } catch (e) {
    throw new XmlRejected('malformed', `XML does not parse: ${(e as Error).message.split('\n')[0]}`);
  }
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === DOCUMENT_TYPE_NODE) throw new XmlRejected('doctype', 'XML with a DOCTYPE is refused');
    if (n.nodeType === PROCESSING_INSTRUCTION_NODE && n.nodeName !== 'xml') {
      throw new XmlRejected('malformed', 'XML processing instructions are refused');
    }
  }
  if (!doc.documentElement) throw new XmlRejected('empty', 'XML has no root element');
  return doc;
}

export function isElement(node: Node | null | undefined): node is Element {
  return !!node && node.nodeType === ELEMENT_NODE;
}

export function is(el: Element | null | undefined, ns: string, localName: string): el is Element {
  return !!el && el.namespaceURI === ns && el.localName === localName;
}

/** The direct element children of `parent`, optionally only those named `{ns}localName`. */
export function children(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (!isElement(n)) continue;
    if (ns !== undefined && localName !== undefined && !is(n, ns, localName)) continue;
    out.push(n);
  }
  return out;
}

/** The only direct child named `{ns}localName`, undefined when absent; throws when there are several. */
export function onlyChild(parent: Element, ns: string, localName: string): Element | undefined {
  const found = children(parent, ns, localName);
  if (found.length > 1) throw new XmlRejected('malformed', `more than one ${localName} in ${parent.localName}`);
  return found[0];
}

/** Every element anywhere below `root` (root included) named `{ns}localName`. */
export function descendants(root: Element | Document, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const list = root.getElementsByTagNameNS(ns, localName);
  for (let i = 0; i < list.length; i++) {
    const el = list.item(i);
    if (el) out.push(el);
  }
  if (isElement(root as Node) && is(root as Element, ns, localName)) out.unshift(root as Element);
  return out;
}

/** Every element in the document, in document order. */
export function allElements(doc: Document): Element[] {
  const list = doc.getElementsByTagName('*');
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) {
    const el = list.item(i);
    if (el) out.push(el);
  }
  return out;
}

/** Trimmed text content of an element. */
export function text(el: Element | undefined): string {
  return (el?.textContent ?? '').trim();
}

/** An attribute without a namespace, or undefined when absent (an empty value is kept). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? '') : undefined;
}
