// SECURITY.md S1–S33: the SAML connector against responses that lie. Every case starts from a
// valid, Google-shaped response made by the test IdP (test/support/saml/test-idp.ts) and bends one
// thing. Each refusal asserts the exact HatrackError code and status, that no identity came out,
// that no replay key was written, and that the store saw no call but the ones the check order
// allows (the consume of the AuthnRequest's key once the InResponseTo step is reached).
// The S29 race against the real Redis is in replay-redis.test.ts.

import type { Document, Element } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPED_SIGNATURE } from '../../../src/connectors/saml/algorithms.ts';
import { SAML_ERROR_STATUS, SIGNATURE_REQUIREMENTS, type SamlErrorCode, type SignatureRequirement } from '../../../src/connectors/saml/index.ts';
import { SignatureRefused, checkSignatureShape, envelopedSignature, verifyEnveloped } from '../../../src/connectors/saml/signature.ts';
import { NS, children, parseSamlXml, wholeText } from '../../../src/connectors/saml/xml.ts';
import { encodeResponse } from '../../../src/dev/saml-idp/response.ts';
import { HatrackError } from '../../../src/errors.ts';
import { CONSUMES_REQUEST, answer, expectNoSecrets, expectRefused, harness, post, start, type Harness } from '../../support/saml/harness.ts';
import {
  DSIG, IDP, NOW, PEOPLE, SAML_NS, SP, all, assertion, childNamed, evilCopy, first, hmacSignAssertion, makeResponse, response,
  setText, signatureOf, testKeys, type Keys, type MakeOptions,
} from '../../support/saml/test-idp.ts';

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});

const MALLORY = 'mallory@corp.example';

type Options = Parameters<typeof harness>[1];

/**
 * Every case holds in every signature requirement the response's signing satisfies: an
 * Assertion-signed case runs under `either` and `assertion`, a Response-signed one under `either`
 * and `response`, a doubly signed or unsigned one under all four. A case that names its
 * requirement runs under that one.
 */
function requirementsFor(make: MakeOptions, options: Options = {}): SignatureRequirement[] {
  if (options.requireSignatureOn) return [options.requireSignatureOn];
  switch (make.signing ?? 'assertion') {
    case 'assertion': return ['either', 'assertion'];
    case 'response': return ['either', 'response'];
    default: return [...SIGNATURE_REQUIREMENTS];
  }
}

/** An SP-initiated login answered by `make`, posted with the login's RelayState; expects `code`. */
async function refusesSp(code: SamlErrorCode, make: MakeOptions, options: Options = {}, calls?: typeof CONSUMES_REQUEST): Promise<HatrackError> {
  let last: HatrackError | undefined;
  for (const requireSignatureOn of requirementsFor(make, options)) {
    const h = harness(k, { ...options, requireSignatureOn });
    const s = await start(h);
    const r = answer(k, s, make);
    const e = await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), code, calls);
    expect(e.status).toBe(SAML_ERROR_STATUS[code]);
    expectNoSecrets(e, r.samlResponse, r.xml.slice(0, 200));
    last = e;
  }
  return last!;
}

/** An unsolicited (tile) response on a connector that allows them; expects `code`. */
async function refusesTile(code: SamlErrorCode, make: MakeOptions, options: Options = {}): Promise<HatrackError> {
  let last: HatrackError | undefined;
  for (const requireSignatureOn of requirementsFor(make, options)) {
    const h = harness(k, { allowIdpInitiated: true, ...options, requireSignatureOn });
    const r = makeResponse(k, make);
    const e = await expectRefused(h, () => post(h, r.samlResponse), code);
    expect(e.status).toBe(SAML_ERROR_STATUS[code]);
    last = e;
  }
  return last!;
}

/** The connector accepts it, under every requirement its signing satisfies; the identity is returned. */
async function acceptsSp(make: MakeOptions, options: Options = {}): Promise<{ h: Harness; identity: Awaited<ReturnType<typeof post>> }> {
  let last: { h: Harness; identity: Awaited<ReturnType<typeof post>> } | undefined;
  for (const requireSignatureOn of requirementsFor(make, options)) {
    const h = harness(k, { ...options, requireSignatureOn });
    const s = await start(h);
    const r = answer(k, s, make);
    const identity = await post(h, r.samlResponse, s.pending.state);
    const who = (i: typeof identity) => ({ subject: i.subject, email: i.email, name: i.name, groups: i.groups, mfa: i.mfa });
    if (last) expect(who(identity)).toEqual(who(last.identity));
    last = { h, identity };
  }
  return last!;
}

/**
 * Defence in depth for the wrapping cases: with the structure check out of the way, what would
 * the signature layer alone make of the element a naive reader picks (the Response's first
 * Assertion, or the root when `root`)? It must refuse it, or hand back verified bytes that are
 * Alice's — never Mallory's.
 */
function signatureLayerAlone(xml: string, root = false): string {
  const doc = parseSamlXml(xml);
  const target = root ? doc.documentElement! : children(doc.documentElement!, NS.assertion, 'Assertion')[0]!;
  const policy = { certs: [k.idp.certPem], signatureAlgorithms: ['rsa-sha256'] as const, digestAlgorithms: ['sha256'] as const };
  try {
    const sig = envelopedSignature(target);
    if (!sig) return 'unsigned';
    checkSignatureShape(sig, target, { ...policy, signatureAlgorithms: [...policy.signatureAlgorithms], digestAlgorithms: [...policy.digestAlgorithms] });
    const verified = verifyEnveloped(xml, target, sig, { ...policy, signatureAlgorithms: [...policy.signatureAlgorithms], digestAlgorithms: [...policy.digestAlgorithms] }).element;
    const a = root ? children(verified, NS.assertion, 'Assertion')[0]! : verified;
    return wholeText(a.getElementsByTagNameNS(NS.assertion, 'NameID').item(0)!);
  } catch (e) {
    if (e instanceof SignatureRefused) return e.code;
    throw e;
  }
}

function expectSignatureLayerRefuses(xml: string, root = false): void {
  const read = signatureLayerAlone(xml, root);
  expect(read).not.toBe(MALLORY);
  expect(['unsigned', 'saml_signature_invalid', PEOPLE.alice.nameId]).toContain(read);
}

// The Response-signed cases run under `either` and `response` (requirementsFor).
const responseSigned: Options = {};

/** A refusal by policy tells the person and the log what was refused and what to change at the IdP. */
function expectPolicyAdvice(e: HatrackError, what: string, fix: string): void {
  for (const text of [e.message, e.detail ?? '']) {
    expect(text).toContain(what);
    expect(text).toContain('An administrator can fix this at the identity provider');
    expect(text).toContain(fix);
  }
}

describe('XML signature wrapping (S1–S10)', () => {
  it('S1 evil Response at the root with the signed Response hidden in its Signature (XSW1) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      signing: 'response',
      tamper: (doc) => {
        const original = response(doc);
        const evil = original.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evilresponse');
        const evilAssertion = childNamed(evil, SAML_NS.assertion, 'Assertion')!;
        evilAssertion.setAttribute('ID', '_evilassertion');
        setText(first(evilAssertion, SAML_NS.assertion, 'NameID'), MALLORY);
        doc.replaceChild(evil, original);
        signatureOf(evil).appendChild(original);
      },
      tamperText: (x) => (xml = x),
    }, responseSigned);
    expectSignatureLayerRefuses(xml, true);
  });

  it('S2 evil Response at the root with the signed Response detached before its content (XSW2) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      signing: 'response',
      tamper: (doc) => {
        const original = response(doc);
        const evil = original.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evilresponse');
        const evilAssertion = childNamed(evil, SAML_NS.assertion, 'Assertion')!;
        evilAssertion.setAttribute('ID', '_evilassertion');
        setText(first(evilAssertion, SAML_NS.assertion, 'NameID'), MALLORY);
        doc.replaceChild(evil, original);
        evil.insertBefore(original, evil.firstChild);
      },
      tamperText: (x) => (xml = x),
    }, responseSigned);
    expectSignatureLayerRefuses(xml, true);
  });

  it('S3 unsigned evil Assertion placed before the signed one (XSW3) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => response(doc).insertBefore(evilCopy(doc, MALLORY), assertion(doc)),
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S4 evil Assertion wrapping the signed one inside it (XSW4) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => {
        const original = assertion(doc);
        const evil = evilCopy(doc, MALLORY);
        response(doc).replaceChild(evil, original);
        evil.appendChild(original);
      },
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S5 evil Assertion carrying the copied signature, the original moved after it (XSW5) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => {
        const original = assertion(doc);
        const evil = original.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evil');
        setText(first(evil, SAML_NS.assertion, 'NameID'), MALLORY);
        original.removeChild(signatureOf(original));
        response(doc).replaceChild(evil, original);
        response(doc).appendChild(original);
      },
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S6 evil Assertion with the original inside its copied Signature (XSW6) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => {
        const original = assertion(doc);
        const evil = original.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evil');
        setText(first(evil, SAML_NS.assertion, 'NameID'), MALLORY);
        response(doc).replaceChild(evil, original);
        original.removeChild(signatureOf(original));
        signatureOf(evil).appendChild(original);
      },
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S7 evil Assertion inside the Response Extensions (XSW7) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => {
        const extensions = doc.createElementNS(SAML_NS.protocol, 'saml2p:Extensions');
        extensions.appendChild(evilCopy(doc, MALLORY));
        const status = first(doc, SAML_NS.protocol, 'Status');
        response(doc).insertBefore(extensions, status);
      },
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S8 evil Assertion with the original inside a ds:Object of its copied Signature (XSW8) → saml_wrapping_detected', async () => {
    let xml = '';
    await refusesSp('saml_wrapping_detected', {
      tamper: (doc) => {
        const original = assertion(doc);
        const evil = original.cloneNode(true) as Element;
        evil.setAttribute('ID', '_evil');
        setText(first(evil, SAML_NS.assertion, 'NameID'), MALLORY);
        response(doc).replaceChild(evil, original);
        original.removeChild(signatureOf(original));
        const object = doc.createElementNS(DSIG, 'ds:Object');
        object.appendChild(original);
        signatureOf(evil).appendChild(object);
      },
      tamperText: (x) => (xml = x),
    });
    expectSignatureLayerRefuses(xml);
  });

  it('S8 a ds:Object in the genuine Signature, even without an Assertion in it → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const object = doc.createElementNS(DSIG, 'ds:Object');
        object.appendChild(doc.createTextNode('hello'));
        signatureOf(assertion(doc)).appendChild(object);
      },
    });
  });

  it('S9 a second root element after the signed Response → saml_response_malformed (400)', async () => {
    await refusesSp('saml_response_malformed', {
      tamperText: (x) => `${x}<saml2p:Response xmlns:saml2p="${SAML_NS.protocol}" ID="_second" Version="2.0"/>`,
    });
  });

  it('S9 an evil root element before the signed Response → saml_response_malformed (400)', async () => {
    await refusesSp('saml_response_malformed', {
      tamperText: (x) => x.replace('?>', `?><saml2p:Response xmlns:saml2p="${SAML_NS.protocol}" ID="_first" Version="2.0"/>`),
    });
  });

  it('S10 signed Response (assertion unsigned), NameID changed after signing → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      signing: 'response',
      tamper: (doc) => setText(first(doc, SAML_NS.assertion, 'NameID'), MALLORY),
    }, responseSigned);
  });

  it('S10 signed assertion, an attribute added to it after signing → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const values = all(doc, SAML_NS.assertion, 'AttributeValue');
        const extra = values[0]!.cloneNode(true) as Element;
        setText(extra, 'aws-root@corp.example');
        values[0]!.parentNode!.appendChild(extra);
      },
    });
  });

  it('S10 an unsolicited signed assertion dressed up as an answer by InResponseTo on the unsigned Response → saml_in_response_to_missing', async () => {
    const h = harness(k);
    const s = await start(h);
    // Signed without InResponseTo (a tile response); the attacker adds one to the unsigned envelope.
    const r = makeResponse(k, { tamper: (doc) => response(doc).setAttribute('InResponseTo', s.pending.data.requestId) });
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_in_response_to_missing');
  });

  it('S10 the unsigned Response names another request than the signed assertion → saml_in_response_to_mismatch', async () => {
    await refusesSp('saml_in_response_to_mismatch', {
      tamper: (doc) => response(doc).setAttribute('InResponseTo', '_someotherrequest'),
    });
  });

  it('S10 the unsigned Response Destination is believed by no one: a wrong one is refused → saml_destination_mismatch', async () => {
    await refusesSp('saml_destination_mismatch', {
      tamper: (doc) => response(doc).setAttribute('Destination', 'https://evil.example/acs'),
    }, {}, CONSUMES_REQUEST);
  });
});

describe('signature structure and keys (S11–S19)', () => {
  it('S11 two SignedInfo nodes in the signature → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const sig = signatureOf(assertion(doc));
        const signedInfo = childNamed(sig, DSIG, 'SignedInfo')!;
        sig.insertBefore(signedInfo.cloneNode(true), signedInfo);
      },
    });
  });

  it('S11 a comment inside DigestValue → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const digest = first(signatureOf(assertion(doc)), DSIG, 'DigestValue');
        const value = digest.textContent ?? '';
        setText(digest, value.slice(0, 10));
        digest.appendChild(doc.createComment('x'));
        digest.appendChild(doc.createTextNode(value.slice(10)));
      },
    });
  });

  it('S12 NameID changed and re-signed with the attacker\'s key, its certificate in KeyInfo → saml_signature_untrusted', async () => {
    const e = await refusesSp('saml_signature_untrusted', {
      key: k.attacker,
      spec: { nameId: MALLORY },
    });
    expect(e.detail).toMatch(/not configured \(sha256 fingerprint [0-9a-f]{64}\)/);
  });

  it('S12 the genuine signature with the attacker\'s certificate swapped into KeyInfo → accepted only on the pinned key (Alice)', async () => {
    const { identity } = await acceptsSp({
      tamper: (doc) => {
        const cert = first(signatureOf(assertion(doc)), DSIG, 'X509Certificate');
        setText(cert, k.attacker.certPem.replace(/-----[^-]+-----|\s/g, ''));
      },
    });
    expect(identity.email).toBe(PEOPLE.alice.nameId);
  });

  it('S13 a valid signature by a retired certificate (no longer configured) → saml_signature_untrusted', async () => {
    await refusesSp('saml_signature_untrusted', {}, { idpCerts: [k.next.certPem] });
  });

  it('S13 rotation: with both certificates configured, either key is accepted', async () => {
    for (const key of [k.idp, k.next]) {
      const { identity, h } = await acceptsSp({ key }, { idpCerts: [k.idp.certPem, k.next.certPem] });
      expect(identity.email).toBe(PEOPLE.alice.nameId);
      if (key === k.next) expect(h.log.lines.join('\n')).toContain('later idpCerts entry');
    }
  });

  it('S14 two elements with the same ID (the assertion\'s ID on Status too) → saml_duplicate_id', async () => {
    await refusesSp('saml_duplicate_id', {
      tamper: (doc) => first(doc, SAML_NS.protocol, 'Status').setAttribute('ID', assertion(doc).getAttribute('ID')!),
    });
  });

  it('S14 two elements with the same ID in another attribute spelling (Id) → saml_duplicate_id', async () => {
    await refusesSp('saml_duplicate_id', {
      tamper: (doc) => first(doc, SAML_NS.assertion, 'Subject').setAttribute('Id', assertion(doc).getAttribute('ID')!),
    });
  });

  it('S15 quotes in the Reference URI (XPath injection) → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => first(signatureOf(assertion(doc)), DSIG, 'Reference').setAttribute('URI', `#x' or @ID='${assertion(doc).getAttribute('ID')}`),
    });
  });

  it('S16 a Reference to another element than the signature\'s parent (the Response) → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => first(signatureOf(assertion(doc)), DSIG, 'Reference').setAttribute('URI', `#${response(doc).getAttribute('ID')}`),
    });
  });

  it('S16 an empty Reference URI (the whole document) → saml_signature_invalid, saying what to change at the IdP', async () => {
    const e = await refusesSp('saml_signature_invalid', {
      tamper: (doc) => first(signatureOf(assertion(doc)), DSIG, 'Reference').setAttribute('URI', ''),
    });
    expectPolicyAdvice(e, 'Reference URI=""', 'sign the Response or the Assertion element by its ID');
  });

  it('S16 two References in SignedInfo → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const reference = first(signatureOf(assertion(doc)), DSIG, 'Reference');
        reference.parentNode!.appendChild(reference.cloneNode(true));
      },
    });
  });

  it('S17 three Transforms on the Reference → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      signOptions: { transforms: [ENVELOPED_SIGNATURE, 'http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/2001/10/xml-exc-c14n#'] },
    });
  });

  it('S18 the assertion unsigned (only the Response signed) where requireSignatureOn is assertion or both → saml_signature_missing', async () => {
    await refusesSp('saml_signature_missing', { signing: 'response' }, { requireSignatureOn: 'assertion' });
    await refusesSp('saml_signature_missing', { signing: 'response' }, { requireSignatureOn: 'both' });
  });

  it('S18 nothing signed at all → saml_signature_missing, under every requirement', async () => {
    await refusesSp('saml_signature_missing', { signing: 'none' });
  });

  it('S18 the Response unsigned where requireSignatureOn is response or both → saml_signature_missing', async () => {
    await refusesSp('saml_signature_missing', { signing: 'assertion' }, { requireSignatureOn: 'response' });
    await refusesSp('saml_signature_missing', { signing: 'assertion' }, { requireSignatureOn: 'both' });
  });

  it('the profile\'s rule by default: the Assertion signed, the Response signed (Google with "Signed response"), or both', async () => {
    for (const signing of ['assertion', 'response', 'both'] as const) {
      const { identity } = await acceptsSp({ signing }, { requireSignatureOn: 'either' });
      expect(identity.email).toBe(PEOPLE.alice.nameId);
    }
    expect(harness(k).connector.options.requireSignatureOn).toBe('either');
  });

  it('a Response signature covers the very Assertion that is read: one changed after signing is refused', async () => {
    await refusesSp('saml_signature_invalid', { signing: 'response', tamper: (doc) => setText(first(assertion(doc), SAML_NS.assertion, 'NameID'), MALLORY) });
  });

  it('S19 a signed Advice holding an assertion about Mallory never feeds the identity (Alice signs in)', async () => {
    const { identity } = await acceptsSp({
      signed: (doc) => {
        const advice = doc.createElementNS(SAML_NS.assertion, 'saml2:Advice');
        advice.appendChild(evilCopy(doc, MALLORY));
        const statement = first(doc, SAML_NS.assertion, 'AttributeStatement');
        assertion(doc).insertBefore(advice, statement);
      },
    });
    expect(identity.email).toBe(PEOPLE.alice.nameId);
    expect(identity.subject).toBe(PEOPLE.alice.nameId);
  });

  it('S19 an Advice assertion about Mallory added after signing → saml_signature_invalid', async () => {
    await refusesSp('saml_signature_invalid', {
      tamper: (doc) => {
        const advice = doc.createElementNS(SAML_NS.assertion, 'saml2:Advice');
        advice.appendChild(evilCopy(doc, MALLORY));
        assertion(doc).insertBefore(advice, first(doc, SAML_NS.assertion, 'AttributeStatement'));
      },
    });
  });
});

describe('values, XML and algorithms (S20–S22)', () => {
  /** Puts an empty comment into `el`'s text after `before` characters, keeping the text (and the digest). */
  const injectComment = (el: Element, before: number) => {
    const value = el.textContent ?? '';
    setText(el, value.slice(0, before));
    el.appendChild(el.ownerDocument!.createComment(''));
    el.appendChild(el.ownerDocument!.createTextNode(value.slice(before)));
  };

  it('S20 comment injection in the NameID (alice@corp.example<!---->.evil.example): the identity is the whole text', async () => {
    const signedAs = 'alice@corp.example.evil.example';
    const { identity } = await acceptsSp({
      spec: { nameId: signedAs },
      tamper: (doc) => injectComment(first(doc, SAML_NS.assertion, 'NameID'), 'alice@corp.example'.length),
    });
    expect(identity.email).toBe(signedAs);
    expect(identity.subject).toBe(signedAs);
  });

  it('S20 comment injection in the NameID with allowedDomains [corp.example] → saml_domain_not_allowed (403)', async () => {
    await refusesSp('saml_domain_not_allowed', {
      spec: { nameId: 'alice@corp.example.evil.example' },
      tamper: (doc) => injectComment(first(doc, SAML_NS.assertion, 'NameID'), 'alice@corp.example'.length),
    }, { allowedDomains: ['corp.example'] }, CONSUMES_REQUEST);
  });

  it('S20 comment injection in a group value: the group is the whole text', async () => {
    const { identity } = await acceptsSp({
      spec: { attributes: { groups: ['aws-admins@corp.example.evil'] } },
      tamper: (doc) => injectComment(all(doc, SAML_NS.assertion, 'AttributeValue')[0]!, 'aws-admins@corp.example'.length),
    });
    expect(identity.groups).toEqual(['aws-admins@corp.example.evil']);
  });

  const withDoctype = (doctype: string, nameIdText?: string) => (xml: string) => {
    let out = xml.replace('?>', `?>${doctype}`);
    if (nameIdText) out = out.replace(`>${PEOPLE.alice.nameId}<`, `>${nameIdText}<`);
    return out;
  };

  it('S21 a DOCTYPE with an internal entity used in the NameID → saml_xml_forbidden (400)', async () => {
    await refusesSp('saml_xml_forbidden', { tamperText: withDoctype('<!DOCTYPE r [<!ENTITY who "mallory">]>', '&who;@corp.example') });
  });

  it('S21 an external entity (file:///etc/passwd) → saml_xml_forbidden (400)', async () => {
    await refusesSp('saml_xml_forbidden', { tamperText: withDoctype('<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '&xxe;') });
  });

  it('S21 entity expansion (billion laughs) → saml_xml_forbidden (400)', async () => {
    const lol = '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>';
    await refusesSp('saml_xml_forbidden', { tamperText: withDoctype(lol, '&d;') });
  });

  it('S21 the DOCTYPE is refused before the parser runs: even in a document that would not parse → saml_xml_forbidden', async () => {
    await refusesSp('saml_xml_forbidden', { tamperText: (x) => withDoctype('<!DOCTYPE r SYSTEM "http://evil.example/r.dtd">')(x).replace('</saml2p:Response>', '') });
  });

  it('S22 signed with rsa-sha1 → saml_signature_algorithm, saying what to change at the IdP', async () => {
    const e = await refusesSp('saml_signature_algorithm', { signOptions: { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' } });
    expectPolicyAdvice(e, 'SHA-1', 'Secure hash algorithm SHA-256');
  });

  it('S22 a sha1 digest → saml_signature_algorithm, saying what to change at the IdP', async () => {
    const e = await refusesSp('saml_signature_algorithm', { signOptions: { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' } });
    expectPolicyAdvice(e, 'SHA-1', 'RSA-SHA256');
  });

  it('S22 hmac-sha1 keyed with the IdP\'s public certificate (key confusion) → saml_signature_algorithm', async () => {
    // The HMAC signature sits on the Assertion: the requirements an Assertion signature satisfies.
    for (const requireSignatureOn of ['either', 'assertion'] as const) {
      await refusesSp('saml_signature_algorithm', { signing: 'none', tamperText: (xml) => hmacSignAssertion(xml, k.idp.certPem) }, { requireSignatureOn });
    }
  });

  it('S22 canonicalization with comments → saml_signature_algorithm', async () => {
    await refusesSp('saml_signature_algorithm', { signOptions: { canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments' } });
  });

  it('S22 rsa-sha512 when the allow-list is narrowed to rsa-sha256 → saml_signature_algorithm', async () => {
    await refusesSp('saml_signature_algorithm', {
      signOptions: { signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha512' },
    }, { signatureAlgorithms: ['rsa-sha256'] });
  });

  it('S22 the default allow-list accepts rsa-sha256/384/512 with sha256/384/512 digests', async () => {
    for (const bits of ['256', '384', '512']) {
      const digest = bits === '384' ? 'http://www.w3.org/2001/04/xmldsig-more#sha384' : `http://www.w3.org/2001/04/xmlenc#sha${bits}`;
      const { identity } = await acceptsSp({ signOptions: { signatureAlgorithm: `http://www.w3.org/2001/04/xmldsig-more#rsa-sha${bits}`, digestAlgorithm: digest } });
      expect(identity.email).toBe(PEOPLE.alice.nameId);
    }
  });
});

describe('time, audience, destination, issuer (S23–S26)', () => {
  it('S23 NotBefore in the future beyond the skew → saml_not_yet_valid', async () => {
    await refusesSp('saml_not_yet_valid', { spec: { now: new Date(NOW.getTime() + 121_000) } }, {}, CONSUMES_REQUEST);
  });

  it('S23 expired (NotOnOrAfter + skew passed) → saml_expired', async () => {
    const h = harness(k);
    const s = await start(h);
    const r = answer(k, s);
    h.clock.advance(300_000 + 120_000);
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_expired', CONSUMES_REQUEST);
  });

  it('S23 too old: IssueInstant more than maxAssertionAgeSeconds + skew ago, though NotOnOrAfter is far away → saml_too_old', async () => {
    const h = harness(k);
    const s = await start(h);
    const r = answer(k, s, { spec: { lifetimeSeconds: 3600 } });
    h.clock.advance(300_000 + 120_000);
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_too_old', CONSUMES_REQUEST);
  });

  it('S23 within the skew either way the assertion is accepted (119 s early, 119 s late)', async () => {
    const early = await acceptsSp({ spec: { now: new Date(NOW.getTime() + 119_000) } });
    expect(early.identity.email).toBe(PEOPLE.alice.nameId);
    const h = harness(k);
    const s = await start(h);
    const r = answer(k, s);
    h.clock.advance(300_000 + 119_000);
    expect((await post(h, r.samlResponse, s.pending.state)).email).toBe(PEOPLE.alice.nameId);
  });

  it('S23 the skew is never off: clockSkewSeconds 0 (or outside 60–180) → saml_config_invalid', () => {
    for (const clockSkewSeconds of [0, -1, 59, 181]) {
      let err: unknown;
      try {
        harness(k, { clockSkewSeconds });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HatrackError);
      expect((err as HatrackError).code).toBe('saml_config_invalid');
      expect((err as HatrackError).detail).toMatch(/clockSkewSeconds/);
    }
  });

  it('S24 audience names another SP → saml_audience_mismatch', async () => {
    await refusesSp('saml_audience_mismatch', { spec: { audience: 'https://other-sp.example/saml' } }, {}, CONSUMES_REQUEST);
  });

  it('S24 no AudienceRestriction → saml_audience_mismatch', async () => {
    await refusesSp('saml_audience_mismatch', {
      signed: (doc) => {
        const restriction = first(doc, SAML_NS.assertion, 'AudienceRestriction');
        restriction.parentNode!.removeChild(restriction);
      },
    }, {}, CONSUMES_REQUEST);
  });

  it('S24 no Conditions at all → saml_audience_mismatch', async () => {
    await refusesSp('saml_audience_mismatch', {
      signed: (doc) => {
        const conditions = first(doc, SAML_NS.assertion, 'Conditions');
        conditions.parentNode!.removeChild(conditions);
      },
    }, {}, CONSUMES_REQUEST);
  });

  it('S24 a second AudienceRestriction that does not name us → saml_audience_mismatch', async () => {
    await refusesSp('saml_audience_mismatch', {
      signed: (doc) => {
        const restriction = first(doc, SAML_NS.assertion, 'AudienceRestriction');
        const other = restriction.cloneNode(true) as Element;
        setText(first(other, SAML_NS.assertion, 'Audience'), 'https://other-sp.example/saml');
        restriction.parentNode!.appendChild(other);
      },
    }, {}, CONSUMES_REQUEST);
  });

  it('S25 Destination is another ACS (signed Response) → saml_destination_mismatch', async () => {
    await refusesSp('saml_destination_mismatch', {
      signing: 'both',
      signed: (doc) => response(doc).setAttribute('Destination', 'https://other-sp.example/acs'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S25 a signed Response without Destination → saml_destination_mismatch, saying what to change at the IdP', async () => {
    const e = await refusesSp('saml_destination_mismatch', {
      signing: 'both',
      signed: (doc) => response(doc).removeAttribute('Destination'),
    }, {}, CONSUMES_REQUEST);
    expectPolicyAdvice(e, 'names no Destination', 'put the ACS URL in the Response\'s Destination');
  });

  it('S25 Recipient is another ACS → saml_recipient_mismatch', async () => {
    await refusesSp('saml_recipient_mismatch', {
      signed: (doc) => first(doc, SAML_NS.assertion, 'SubjectConfirmationData').setAttribute('Recipient', 'https://other-sp.example/acs'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S25 Recipient missing → saml_recipient_mismatch', async () => {
    await refusesSp('saml_recipient_mismatch', {
      signed: (doc) => first(doc, SAML_NS.assertion, 'SubjectConfirmationData').removeAttribute('Recipient'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S25 confirmation Method holder-of-key instead of bearer → saml_confirmation_method', async () => {
    await refusesSp('saml_confirmation_method', {
      signed: (doc) => first(doc, SAML_NS.assertion, 'SubjectConfirmation').setAttribute('Method', 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S26 the Assertion Issuer is not the configured IdP (though signed by its key) → saml_issuer_mismatch', async () => {
    await refusesSp('saml_issuer_mismatch', { spec: { issuer: 'https://accounts.google.com/o/saml2?idpid=C0other' } });
  });

  it('S26 the (unsigned) Response Issuer is not the configured IdP → saml_issuer_mismatch', async () => {
    await refusesSp('saml_issuer_mismatch', {
      tamper: (doc) => setText(childNamed(response(doc), SAML_NS.assertion, 'Issuer')!, 'https://evil.example/idp'),
    });
  });

  it('S26 an Issuer with a Format other than entity → saml_issuer_mismatch', async () => {
    await refusesSp('saml_issuer_mismatch', {
      signed: (doc) => childNamed(assertion(doc), SAML_NS.assertion, 'Issuer')!.setAttribute('Format', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'),
    });
  });
});

describe('InResponseTo and unsolicited responses (S27, S28)', () => {
  it('S27 InResponseTo missing although this RelayState started an SP-initiated login → saml_in_response_to_missing (even with allowIdpInitiated)', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const s = await start(h);
    const r = makeResponse(k);
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_in_response_to_missing');
  });

  it('S27 InResponseTo names a request Hatrack never made (no RelayState) → saml_in_response_to_unknown', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { spec: { inResponseTo: '_neverissued0000000000000000000000000000' } });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_in_response_to_unknown');
  });

  it('S27 InResponseTo names another login than the RelayState → saml_in_response_to_mismatch', async () => {
    const h = harness(k);
    const a = await start(h);
    const b = await start(h);
    const r = answer(k, a);
    await expectRefused(h, () => post(h, r.samlResponse, b.pending.state), 'saml_in_response_to_mismatch');
  });

  it('S27 the AuthnRequest has expired (older than maxLoginAgeMs) → saml_in_response_to_expired', async () => {
    const h = harness(k, { maxLoginAgeMs: 5 * 60_000 });
    const s = await start(h);
    h.clock.advance(5 * 60_000 + 1000);
    // A fresh response, so that only the request's age is wrong.
    const r = answer(k, s, { spec: { now: h.clock.now() } });
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_in_response_to_expired', CONSUMES_REQUEST);
  });

  it('S27 the AuthnRequest was already answered: a second assertion for it → saml_in_response_to_unknown', async () => {
    const h = harness(k);
    const s = await start(h);
    expect((await post(h, answer(k, s).samlResponse, s.pending.state)).email).toBe(PEOPLE.alice.nameId);
    await expectRefused(h, () => post(h, answer(k, s).samlResponse, s.pending.state), 'saml_in_response_to_unknown');
  });

  it('S29 C2 the same response posted again is refused as replayed before any signature work → saml_replayed', async () => {
    const h = harness(k);
    const s = await start(h);
    const r = answer(k, s);
    expect((await post(h, r.samlResponse, s.pending.state)).email).toBe(PEOPLE.alice.nameId);
    await expectRefused(h, () => post(h, r.samlResponse, s.pending.state), 'saml_replayed');
  });

  it('S27 the request key was consumed by the connector even when the pending login was replayed by a faulty HTTP layer → saml_in_response_to_unknown', async () => {
    const h = harness(k);
    const s = await start(h);
    const callback = (r: { samlResponse: string }) => ({ url: new URL(SP.acsUrl), form: new URLSearchParams({ SAMLResponse: r.samlResponse, RelayState: s.pending.state }) });
    expect((await h.connector.finishLogin({ callback: callback(answer(k, s)), pending: s.pending })).email).toBe(PEOPLE.alice.nameId);
    await expectRefused(h, () => h.connector.finishLogin({ callback: callback(answer(k, s)), pending: s.pending }), 'saml_in_response_to_unknown', CONSUMES_REQUEST);
  });

  it('S28 an unsolicited response (the tile) on a connector that does not allow it → saml_unsolicited_refused', async () => {
    const h = harness(k);
    const r = makeResponse(k);
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_unsolicited_refused');
  });

  it('S28 an unsolicited response is accepted when allowIdpInitiated', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k);
    const identity = await post(h, r.samlResponse);
    expect(identity.email).toBe(PEOPLE.alice.nameId);
    expect(h.store.written().filter((key) => key.startsWith('saml-assertion:'))).toHaveLength(1);
  });

  it('S28 unsolicited and allowed, every other check still on: wrong audience → saml_audience_mismatch', async () => {
    await refusesTile('saml_audience_mismatch', { spec: { audience: 'https://other-sp.example/saml' } });
  });

  it('S28 unsolicited and allowed, every other check still on: expired → saml_expired', async () => {
    await refusesTile('saml_expired', { spec: { now: new Date(NOW.getTime() - 300_000 - 120_000) } });
  });

  it('S28 unsolicited and allowed, every other check still on: wrong Recipient → saml_recipient_mismatch', async () => {
    await refusesTile('saml_recipient_mismatch', {
      signed: (doc) => first(doc, SAML_NS.assertion, 'SubjectConfirmationData').setAttribute('Recipient', 'https://other-sp.example/acs'),
    });
  });

  it('S28 unsolicited and allowed, every other check still on: untrusted key → saml_signature_untrusted', async () => {
    await refusesTile('saml_signature_untrusted', { key: k.attacker });
  });

  it('S28 unsolicited and allowed, a RelayState that is no pending login (Google\'s start URL) is ignored', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k);
    expect((await post(h, r.samlResponse, '/roles?x=1')).email).toBe(PEOPLE.alice.nameId);
  });
});

describe('replay (S29; the concurrent race against Redis is in replay-redis.test.ts)', () => {
  it('S29 the same unsolicited assertion posted twice, one after the other → the second gets saml_replayed', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k);
    expect((await post(h, r.samlResponse)).email).toBe(PEOPLE.alice.nameId);
    const replayKeys = h.store.written().filter((key) => key.startsWith('saml-assertion:'));
    expect(replayKeys).toHaveLength(1);
    // The key lives as long as the assertion could be accepted: NotOnOrAfter (300 s) + skew (120 s).
    const e = await expectRefused(h, () => post(h, r.samlResponse), 'saml_replayed', [{ op: 'setIfAbsent', key: /^saml-assertion:/ }]);
    expect(e.status).toBe(401);
  });

  it('S29 the replay key outlives the assertion: still refused just before NotOnOrAfter + skew', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k);
    await post(h, r.samlResponse);
    h.clock.advance(300_000 + 119_000);
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_replayed', [{ op: 'setIfAbsent', key: /^saml-assertion:/ }]);
    h.clock.advance(2000);
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_expired');
  });

  it('S29 a forged response never writes a replay key (bad signature, same assertion ID)', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const genuine = makeResponse(k);
    const forged = makeResponse(k, { spec: { assertionId: genuine.assertionId }, tamper: (doc) => setText(first(doc, SAML_NS.assertion, 'NameID'), MALLORY) });
    await expectRefused(h, () => post(h, forged.samlResponse), 'saml_signature_invalid');
    // The genuine one still gets in: the forgery burnt nothing.
    expect((await post(h, genuine.samlResponse)).email).toBe(PEOPLE.alice.nameId);
  });
});

describe('conditions, encryption, status, transport (S30–S33)', () => {
  it('S30 two Conditions elements → saml_conditions_invalid', async () => {
    await refusesSp('saml_conditions_invalid', {
      signed: (doc) => {
        const conditions = first(doc, SAML_NS.assertion, 'Conditions');
        conditions.parentNode!.insertBefore(conditions.cloneNode(true), conditions);
      },
    }, {}, CONSUMES_REQUEST);
  });

  it('S30 an unknown Condition → saml_conditions_invalid', async () => {
    await refusesSp('saml_conditions_invalid', {
      signed: (doc) => {
        const condition = doc.createElementNS(SAML_NS.assertion, 'saml2:Condition');
        first(doc, SAML_NS.assertion, 'Conditions').appendChild(condition);
      },
    }, {}, CONSUMES_REQUEST);
  });

  it('S30 no SubjectConfirmation → saml_subject_confirmation_missing', async () => {
    await refusesTile('saml_subject_confirmation_missing', {
      signed: (doc) => {
        const confirmation = first(doc, SAML_NS.assertion, 'SubjectConfirmation');
        confirmation.parentNode!.removeChild(confirmation);
      },
    });
  });

  it('S30 a bearer SubjectConfirmation without SubjectConfirmationData → saml_subject_confirmation_invalid', async () => {
    await refusesTile('saml_subject_confirmation_invalid', {
      signed: (doc) => {
        const data = first(doc, SAML_NS.assertion, 'SubjectConfirmationData');
        data.parentNode!.removeChild(data);
      },
    });
  });

  it('S30 SubjectConfirmationData without NotOnOrAfter → saml_subject_confirmation_invalid', async () => {
    await refusesSp('saml_subject_confirmation_invalid', {
      signed: (doc) => first(doc, SAML_NS.assertion, 'SubjectConfirmationData').removeAttribute('NotOnOrAfter'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S30 two bearer SubjectConfirmations → saml_subject_confirmation_invalid', async () => {
    await refusesSp('saml_subject_confirmation_invalid', {
      signed: (doc) => {
        const confirmation = first(doc, SAML_NS.assertion, 'SubjectConfirmation');
        confirmation.parentNode!.appendChild(confirmation.cloneNode(true));
      },
    }, {}, CONSUMES_REQUEST);
  });

  const encryptedAssertion = (doc: Document, algorithm: string) => {
    const encrypted = doc.createElementNS(SAML_NS.assertion, 'saml2:EncryptedAssertion');
    const data = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:EncryptedData');
    const method = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:EncryptionMethod');
    method.setAttribute('Algorithm', algorithm);
    data.appendChild(method);
    const cipher = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:CipherData');
    const value = doc.createElementNS('http://www.w3.org/2001/04/xmlenc#', 'xenc:CipherValue');
    value.appendChild(doc.createTextNode(Buffer.from('ciphertext').toString('base64')));
    cipher.appendChild(value);
    data.appendChild(cipher);
    encrypted.appendChild(data);
    response(doc).replaceChild(encrypted, assertion(doc));
  };

  it('S31 an EncryptedAssertion on a connector that decrypts none (assertionEncryption: off) → saml_encrypted_assertion', async () => {
    await refusesSp('saml_encrypted_assertion', { signing: 'none', tamper: (doc) => encryptedAssertion(doc, 'http://www.w3.org/2009/xmlenc11#aes256-gcm') }, responseSigned);
  });

  it('S31 an EncryptedAssertion on a connector that decrypts none, whatever its algorithm → saml_encrypted_assertion (the algorithm lists: encrypted.test.ts)', async () => {
    await refusesSp('saml_encrypted_assertion', { signing: 'none', tamper: (doc) => encryptedAssertion(doc, 'http://www.w3.org/2001/04/xmlenc#aes128-cbc') }, responseSigned);
  });

  it('S31 an EncryptedID in place of the NameID → saml_encrypted_assertion', async () => {
    await refusesSp('saml_encrypted_assertion', {
      signed: (doc) => {
        const nameId = first(doc, SAML_NS.assertion, 'NameID');
        nameId.parentNode!.replaceChild(doc.createElementNS(SAML_NS.assertion, 'saml2:EncryptedID'), nameId);
      },
    });
  });

  it('S32 an error response (Responder/AuthnFailed, no assertion) → saml_status_not_success', async () => {
    const h = harness(k);
    const s = await start(h);
    const xml = `<saml2p:Response xmlns:saml2p="${SAML_NS.protocol}" Destination="${SP.acsUrl}" ID="_err" InResponseTo="${s.pending.data.requestId}" IssueInstant="${NOW.toISOString()}" Version="2.0">`
      + `<saml2:Issuer xmlns:saml2="${SAML_NS.assertion}">${IDP.entityId}</saml2:Issuer>`
      + '<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></saml2p:StatusCode>'
      + '<saml2p:StatusMessage>Account suspended</saml2p:StatusMessage></saml2p:Status></saml2p:Response>';
    const e = await expectRefused(h, () => post(h, encodeResponse(xml), s.pending.state), 'saml_status_not_success');
    expect(e.detail).toContain('AuthnFailed');
  });

  it('S32 a signed response with an assertion but status Requester → saml_status_not_success', async () => {
    await refusesSp('saml_status_not_success', {
      signing: 'both',
      signed: (doc) => first(doc, SAML_NS.protocol, 'StatusCode').setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:Requester'),
    }, {}, CONSUMES_REQUEST);
  });

  it('S33 junk base64 → saml_response_malformed (400)', async () => {
    const h = harness(k);
    const s = await start(h);
    for (const junk of ['%%%not-base64%%%', 'PHNhbWw+', 'A', '====', 'PD94bWwg dmVyc2lvbj0iMS4wIj8+']) {
      const e = await expectRefused(h, () => post(h, junk, s.pending.state), 'saml_response_malformed');
      expect(e.status).toBe(400);
    }
  });

  it('S33 malformed XML → saml_response_malformed (400)', async () => {
    await refusesSp('saml_response_malformed', { tamperText: (x) => x.slice(0, x.length - 40) });
  });

  it('S33 not UTF-8 → saml_response_malformed (400)', async () => {
    const h = harness(k);
    const e = await expectRefused(h, () => post(h, Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e, 0x00]).toString('base64')), 'saml_response_malformed');
    expect(e.status).toBe(400);
  });

  it('S33 a body over maxResponseBytes → saml_response_too_large (413), before decoding', async () => {
    await refusesSp('saml_response_too_large', {
      spec: { attributes: { groups: Array.from({ length: 400 }, (_, i) => `group-${i}@corp.example`) } },
    }, { maxResponseBytes: 16_384 });
  });

  it('S33 no SAMLResponse field, or two → saml_response_missing (400)', async () => {
    const h = harness(k);
    const r = makeResponse(k);
    const callback = (f: URLSearchParams) => ({ url: new URL(SP.acsUrl), form: f });
    await expectRefused(h, () => h.connector.finishLogin({ callback: callback(new URLSearchParams()), pending: undefined }), 'saml_response_missing');
    await expectRefused(h, () => h.connector.finishLogin({ callback: { url: new URL(SP.acsUrl) }, pending: undefined }), 'saml_response_missing');
    const twice = new URLSearchParams([['SAMLResponse', r.samlResponse], ['SAMLResponse', r.samlResponse]]);
    await expectRefused(h, () => h.connector.finishLogin({ callback: callback(twice), pending: undefined }), 'saml_response_missing');
  });

  it('S33 not a Response at all (an AuthnRequest posted back) → saml_response_malformed (400)', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const xml = `<samlp:AuthnRequest xmlns:samlp="${SAML_NS.protocol}" ID="_r" Version="2.0" IssueInstant="${NOW.toISOString()}"/>`;
    await expectRefused(h, () => post(h, encodeResponse(xml)), 'saml_response_malformed');
  });
});

describe('logs (W12)', () => {
  it('W12 the connector\'s log lines never carry a response, an assertion or a NameID', async () => {
    const h = harness(k, { idpCerts: [k.idp.certPem, k.next.certPem], allowIdpInitiated: true });
    const responses = [makeResponse(k, { key: k.next }), makeResponse(k, { key: k.attacker })];
    await post(h, responses[0]!.samlResponse);
    await post(h, responses[1]!.samlResponse).catch(() => undefined);
    expect(h.log.lines.length).toBeGreaterThan(0);
    const text = h.log.lines.join('\n');
    for (const r of responses) {
      expect(text).not.toContain(r.samlResponse.slice(0, 40));
      expect(text).not.toContain(r.assertionId);
    }
    expect(text).not.toContain(PEOPLE.alice.nameId);
    expect(text).not.toMatch(/SignatureValue|X509Certificate|<saml/);
  });
});
