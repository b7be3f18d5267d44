// The assertion and SignedInfo are written in their exclusive-canonical form and signed as
// written (xml-signature.ts). Here an independent canonicaliser (xml-crypto's exc-c14n over the
// parsed document) must produce exactly the bytes Hatrack digested and signed, for values of every
// awkward kind XML can carry — markup, `]]>`, `<!--`, quotes, astral characters, tabs and line
// feeds in attributes — and every such response verifies with xml-crypto and with xmlsec1.
// A value XML cannot carry unchanged (line separators, CR in text, C0 controls) is refused instead.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { mintAwsResponse, type IdpSettings, type SessionTag } from '../../../src/aws/mint.ts';
import { createKeySigner } from '../../../src/aws/signer.ts';
import { DSIG_NS } from '../../../src/aws/xml-signature.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { NOW, grant, identity, only, parseXml, signingPair, xmlCryptoVerifies, xmlsec1Verify } from './support.ts';

const A = 'urn:oasis:names:tc:SAML:2.0:assertion';
let certPem: string;
let base: IdpSettings;
beforeAll(async () => {
  const pair = await signingPair();
  certPem = pair.certPem;
  base = { entityId: 'https://hatrack.example.com/saml/metadata', signer: createKeySigner({ current: pair }), recipient: 'https://signin.aws.amazon.com/saml', audience: 'https://signin.aws.amazon.com/saml' };
});

const markup = ['a', 'é', 'e\u0301', '\u{1d51e}', '\u{1f600}', ' ', '&', '<', '>', '"', "'", ']]>', '<!--', '-->', '<![CDATA[', '&amp;', '&#x41;', '=', '/', '\u00a0', '\ufeff'];
const inAttributes = [...markup, '\t', '\n', '\r'];
const inText = [...markup, '\t', '\n'];
const made = (pieces: string[], min: number) => fc.array(fc.constantFrom(...pieces), { minLength: min, maxLength: 10 }).map((xs) => xs.join(''));
// Session tags have AWS's own charset (mint.ts): letters (astral ones too), spaces, digits, `_.:/=+-@`.
const tagValue = fc.array(fc.constantFrom('a', 'é', '\u{1d51e}', ' ', '\u00a0', '_', '.', ':', '/', '=', '+', '-', '@', '7'), { maxLength: 12 }).map((xs) => xs.join(''));

function between(xml: string, open: string, close: string): string {
  const start = xml.indexOf(open);
  const end = xml.indexOf(close, start);
  expect(start, open).toBeGreaterThanOrEqual(0);
  expect(end, close).toBeGreaterThan(start);
  return xml.slice(start, end + close.length);
}

/** What Hatrack digested (the Assertion as written, without its Signature) and what it signed. */
function asWritten(xml: string): { assertion: string; signedInfo: string } {
  const signature = between(xml, '<ds:Signature ', '</ds:Signature>');
  return {
    assertion: between(xml, '<saml:Assertion ', '</saml:Assertion>').replace(signature, ''),
    signedInfo: between(xml, '<ds:SignedInfo>', '</ds:SignedInfo>').replace('<ds:SignedInfo>', `<ds:SignedInfo xmlns:ds="${DSIG_NS}">`),
  };
}

/** The same two, as xml-crypto's exclusive canonicaliser reads them from the parsed document. */
function asCanonicalised(xml: string): { assertion: string; signedInfo: string } {
  const c14n = new ExclusiveCanonicalization();
  const signedInfo = c14n.process(only(parseXml(xml), DSIG_NS, 'SignedInfo') as never, {});
  const assertion = only(parseXml(xml), A, 'Assertion');
  assertion.removeChild(only(assertion, DSIG_NS, 'Signature')); // the enveloped-signature transform
  return { assertion: c14n.process(assertion as never, {}), signedInfo };
}

const verifiedByXmlCrypto = (xml: string) => xmlCryptoVerifies(xml, certPem);
const verifiedByXmlsec1 = (xml: string) => xmlsec1Verify(xml, certPem).status === 0;

describe('the minted assertion is written in its exclusive-canonical form', () => {
  it('for awkward values in every place a value lands, xml-crypto canonicalises exactly what was digested and signed', () => {
    let checkedWithXmlsec1 = 0;
    fc.assert(fc.property(
      fc.record({ issuer: made(inText, 1), audience: made(inText, 1), recipient: made(inAttributes, 1), local: made(['a', 'é', '\u{1d51e}', '+', '.', "'"], 1) }),
      fc.uniqueArray(fc.tuple(fc.constantFrom('team', 'Cost Center', 'proj:x', '\u00e9quipe', '\u{1d51e}'), tagValue, fc.boolean()), { maxLength: 3, selector: ([k]) => k.toLowerCase() }),
      ({ issuer, audience, recipient, local }, tagSpecs) => {
        const tags: SessionTag[] = tagSpecs.map(([key, value, transitive]) => ({ key, value, transitive }));
        const xml = mintAwsResponse(identity({ email: `${local}@corp.example` }), grant(), { ...base, entityId: issuer, audience, recipient }, NOW, { sessionTags: tags });
        expect(asCanonicalised(xml)).toEqual(asWritten(xml));
        expect(verifiedByXmlCrypto(xml)).toBe(true);
        // xmlsec1 (libxml2's canonicaliser) is a process per check: the first 25 cases.
        if (checkedWithXmlsec1 < 25) {
          checkedWithXmlsec1++;
          expect(verifiedByXmlsec1(xml)).toBe(true);
        }
      },
    ), { numRuns: 150, seed: 14 });
    expect(checkedWithXmlsec1).toBe(25);
  });

  it('the digest covers the values: an attribute value changed after signing fails both verifiers', () => {
    const xml = mintAwsResponse(identity(), grant(), { ...base, entityId: 'x]]><!--"\u{1d51e}' }, NOW);
    const tampered = xml.replace(':role/ops/Admin,', ':role/ops/Admins,');
    expect(tampered).not.toBe(xml);
    expect(verifiedByXmlCrypto(tampered)).toBe(false);
    expect(verifiedByXmlsec1(tampered)).toBe(false);
  });

  it('a value XML would change on the way (CR in text, line and paragraph separators, C0 controls) is refused, never signed', () => {
    for (const bad of ['a\rb', 'a\u2028b', 'a\u2029b', 'a\u0085b', 'a\u0001b', '\ud800']) {
      for (const settings of [{ entityId: bad }, { audience: bad }]) {
        let code = 'none';
        try { mintAwsResponse(identity(), grant(), { ...base, ...settings }, NOW); } catch (e) { code = isHatrackError(e) ? e.code : String(e); }
        expect(code, JSON.stringify(settings)).toBe('xml_invalid_character');
      }
    }
  });
});
