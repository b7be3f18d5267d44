// The minted SAML response against every row of AWS.md §1 (W8, W9, W10), and its signature
// against both verifiers AWS.md names: xml-crypto and the xmlsec1 binary.
import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import type { Element } from '@xmldom/xmldom';
import { encodeForSts, mintAwsResponse, mintForAws, nameIdFor, type IdpSettings, type SessionTag } from '../../../src/aws/mint.ts';
import { createKeySigner, type Signer } from '../../../src/aws/signer.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { NOW, childElements, elements, grant, identity, only, otherSigningPair, parseXml, signingPair, xmlsec1Verify as verifyWithXmlsec1 } from './support.ts';

const P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const RECIPIENT = 'https://eu-west-1.signin.aws.amazon.com/saml';
const AUDIENCE = 'https://signin.aws.amazon.com/saml';
const ENTITY = 'https://hatrack.example.com/saml/metadata';

let signer: Signer;
let certPem: string;

beforeAll(async () => {
  const pair = await signingPair();
  certPem = pair.certPem;
  signer = createKeySigner({ current: pair });
});

function idp(overrides: Partial<IdpSettings> = {}): IdpSettings {
  return { entityId: ENTITY, signer, recipient: RECIPIENT, audience: AUDIENCE, ...overrides };
}

function attributeValues(doc: ReturnType<typeof parseXml>, name: string): string[] {
  const attrs = elements(doc, A, 'Attribute').filter((a) => a.getAttribute('Name') === name);
  if (attrs.length === 0) return [];
  expect(attrs).toHaveLength(1);
  return elements(attrs[0]!, A, 'AttributeValue').map((v) => v.textContent ?? '');
}

function mintCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isHatrackError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a HatrackError');
}

const xmlsec1Verify = (xml: string, cert = certPem) => verifyWithXmlsec1(xml, cert);

describe('mintAwsResponse: the response envelope', () => {
  it('is one samlp:Response, Version 2.0, IssueInstant now, Destination the recipient, Status Success', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const root = doc.documentElement!;
    expect(root.namespaceURI).toBe(P);
    expect(root.localName).toBe('Response');
    expect(root.getAttribute('Version')).toBe('2.0');
    expect(root.getAttribute('IssueInstant')).toBe('2025-03-04T05:06:07Z');
    expect(root.getAttribute('Destination')).toBe(RECIPIENT);
    expect(root.getAttribute('ID')).toMatch(/^[A-Za-z_][\w.-]*$/);
    const status = only(doc, P, 'StatusCode');
    expect(status.getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
  });

  it('carries the entity ID as Issuer of both the response and the assertion', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const issuers = elements(doc, A, 'Issuer');
    expect(issuers).toHaveLength(2);
    expect(issuers.map((i) => i.textContent)).toEqual([ENTITY, ENTITY]);
    expect((issuers[0]!.parentNode as Element).localName).toBe('Response');
    expect((issuers[1]!.parentNode as Element).localName).toBe('Assertion');
  });

  it('contains exactly one saml:Assertion, Version 2.0, issued now', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const assertion = only(doc, A, 'Assertion');
    expect(assertion.getAttribute('Version')).toBe('2.0');
    expect(assertion.getAttribute('IssueInstant')).toBe('2025-03-04T05:06:07Z');
  });

  it('gives every response, assertion and session index a fresh ID that starts with a letter or underscore', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
      const found = [
        doc.documentElement!.getAttribute('ID')!,
        only(doc, A, 'Assertion').getAttribute('ID')!,
        only(doc, A, 'AuthnStatement').getAttribute('SessionIndex')!,
      ];
      for (const id of found) {
        expect(id).toMatch(/^[A-Za-z_][\w.-]*$/);
        ids.add(id);
      }
    }
    expect(ids.size).toBe(9);
  });

  it('is the same document for the same now, apart from its random IDs and the signature over them', () => {
    const normalise = (xml: string) => xml
      .replace(/(ID|SessionIndex)="_[0-9a-f]+"/g, '$1="X"')
      .replace(/URI="#_[0-9a-f]+"/g, 'URI="#X"')
      .replace(/<ds:DigestValue>[^<]*</g, '<ds:DigestValue><')
      .replace(/<ds:SignatureValue>[^<]*</g, '<ds:SignatureValue><');
    const a = mintAwsResponse(identity(), grant(), idp(), NOW);
    const b = mintAwsResponse(identity(), grant(), idp(), new Date(NOW));
    expect(a).not.toBe(b);
    expect(normalise(a)).toBe(normalise(b));
  });
});

describe('mintAwsResponse: subject', () => {
  it('uses a persistent NameID that is a stable hash of connector and subject, never the email', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const nameId = only(doc, A, 'NameID');
    expect(nameId.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(nameId.textContent).toBe(nameIdFor(identity()));
    expect(nameId.textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(nameId.textContent).not.toContain('alice');
    const again = parseXml(mintAwsResponse(identity({ email: 'alice.renamed@corp.example' }), grant(), idp(), NOW));
    expect(only(again, A, 'NameID').textContent).toBe(nameId.textContent);
    expect(nameIdFor({ connector: 'okta', subject: identity().subject })).not.toBe(nameId.textContent);
  });

  it('has exactly one SubjectConfirmation, Method bearer, with NotOnOrAfter and Recipient', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const confirmations = elements(doc, A, 'SubjectConfirmation');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]!.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = only(confirmations[0]!, A, 'SubjectConfirmationData');
    expect(data.getAttribute('NotOnOrAfter')).toBe('2025-03-04T05:11:07Z');
    expect(data.getAttribute('Recipient')).toBe(RECIPIENT);
  });
});

describe('mintAwsResponse: conditions and authentication', () => {
  it('is valid from now minus 60 s skew until now plus the 300 s default lifetime, for the audience', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const conditions = only(doc, A, 'Conditions');
    expect(conditions.getAttribute('NotBefore')).toBe('2025-03-04T05:05:07Z');
    expect(conditions.getAttribute('NotOnOrAfter')).toBe('2025-03-04T05:11:07Z');
    const audiences = elements(only(conditions, A, 'AudienceRestriction'), A, 'Audience');
    expect(audiences.map((a) => a.textContent)).toEqual([AUDIENCE]);
  });

  it('honours a configured lifetime and skew', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp({ lifetimeSeconds: 120, skewSeconds: 30 }), NOW));
    const conditions = only(doc, A, 'Conditions');
    expect(conditions.getAttribute('NotBefore')).toBe('2025-03-04T05:05:37Z');
    expect(conditions.getAttribute('NotOnOrAfter')).toBe('2025-03-04T05:08:07Z');
    expect(only(doc, A, 'SubjectConfirmationData').getAttribute('NotOnOrAfter')).toBe('2025-03-04T05:08:07Z');
  });

  it('rejects a lifetime over an hour', () => {
    expect(mintCode(() => mintAwsResponse(identity(), grant(), idp({ lifetimeSeconds: 7200 }), NOW))).toBe('mint_invalid_settings');
  });

  it('sets AuthnInstant to the upstream auth time, or now when unknown or in the future', () => {
    const withTime = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    expect(only(withTime, A, 'AuthnStatement').getAttribute('AuthnInstant')).toBe('2025-03-04T05:00:00Z');
    const without = parseXml(mintAwsResponse(identity({ authTime: undefined }), grant(), idp(), NOW));
    expect(only(without, A, 'AuthnStatement').getAttribute('AuthnInstant')).toBe('2025-03-04T05:06:07Z');
    const future = parseXml(mintAwsResponse(identity({ authTime: new Date('2030-01-01T00:00:00Z') }), grant(), idp(), NOW));
    expect(only(future, A, 'AuthnStatement').getAttribute('AuthnInstant')).toBe('2025-03-04T05:06:07Z');
    expect(only(withTime, A, 'AuthnStatement').getAttribute('SessionIndex')).toMatch(/^_[0-9a-f]+$/);
  });
});

describe('mintAwsResponse: AWS attributes', () => {
  it('sends one Role value, role ARN first and provider ARN second (W8)', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    expect(attributeValues(doc, `${ATTR}Role`)).toEqual([
      'arn:aws:iam::111111111111:role/ops/Admin,arn:aws:iam::111111111111:saml-provider/hatrack',
    ]);
    const role = elements(doc, A, 'Attribute').find((a) => a.getAttribute('Name') === `${ATTR}Role`)!;
    expect(role.getAttribute('NameFormat')).toBe('urn:oasis:names:tc:SAML:2.0:attrname-format:uri');
  });

  it('sends RoleSessionName and SourceIdentity from the email, in AWS charset (W9)', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    expect(attributeValues(doc, `${ATTR}RoleSessionName`)).toEqual(['alice@corp.example']);
    expect(attributeValues(doc, `${ATTR}SourceIdentity`)).toEqual(['alice@corp.example']);
  });

  it('sanitises a RoleSessionName and SourceIdentity from an email outside the charset', () => {
    const doc = parseXml(mintAwsResponse(identity({ email: 'jörg müller@corp.example' }), grant(), idp(), NOW));
    const [name] = attributeValues(doc, `${ATTR}RoleSessionName`);
    expect(name).toMatch(/^[A-Za-z0-9_+=,.@-]{2,64}$/);
    expect(name!.startsWith('j-rg-m-ller@corp.example-')).toBe(true);
    expect(attributeValues(doc, `${ATTR}SourceIdentity`)).toEqual([name]);
  });

  it('leaves SourceIdentity out when the installation turns it off', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp({ sendSourceIdentity: false }), NOW));
    expect(attributeValues(doc, `${ATTR}SourceIdentity`)).toEqual([]);
    expect(attributeValues(doc, `${ATTR}RoleSessionName`)).toEqual(['alice@corp.example']);
  });

  it('sends SessionDuration from the grant', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant({ sessionDuration: 28800 }), idp(), NOW));
    expect(attributeValues(doc, `${ATTR}SessionDuration`)).toEqual(['28800']);
  });

  it.each([899, 43201, 3600.5, Number.NaN])('rejects SessionDuration %s before signing', (seconds) => {
    expect(mintCode(() => mintAwsResponse(identity(), grant({ sessionDuration: seconds }), idp(), NOW))).toBe('mint_invalid_session_duration');
  });

  it('sends no session tag attributes when there are no tags', () => {
    const xml = mintAwsResponse(identity(), grant(), idp(), NOW);
    expect(xml).not.toContain('PrincipalTag');
    expect(xml).not.toContain('TransitiveTagKeys');
  });

  it('sends PrincipalTag:{Key} per tag and TransitiveTagKeys for the transitive ones', () => {
    const tags: SessionTag[] = [
      { key: 'team', value: 'platform', transitive: true },
      { key: 'cost-center', value: '4711' },
      { key: 'project', value: '', transitive: true },
    ];
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW, { sessionTags: tags }));
    expect(attributeValues(doc, `${ATTR}PrincipalTag:team`)).toEqual(['platform']);
    expect(attributeValues(doc, `${ATTR}PrincipalTag:cost-center`)).toEqual(['4711']);
    expect(attributeValues(doc, `${ATTR}PrincipalTag:project`)).toEqual(['']);
    expect(attributeValues(doc, `${ATTR}TransitiveTagKeys`)).toEqual(['team', 'project']);
  });

  it('accepts the AWS maxima: 50 tags, 128-character keys, 256-character values', () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({ key: `k${String(i).padStart(2, '0')}${'k'.repeat(125)}`, value: 'v'.repeat(256) }));
    expect(tags[0]!.key).toHaveLength(128);
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW, { sessionTags: tags }));
    expect(elements(doc, A, 'Attribute').filter((a) => a.getAttribute('Name')!.includes('PrincipalTag:'))).toHaveLength(50);
  });

  it.each<[string, SessionTag[]]>([
    ['51 tags', Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }))],
    ['a 129-character key', [{ key: 'k'.repeat(129), value: 'v' }]],
    ['a 257-character value', [{ key: 'k', value: 'v'.repeat(257) }]],
    ['an empty key', [{ key: '', value: 'v' }]],
    ['a key with a character AWS forbids', [{ key: 'a<b', value: 'v' }]],
    ['a value with a character AWS forbids', [{ key: 'k', value: 'x&y' }]],
    ['the reserved aws: prefix', [{ key: 'AWS:team', value: 'v' }]],
    ['keys that differ only in case', [{ key: 'Team', value: 'a' }, { key: 'team', value: 'b' }]],
  ])('rejects session tags with %s before signing', (_, tags) => {
    let signed = 0;
    const counting: Signer = { certificates: signer.certificates, signRsaSha256: (x) => { signed++; return signer.signRsaSha256(x); } };
    expect(mintCode(() => mintAwsResponse(identity(), grant(), idp({ signer: counting }), NOW, { sessionTags: tags }))).toBe('mint_invalid_session_tags');
    expect(signed).toBe(0);
  });
});

describe('mintAwsResponse: ARNs are checked before signing (W8)', () => {
  it.each([
    ['a role ARN with an injected second ARN', { roleArn: 'arn:aws:iam::111111111111:role/A,arn:aws:iam::222222222222:role/B' }],
    ['a role ARN with a wildcard', { roleArn: 'arn:aws:iam::111111111111:role/*' }],
    ['a role ARN in an unknown partition', { roleArn: 'arn:aws-evil:iam::111111111111:role/Admin' }],
    ['a provider ARN that is a role', { providerArn: 'arn:aws:iam::111111111111:role/hatrack' }],
    ['a provider ARN with a comma', { providerArn: 'arn:aws:iam::111111111111:saml-provider/a,b' }],
    ['a provider in another account', { providerArn: 'arn:aws:iam::222222222222:saml-provider/hatrack' }],
    ['a grant whose account differs from the role', { accountId: '222222222222' }],
    ['a provider in another partition', { providerArn: 'arn:aws-cn:iam::111111111111:saml-provider/hatrack' }],
  ])('rejects %s and never calls the signer', (_, overrides) => {
    let signed = 0;
    const counting: Signer = { certificates: signer.certificates, signRsaSha256: (x) => { signed++; return signer.signRsaSha256(x); } };
    expect(mintCode(() => mintAwsResponse(identity(), grant(overrides), idp({ signer: counting }), NOW))).toBe('mint_invalid_role');
    expect(signed).toBe(0);
  });

  it('rejects an identity without an email before signing', () => {
    expect(mintCode(() => mintAwsResponse(identity({ email: '' }), grant(), idp(), NOW))).toBe('empty_session_name');
  });
});

describe('mintAwsResponse: XML escaping', () => {
  it('escapes XML-special characters in the entity ID, recipient and email, and parses back to the same text', () => {
    const entityId = 'https://hatrack.example.com/saml?x=1&y=<2>&z="3"\'';
    const recipient = 'https://signin.aws.amazon.com/saml?a=1&b="2"';
    const email = 'o\'brien+"<b>&amp;"@corp.example';
    const xml = mintAwsResponse(identity({ email, name: '<script>alert(1)</script> & "co"' }), grant(), idp({ entityId, recipient }), NOW);
    expect(xml).not.toContain('<b>');
    expect(xml).not.toContain('<2>');
    expect(xml).not.toContain('<script>');
    const doc = parseXml(xml);
    expect(elements(doc, A, 'Issuer').map((i) => i.textContent)).toEqual([entityId, entityId]);
    expect(doc.documentElement!.getAttribute('Destination')).toBe(recipient);
    expect(only(doc, A, 'SubjectConfirmationData').getAttribute('Recipient')).toBe(recipient);
    const [name] = attributeValues(doc, `${ATTR}RoleSessionName`);
    expect(name).toMatch(/^[A-Za-z0-9_+=,.@-]{2,64}$/);
    expect(xmlsec1Verify(xml).status).toBe(0);
  });

  it('refuses text with characters XML cannot carry', () => {
    expect(mintCode(() => mintAwsResponse(identity(), grant(), idp({ entityId: 'https://h.example/\u0001' }), NOW))).toBe('xml_invalid_character');
  });
});

describe('mintAwsResponse: signature', () => {
  it('places the Signature right after the Assertion Issuer, with RSA-SHA256, exclusive c14n, enveloped transform and SHA-256 digest', () => {
    const doc = parseXml(mintAwsResponse(identity(), grant(), idp(), NOW));
    const assertion = only(doc, A, 'Assertion');
    const children = childElements(assertion);
    expect(children.map((c) => c.localName)).toEqual(['Issuer', 'Signature', 'Subject', 'Conditions', 'AuthnStatement', 'AttributeStatement']);
    const signature = children[1]!;
    expect(signature.namespaceURI).toBe(DS);
    expect(elements(doc, DS, 'Signature')).toHaveLength(1);
    expect(only(signature, DS, 'CanonicalizationMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
    expect(only(signature, DS, 'SignatureMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const reference = only(signature, DS, 'Reference');
    expect(reference.getAttribute('URI')).toBe(`#${assertion.getAttribute('ID')}`);
    expect(elements(reference, DS, 'Transform').map((t) => t.getAttribute('Algorithm'))).toEqual([
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ]);
    expect(only(reference, DS, 'DigestMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    const x509 = only(signature, DS, 'X509Certificate').textContent!.replace(/\s+/g, '');
    expect(certPem.replace(/-----[^-]+-----|\s+/g, '')).toBe(x509);
  });

  it('verifies with xml-crypto against the configured certificate, and what is signed is the Assertion', () => {
    const xml = mintAwsResponse(identity(), grant(), idp(), NOW);
    const doc = parseXml(xml);
    const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
    sig.loadSignature(only(doc, DS, 'Signature'));
    expect(sig.checkSignature(xml)).toBe(true);
    const signed = sig.getSignedReferences();
    expect(signed).toHaveLength(1);
    const signedDoc = parseXml(signed[0]!);
    expect(signedDoc.documentElement!.localName).toBe('Assertion');
    expect(signedDoc.documentElement!.namespaceURI).toBe(A);
    expect(signedDoc.documentElement!.getAttribute('ID')).toBe(only(doc, A, 'Assertion').getAttribute('ID'));
    expect(signed[0]).toContain('arn:aws:iam::111111111111:role/ops/Admin,arn:aws:iam::111111111111:saml-provider/hatrack');
  });

  it('fails xml-crypto verification when an attribute value is changed after signing', () => {
    const xml = mintAwsResponse(identity(), grant(), idp(), NOW).replace('<saml:AttributeValue>3600<', '<saml:AttributeValue>43200<');
    const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
    sig.loadSignature(only(parseXml(xml), DS, 'Signature'));
    let verified: boolean;
    try {
      verified = sig.checkSignature(xml);
    } catch {
      verified = false;
    }
    expect(verified).toBe(false);
  });

  it('verifies with the xmlsec1 binary (exit 0)', () => {
    const r = xmlsec1Verify(mintAwsResponse(identity(), grant(), idp(), NOW, { sessionTags: [{ key: 'team', value: 'ops', transitive: true }] }));
    expect(r.output).toContain('OK');
    expect(r.status).toBe(0);
  });

  it('fails xmlsec1 verification (non-zero) when one attribute value is tampered after signing', () => {
    const xml = mintAwsResponse(identity(), grant(), idp(), NOW);
    const tampered = xml.replace('<saml:AttributeValue>alice@corp.example</saml:AttributeValue>', '<saml:AttributeValue>mallory@corp.example</saml:AttributeValue>');
    expect(tampered).not.toBe(xml);
    const r = xmlsec1Verify(tampered);
    expect(r.status).not.toBe(0);
  });

  it('fails xmlsec1 verification against a certificate that did not sign', async () => {
    const { certPem: otherCert } = await otherSigningPair();
    const r = xmlsec1Verify(mintAwsResponse(identity(), grant(), idp(), NOW), otherCert);
    expect(r.status).not.toBe(0);
  });
});

describe('mintForAws: what was signed, for the audit line', () => {
  it('names the assertion, RoleSessionName, SourceIdentity and SessionDuration exactly as they stand in the signed XML', () => {
    const g = { ...grant(), sourceIdentity: 'Alice Example (ops)' };
    const { xml, signed } = mintForAws(identity(), g, idp(), NOW);
    const doc = parseXml(xml);
    expect(signed.assertionId).toBe(elements(doc, A, 'Assertion')[0]!.getAttribute('ID'));
    expect([signed.sessionName]).toEqual(attributeValues(doc, `${ATTR}RoleSessionName`));
    expect([signed.sourceIdentity]).toEqual(attributeValues(doc, `${ATTR}SourceIdentity`));
    expect([String(signed.sessionDuration)]).toEqual(attributeValues(doc, `${ATTR}SessionDuration`));
    // Sanitised for AWS: what the audit line records is the sanitised value, not the raw one.
    expect(signed.sourceIdentity).not.toBe(g.sourceIdentity);
  });

  it('has no SourceIdentity when none is sent', () => {
    const { xml, signed } = mintForAws(identity(), grant(), idp({ sendSourceIdentity: false }), NOW);
    expect(signed).not.toHaveProperty('sourceIdentity');
    expect(attributeValues(parseXml(xml), `${ATTR}SourceIdentity`)).toEqual([]);
  });
});

describe('encodeForSts', () => {
  it('is the base64 of the UTF-8 bytes, on one line', () => {
    const xml = mintAwsResponse(identity({ email: 'zoë@corp.example' }), grant(), idp(), NOW);
    const b64 = encodeForSts(xml);
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(xml);
  });
});
