// AssumeRoleWithSAML at the stand-in: one accepted path, then one refusal per rule of AWS.md §1–2,
// each asserting the code AWS answers with. Time is frozen at NOW.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { FixedClock } from '../../../src/clock.ts';
import { createAwsStandin, type AwsStandinOptions } from '../../../src/dev/aws-standin/index.ts';
import type { RoleOptions } from '../../../src/dev/aws-standin/iam.ts';
import {
  ACCOUNT, ALG, AWS_SIGNIN, ENTITY_ID, NOW, PROVIDER_ARN, ROLE_ARN,
  assertionXml, assumeParams, b64, credentialsOf, makeKey, metadataXml, postSts, responseXml, sign,
  signedResponse, startStandin, xmlValue,
  type ResponseKnobs, type StsAnswer, type TestKey, type TestStandin,
} from './helpers.ts';

let key: TestKey;
let otherKey: TestKey;
const running: TestStandin[] = [];

beforeAll(async () => {
  [key, otherKey] = await Promise.all([makeKey('hatrack-current'), makeKey('hatrack-other')]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.standin.close()));
});

async function start(role: RoleOptions = {}, options: AwsStandinOptions = {}, extraCerts: string[] = []): Promise<TestStandin> {
  const s = await startStandin(key, { clock: new FixedClock(NOW), ...options }, role, extraCerts);
  running.push(s);
  return s;
}

/** Posts a response signed with the test key, built with `knobs`, to a fresh stand-in. */
async function assume(knobs: ResponseKnobs = {}, extra: Record<string, string> = {}, role: RoleOptions = {}): Promise<StsAnswer> {
  const { url } = await start(role);
  return postSts(url, assumeParams(signedResponse(key, knobs), extra));
}

async function assumeXml(xml: string, extra: Record<string, string> = {}): Promise<StsAnswer> {
  const { url } = await start();
  return postSts(url, assumeParams(xml, extra));
}

function expectRefused(answer: StsAnswer, code: string, status = 400): void {
  expect({ status: answer.status, code: answer.code }, answer.message).toEqual({ status, code });
}

function expectAccepted(answer: StsAnswer): void {
  expect({ status: answer.status, code: answer.code, message: answer.message }).toEqual({ status: 200, code: undefined, message: undefined });
}

describe('AssumeRoleWithSAML accepts what AWS accepts', () => {
  test('issues credentials for a valid signed assertion and answers with AWS’s XML', async () => {
    const answer = await assume();
    expectAccepted(answer);
    expect(answer.body.startsWith('<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult><Credentials><AccessKeyId>')).toBe(true);
    const creds = credentialsOf(answer.body);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(creds.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(creds.sessionToken.length).toBeGreaterThan(100);
    expect(creds.expiration).toBe('2030-06-01T13:00:00Z');
    expect(xmlValue(answer.body, 'AssumedRoleId')).toMatch(/^AROA[A-Z0-9]{17}:alice@example\.com$/);
    expect(xmlValue(answer.body, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`);
    expect(xmlValue(answer.body, 'Subject')).toBe('u-7f3a9c');
    expect(xmlValue(answer.body, 'SubjectType')).toBe('persistent');
    expect(xmlValue(answer.body, 'Issuer')).toBe(ENTITY_ID);
    expect(xmlValue(answer.body, 'Audience')).toBe(AWS_SIGNIN);
    const qualifier = createHash('sha1').update(`${ENTITY_ID}${ACCOUNT}/Hatrack`).digest('base64');
    expect(xmlValue(answer.body, 'NameQualifier')).toBe(qualifier);
    expect(xmlValue(answer.body, 'SourceIdentity')).toBeUndefined();
    expect(xmlValue(answer.body, 'RequestId')).toBe(answer.headers.get('x-amzn-requestid'));
    expect(answer.headers.get('content-type')).toBe('text/xml');
    expect(answer.headers.get('date')).toBe(NOW.toUTCString());
  });

  test('accepts the reversed provider,role order of the Role value', async () => {
    expectAccepted(await assume({ roles: [`${PROVIDER_ARN},${ROLE_ARN}`] }));
  });

  test('picks the Role value that names RoleArn among several', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/ReadOnly`;
    expectAccepted(await assume({ roles: [`${other},${PROVIDER_ARN}`, `${ROLE_ARN},${PROVIDER_ARN}`] }));
  });

  test('accepts an assertion signed with the second certificate of a provider in key rotation', async () => {
    const { url } = await start({}, {}, [otherKey.cert]);
    expectAccepted(await postSts(url, assumeParams(signedResponse(otherKey))));
  });

  test('accepts urn:amazon:webservices as the Audience', async () => {
    expectAccepted(await assume({ audiences: ['urn:amazon:webservices'] }));
  });

  test('accepts the regional sign-in endpoint as Recipient and Destination', async () => {
    const regional = 'https://us-east-1.signin.aws.amazon.com/saml';
    expectAccepted(await assume({ recipient: regional, destination: regional }));
  });

  test('accepts a Response without Destination or Issuer of its own', async () => {
    expectAccepted(await assume({ destination: null, responseIssuer: null }));
  });

  test('accepts an assertion up to 5 minutes past NotOnOrAfter (clock skew)', async () => {
    const past = new Date(NOW.getTime() - 4 * 60_000);
    expectAccepted(await assume({ conditionsNotOnOrAfter: past, confirmationNotOnOrAfter: past }));
  });

  test('accepts a Response signed as well as its Assertion', async () => {
    const xml = sign(signedResponse(key), { key, target: 'Response' });
    expectAccepted(await assumeXml(xml));
  });

  test('accepts an assertion without KeyInfo (keys come from the metadata)', async () => {
    const xml = signedResponse(key, {}, { keyInfo: false });
    expectAccepted(await assumeXml(xml));
  });

  test('returns SourceIdentity when the assertion sets one', async () => {
    const answer = await assume({ sourceIdentity: 'alice@example.com' });
    expectAccepted(answer);
    expect(xmlValue(answer.body, 'SourceIdentity')).toBe('alice@example.com');
  });

  test('accepts the Query API as a GET with the parameters in the query string', async () => {
    const { url } = await start();
    const qs = new URLSearchParams(assumeParams(signedResponse(key))).toString();
    const res = await fetch(`${url}/?${qs}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<AccessKeyId>ASIA');
  });

  test('accepts 50 session tags with transitive keys', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    expectAccepted(await assume({ tags, transitiveTagKeys: ['k0', 'K1'] }));
  });
});

describe('other partitions', () => {
  test('a GovCloud stand-in accepts its partition’s sign-in endpoint and names an aws-us-gov ARN', async () => {
    const standin = createAwsStandin({ clock: new FixedClock(NOW), region: 'us-gov-west-1' });
    const provider = `arn:aws-us-gov:iam::${ACCOUNT}:saml-provider/Hatrack`;
    const role = `arn:aws-us-gov:iam::${ACCOUNT}:role/Admin`;
    standin.registerSamlProvider(provider, metadataXml({ certs: [key.cert] }));
    standin.registerRole(role);
    const { url } = await standin.listen(0);
    running.push({ standin, url });
    const gov = 'https://signin.amazonaws-us-gov.com/saml';
    const xml = signedResponse(key, { recipient: gov, destination: gov, audiences: ['urn:amazon:webservices:govcloud'], roles: [`${role},${provider}`] });
    const answer = await postSts(url, assumeParams(xml, { RoleArn: role, PrincipalArn: provider }));
    expectAccepted(answer);
    expect(xmlValue(answer.body, 'Arn')).toBe(`arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`);
    const commercial = signedResponse(key, { roles: [`${role},${provider}`] });
    expectRefused(await postSts(url, assumeParams(commercial, { RoleArn: role, PrincipalArn: provider })), 'InvalidIdentityToken');
  });
});

describe('credential lifetime (DurationSeconds, else 3600; SessionNotOnOrAfter cuts it short)', () => {
  test('issues credentials for DurationSeconds when given', async () => {
    const answer = await assume({}, { DurationSeconds: '7200' }, { maxSessionDuration: 43200 });
    expectAccepted(answer);
    expect(credentialsOf(answer.body).expiration).toBe('2030-06-01T14:00:00Z');
  });

  test('defaults to one hour whatever the SessionDuration attribute says (it governs console sessions)', async () => {
    const answer = await assume({ sessionDuration: '28800' }, {}, { maxSessionDuration: 43200 });
    expectAccepted(answer);
    expect(credentialsOf(answer.body).expiration).toBe('2030-06-01T13:00:00Z');
  });

  test('ends the credentials at the AuthnStatement SessionNotOnOrAfter when that comes first', async () => {
    const answer = await assume({ sessionNotOnOrAfter: new Date('2030-06-01T12:30:00Z') });
    expectAccepted(answer);
    expect(credentialsOf(answer.body).expiration).toBe('2030-06-01T12:30:00Z');
  });

  test('accepts DurationSeconds of 12 hours for a role whose maximum is 12 hours', async () => {
    const answer = await assume({}, { DurationSeconds: '43200' }, { maxSessionDuration: 43200 });
    expectAccepted(answer);
    expect(credentialsOf(answer.body).expiration).toBe('2030-06-02T00:00:00Z');
  });
});

describe('§2 request parameters', () => {
  test.each(['RoleArn', 'PrincipalArn', 'SAMLAssertion'])('rejects a request without %s (ValidationError)', async (name) => {
    const { url } = await start();
    const params = assumeParams(signedResponse(key));
    delete params[name];
    expectRefused(await postSts(url, params), 'ValidationError');
  });

  test('rejects DurationSeconds below 900', async () => {
    expectRefused(await assume({}, { DurationSeconds: '899' }), 'ValidationError');
  });

  test('rejects DurationSeconds that is not a whole number', async () => {
    expectRefused(await assume({}, { DurationSeconds: '3600.5' }), 'ValidationError');
  });

  test('rejects DurationSeconds above the role’s maximum session duration', async () => {
    const answer = await assume({}, { DurationSeconds: '7200' }, { maxSessionDuration: 3600 });
    expectRefused(answer, 'ValidationError');
    expect(answer.message).toContain('MaxSessionDuration');
  });

  test('rejects a session policy that is not JSON (MalformedPolicyDocument)', async () => {
    expectRefused(await assume({}, { Policy: '{"Statement": [' }), 'MalformedPolicyDocument');
  });

  test('rejects a session policy over 2048 characters (PackedPolicyTooLarge)', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2100) }] });
    expectRefused(await assume({}, { Policy: policy }), 'PackedPolicyTooLarge');
  });

  test('rejects more than 10 managed session policies', async () => {
    const arns = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`PolicyArns.member.${i + 1}.arn`, `arn:aws:iam::aws:policy/P${i}`]));
    expectRefused(await assume({}, arns), 'ValidationError');
  });

  test('rejects a request without Action (MissingAction)', async () => {
    const { url } = await start();
    expectRefused(await postSts(url, { Version: '2011-06-15' }), 'MissingAction');
  });

  test('rejects an action STS does not have here (InvalidAction)', async () => {
    const { url } = await start();
    expectRefused(await postSts(url, { Action: 'AssumeRole', Version: '2011-06-15' }), 'InvalidAction');
  });
});

describe('§2 the SAML provider and the XML itself', () => {
  test('rejects a PrincipalArn that is not a registered SAML provider', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:saml-provider/Other`;
    const answer = await assume({ roles: [`${ROLE_ARN},${other}`] }, { PrincipalArn: other });
    expectRefused(answer, 'InvalidIdentityToken');
  });

  test('rejects an assertion that is not base64', async () => {
    const { url } = await start();
    expectRefused(await postSts(url, { ...assumeParams('<x/>'), SAMLAssertion: '<samlp:Response>…' }), 'InvalidIdentityToken');
  });

  test('rejects XML that does not parse', async () => {
    const xml = signedResponse(key).replace('</samlp:Response>', '');
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('refuses any DOCTYPE (no entity expansion)', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "alice">]>${signedResponse(key)}`;
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('DOCTYPE');
  });

  test('rejects a bare Assertion that is not wrapped in a samlp:Response', async () => {
    const xml = sign(`<wrapper>${assertionXml()}</wrapper>`, { key }).replace(/^<wrapper>|<\/wrapper>$/g, '');
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('rejects a Response whose Status is not Success (IDPRejectedClaim)', async () => {
    expectRefused(await assume({ status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }), 'IDPRejectedClaim', 403);
  });
});

describe('§1 Signature: RSA-SHA256, exclusive c14n, enveloped, over the Assertion that is read', () => {
  test('rejects an unsigned assertion', async () => {
    expectRefused(await assumeXml(responseXml()), 'InvalidIdentityToken');
  });

  test('rejects SHA-1 signatures', async () => {
    const xml = signedResponse(key, {}, { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 });
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('rsa-sha1');
  });

  test('rejects SHA-1 digests under an RSA-SHA256 signature', async () => {
    const xml = signedResponse(key, {}, { digestAlgorithm: ALG.sha1 });
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('rejects inclusive canonicalization', async () => {
    const xml = signedResponse(key, {}, { canonicalization: ALG.c14n });
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('rejects an assertion signed by a key not in the provider metadata, even with that key in KeyInfo', async () => {
    expectRefused(await assumeXml(signedResponse(otherKey)), 'InvalidIdentityToken');
  });

  test('rejects an assertion altered after signing', async () => {
    const xml = signedResponse(key).replace('alice@example.com', 'mallory@example.com');
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toBe('Response signature invalid');
  });

  test('rejects a Response whose only signature is on the Response, not the Assertion', async () => {
    expectRefused(await assumeXml(sign(responseXml(), { key, target: 'Response' })), 'InvalidIdentityToken');
  });

  test('rejects a Response signature that does not verify even when the Assertion’s does', async () => {
    const xml = sign(signedResponse(key), { key: otherKey, target: 'Response' });
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('rejects a second Assertion beside the signed one (wrapping)', async () => {
    const evil = assertionXml({ sessionName: 'mallory', roles: [`${ROLE_ARN},${PROVIDER_ARN}`] });
    const xml = signedResponse(key).replace('</samlp:Status>', `</samlp:Status>${evil}`);
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('exactly one Assertion');
  });

  test('rejects an unsigned Assertion that copies the signed one’s ID, with the signed one hidden in Extensions (wrapping)', async () => {
    const signed = signedResponse(key, { assertionId: '_good' });
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
    const evil = assertionXml({ assertionId: '_good', sessionName: 'mallory' });
    const xml = signed.replace(signedAssertion, `<samlp:Extensions>${signedAssertion}</samlp:Extensions>${evil}`);
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });

  test('rejects any other element carrying the Assertion’s ID, even under a prefixed attribute (wrapping)', async () => {
    const xml = signedResponse(key, { assertionId: '_good' }).replace(
      '<samlp:Status>',
      '<samlp:Extensions><x:Decoy xmlns:x="urn:example:x" x:ID="_good"/></samlp:Extensions><samlp:Status>',
    );
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('more than once');
  });

  test('rejects a signed Assertion moved into Extensions with the signature still valid (wrapping)', async () => {
    const signed = signedResponse(key);
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
    const xml = signed.replace(signedAssertion, `<samlp:Extensions>${signedAssertion}</samlp:Extensions>`);
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('direct child');
  });

  test('rejects a signature whose Reference is not the Assertion it sits in', async () => {
    // Sign the Response but put the signature inside the Assertion: the digest still matches
    // (enveloped removes it), yet what it covers is not the element carrying it.
    const unsigned = responseXml({ responseId: '_resp' });
    const responseSigned = sign(unsigned, { key, target: 'Response' });
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(responseSigned)![0];
    const moved = unsigned.replace(/(<saml:Assertion[^>]*><saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${signature}`);
    const answer = await assumeXml(moved);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('does not reference');
  });

  test('rejects two signatures on the Assertion', async () => {
    const once = signedResponse(key);
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(once)![0];
    expectRefused(await assumeXml(once.replace(signature, signature + signature)), 'InvalidIdentityToken');
  });

  test('rejects an encrypted assertion', async () => {
    const xml = responseXml({}, '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>');
    expectRefused(await assumeXml(xml), 'InvalidIdentityToken');
  });
});

describe('§1 Issuer', () => {
  test('rejects an Issuer that is not the entityID of the provider’s metadata', async () => {
    const answer = await assume({ issuer: 'https://evil.example.com/saml' });
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toBe('Issuer not present in specified provider');
  });

  test('rejects a Response Issuer that differs from the entityID', async () => {
    expectRefused(await assume({ responseIssuer: 'https://evil.example.com/saml' }), 'InvalidIdentityToken');
  });
});

describe('§1 Lifetime and replay', () => {
  test('rejects a replayed assertion', async () => {
    const { url } = await start();
    const xml = signedResponse(key);
    expectAccepted(await postSts(url, assumeParams(xml)));
    const again = await postSts(url, assumeParams(xml));
    expectRefused(again, 'InvalidIdentityToken');
    expect(again.message).toContain('replay');
  });

  test('rejects an assertion whose Conditions NotOnOrAfter passed more than 5 minutes ago (ExpiredTokenException)', async () => {
    const past = new Date(NOW.getTime() - 6 * 60_000);
    expectRefused(await assume({ conditionsNotOnOrAfter: past }), 'ExpiredTokenException');
  });

  test('rejects an assertion whose SubjectConfirmationData NotOnOrAfter passed (ExpiredTokenException)', async () => {
    const past = new Date(NOW.getTime() - 6 * 60_000);
    expectRefused(await assume({ confirmationNotOnOrAfter: past }), 'ExpiredTokenException');
  });

  test('rejects an assertion whose NotBefore is more than 5 minutes ahead', async () => {
    expectRefused(await assume({ conditionsNotBefore: new Date(NOW.getTime() + 6 * 60_000) }), 'InvalidIdentityToken');
  });

  test('rejects an assertion issued in the future', async () => {
    expectRefused(await assume({ issueInstant: new Date(NOW.getTime() + 10 * 60_000) }), 'InvalidIdentityToken');
  });

  test('rejects an assertion whose session (AuthnStatement SessionNotOnOrAfter) has ended (ExpiredTokenException)', async () => {
    expectRefused(await assume({ sessionNotOnOrAfter: new Date(NOW.getTime() - 1000) }), 'ExpiredTokenException');
  });

  test('rejects times that are not UTC xs:dateTime', async () => {
    const xml = sign(responseXml().replace(/NotOnOrAfter="([^"]+)"/, 'NotOnOrAfter="2030-06-01T12:05:00+01:00"'), { key });
    const answer = await assumeXml(xml);
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('UTC xs:dateTime');
  });
});

describe('§1 Audience', () => {
  test('rejects an Audience other than the AWS sign-in endpoint', async () => {
    expectRefused(await assume({ audiences: ['https://hatrack.example.com'] }), 'InvalidIdentityToken');
  });

  test('rejects an assertion without AudienceRestriction', async () => {
    expectRefused(await assume({ audiences: null }), 'InvalidIdentityToken');
  });
});

describe('§1 Subject, Recipient and Destination', () => {
  test('rejects a Subject without NameID', async () => {
    expectRefused(await assume({ nameId: null }), 'InvalidIdentityToken');
  });

  test('rejects a Subject with two SubjectConfirmations', async () => {
    expectRefused(await assume({ subjectConfirmations: 2 }), 'InvalidIdentityToken');
  });

  test('rejects a SubjectConfirmation that is not bearer', async () => {
    expectRefused(await assume({ confirmationMethod: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key' }), 'InvalidIdentityToken');
  });

  test('rejects SubjectConfirmationData without NotOnOrAfter', async () => {
    expectRefused(await assume({ confirmationNotOnOrAfter: null }), 'InvalidIdentityToken');
  });

  test('rejects SubjectConfirmationData without Recipient', async () => {
    expectRefused(await assume({ recipient: null }), 'InvalidIdentityToken');
  });

  test('rejects an assertion whose Recipient is not the AWS sign-in endpoint', async () => {
    expectRefused(await assume({ recipient: 'https://hatrack.example.com/acs' }), 'InvalidIdentityToken');
  });

  test('rejects a regional Recipient of a region the stand-in is not configured for', async () => {
    expectRefused(await assume({ recipient: 'https://eu-west-1.signin.aws.amazon.com/saml' }), 'InvalidIdentityToken');
  });

  test('rejects a Response whose Destination is not the AWS sign-in endpoint', async () => {
    expectRefused(await assume({ destination: 'https://hatrack.example.com/acs' }), 'InvalidIdentityToken');
  });
});

describe('§1 Role attribute and the role’s trust policy', () => {
  test('rejects an assertion without a Role attribute', async () => {
    expectRefused(await assume({ roles: null }), 'InvalidIdentityToken');
  });

  test('reads the Role attribute by its case-sensitive name only', async () => {
    const answer = await assume({ roles: null, extraAttributes: [{ name: 'https://aws.amazon.com/SAML/Attributes/role', values: [`${ROLE_ARN},${PROVIDER_ARN}`] }] });
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('No Role attribute');
  });

  test('rejects when no Role value pairs RoleArn with PrincipalArn (AccessDenied)', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/ReadOnly`;
    expectRefused(await assume({ roles: [`${other},${PROVIDER_ARN}`] }), 'AccessDenied', 403);
  });

  test('rejects a Role value that names the role with another provider (AccessDenied)', async () => {
    const otherProvider = `arn:aws:iam::${ACCOUNT}:saml-provider/Other`;
    expectRefused(await assume({ roles: [`${ROLE_ARN},${otherProvider}`] }), 'AccessDenied', 403);
  });

  test('rejects a Role value that is not a pair of ARNs', async () => {
    expectRefused(await assume({ roles: [ROLE_ARN] }), 'AccessDenied', 403);
  });

  test('rejects a role that does not exist (AccessDenied)', async () => {
    const ghost = `arn:aws:iam::${ACCOUNT}:role/Ghost`;
    expectRefused(await assume({ roles: [`${ghost},${PROVIDER_ARN}`] }, { RoleArn: ghost }), 'AccessDenied', 403);
  });

  test('rejects a role whose trust policy names another provider (AccessDenied)', async () => {
    const answer = await assume({}, {}, { trustedProviders: [`arn:aws:iam::${ACCOUNT}:saml-provider/Other`] });
    expectRefused(answer, 'AccessDenied', 403);
  });

  test('rejects a role in another account than the provider by default (AccessDenied)', async () => {
    const s = await start();
    const foreignRole = 'arn:aws:iam::210987654321:role/Admin';
    s.standin.registerRole(foreignRole);
    const xml = signedResponse(key, { roles: [`${foreignRole},${PROVIDER_ARN}`] });
    expectRefused(await postSts(s.url, assumeParams(xml, { RoleArn: foreignRole })), 'AccessDenied', 403);
  });
});

describe('§1 RoleSessionName and SessionDuration', () => {
  test('rejects an assertion without RoleSessionName', async () => {
    const answer = await assume({ sessionName: null });
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toBe('RoleSessionName is required in AuthnResponse');
  });

  test.each([
    ['a space', 'alice smith'],
    ['a slash', 'alice/admin'],
    ['one character', 'a'],
    ['65 characters', 'a'.repeat(65)],
    ['non-ASCII letters', 'jürgen'],
  ])('rejects a RoleSessionName with %s', async (_, name) => {
    const answer = await assume({ sessionName: name });
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain('must match');
  });

  test('accepts a RoleSessionName of 64 characters from the whole allowed set', async () => {
    expectAccepted(await assume({ sessionName: 'Ab9_+=,.@-'.repeat(6) + 'abcd' }));
  });

  test.each(['899', '43201', 'eight hours'])('rejects a SessionDuration attribute of %s', async (value) => {
    expectRefused(await assume({ sessionDuration: value }), 'InvalidIdentityToken');
  });
});

describe('§1 SourceIdentity', () => {
  test('rejects a SourceIdentity with characters outside [A-Za-z0-9_+=,.@-]', async () => {
    expectRefused(await assume({ sourceIdentity: 'alice smith' }), 'InvalidIdentityToken');
  });

  test('rejects a SourceIdentity that starts with aws:', async () => {
    const answer = await assume({ sourceIdentity: 'aws:alice' });
    expectRefused(answer, 'InvalidIdentityToken');
    expect(answer.message).toContain("'aws:'");
  });

  test('rejects a SourceIdentity when the trust policy lacks sts:SetSourceIdentity (AccessDenied)', async () => {
    expectRefused(await assume({ sourceIdentity: 'alice@example.com' }, {}, { allowSetSourceIdentity: false }), 'AccessDenied', 403);
  });
});

describe('§1 session tags', () => {
  test('rejects more than 50 session tags (PackedPolicyTooLarge)', async () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expectRefused(await assume({ tags }), 'PackedPolicyTooLarge');
  });

  test('rejects a tag key longer than 128 characters', async () => {
    expectRefused(await assume({ tags: { ['k'.repeat(129)]: 'v' } }), 'ValidationError');
  });

  test('rejects a tag value longer than 256 characters', async () => {
    expectRefused(await assume({ tags: { team: 'v'.repeat(257) } }), 'ValidationError');
  });

  test('accepts a tag key of 128 and a value of 256 characters', async () => {
    expectAccepted(await assume({ tags: { ['k'.repeat(128)]: 'v'.repeat(256) } }));
  });

  test('rejects tag keys that differ only in case', async () => {
    expectRefused(await assume({ tags: { Team: 'a', team: 'b' } }), 'ValidationError');
  });

  test('rejects a tag with characters AWS does not allow', async () => {
    expectRefused(await assume({ tags: { 'team;x': 'a' } }), 'ValidationError');
    expectRefused(await assume({ tags: { team: 'a;b' } }), 'ValidationError');
  });

  test('rejects a transitive tag key that is not one of the session tags', async () => {
    expectRefused(await assume({ tags: { team: 'a' }, transitiveTagKeys: ['project'] }), 'ValidationError');
  });

  test('rejects session tags when the trust policy lacks sts:TagSession (AccessDenied)', async () => {
    expectRefused(await assume({ tags: { team: 'a' } }, {}, { allowTagSession: false }), 'AccessDenied', 403);
  });
});

describe('AWS’s error format', () => {
  test('answers a refusal with ErrorResponse XML, Type Sender and a RequestId', async () => {
    const answer = await assume({ recipient: 'https://hatrack.example.com/acs' });
    expect(answer.body).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidIdentityToken<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(answer.headers.get('content-type')).toBe('text/xml');
  });

  test('answers a body over 1 MiB with 413', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });
});

describe('metadata registered like create-saml-provider', () => {
  test('a provider updated with new metadata accepts only the new key', async () => {
    const s = await start();
    s.standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [otherKey.cert] }));
    expectRefused(await postSts(s.url, assumeParams(signedResponse(key))), 'InvalidIdentityToken');
    expectAccepted(await postSts(s.url, assumeParams(signedResponse(otherKey))));
  });

  test('the base64 may be wrapped over several lines as some IdPs send it', async () => {
    const { url } = await start();
    const wrapped = b64(signedResponse(key)).replace(/.{76}/g, '$&\n');
    expectAccepted(await postSts(url, { ...assumeParams('<x/>'), SAMLAssertion: wrapped }));
  });
});
