// Test-side IdP for the AWS stand-in: throwaway keys, IdP metadata, and AWS-style SAML responses
// signed with xml-crypto, with a knob for each rule of AWS.md §1–2 so a test can break exactly one.
// Independent of src/aws on purpose: the stand-in must not share a bug with the minter it judges.
import { generate } from 'selfsigned';
import { SignedXml } from 'xml-crypto';
import { randomUUID } from 'node:crypto';
import { createAwsStandin, type AwsStandin, type AwsStandinOptions } from '../../../src/dev/aws-standin/index.ts';
import type { RoleOptions } from '../../../src/dev/aws-standin/iam.ts';

export const ACCOUNT = '123456789012';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/Hatrack`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
export const ENTITY_ID = 'https://hatrack.example.com/saml/metadata';
export const AWS_SIGNIN = 'https://signin.aws.amazon.com/saml';
export const NOW = new Date('2030-06-01T12:00:00Z');

const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
export const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

export interface TestKey {
  privateKey: string;
  cert: string;
}

export async function makeKey(cn = 'hatrack-test', keySize = 2048): Promise<TestKey> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keySize,
    algorithm: 'sha256',
    notAfterDate: new Date('2045-01-01T00:00:00Z'),
  });
  return { privateKey: pems.private, cert: pems.cert };
}

export function bareCert(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

export function metadataXml(opts: { entityId?: string; certs: string[]; bom?: boolean; doctype?: boolean; use?: string | null }): string {
  const use = opts.use === undefined ? ' use="signing"' : opts.use === null ? '' : ` use="${opts.use}"`;
  const keys = opts.certs
    .map(
      (c) =>
        `<md:KeyDescriptor${use}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${bareCert(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    (opts.doctype ? '<!DOCTYPE md:EntityDescriptor [<!ENTITY x "y">]>' : '') +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${opts.entityId ?? ENTITY_ID}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">${keys}` +
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>' +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://hatrack.example.com/saml/sso"/>' +
    '</md:IDPSSODescriptor></md:EntityDescriptor>';
  return (opts.bom ? '\ufeff' : '') + xml;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (d: Date) => d.toISOString();
const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

/** Every knob has a valid default; set one to break one rule. `null` leaves the element or attribute out. */
export interface ResponseKnobs {
  now?: Date;
  responseId?: string;
  assertionId?: string;
  issuer?: string;
  responseIssuer?: string | null;
  destination?: string | null;
  status?: string;
  issueInstant?: Date;
  conditionsNotBefore?: Date | null;
  conditionsNotOnOrAfter?: Date | null;
  audiences?: string[] | null;
  nameId?: string | null;
  nameIdFormat?: string;
  subjectConfirmations?: number;
  confirmationMethod?: string;
  recipient?: string | null;
  confirmationNotOnOrAfter?: Date | null;
  sessionNotOnOrAfter?: Date;
  roles?: string[] | null;
  sessionName?: string | null;
  sessionDuration?: string;
  sourceIdentity?: string;
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
  extraAttributes?: Array<{ name: string; values: string[] }>;
}

function attribute(name: string, values: string[]): string {
  const vals = values
    .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
    .join('');
  return `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${vals}</saml:Attribute>`;
}

export function assertionXml(k: ResponseKnobs = {}): string {
  const now = k.now ?? NOW;
  const id = k.assertionId ?? `_a${randomUUID()}`;
  const recipient = k.recipient === undefined ? AWS_SIGNIN : k.recipient;
  const nb = k.conditionsNotBefore === undefined ? plus(now, -60) : k.conditionsNotBefore;
  const noa = k.conditionsNotOnOrAfter === undefined ? plus(now, 300) : k.conditionsNotOnOrAfter;
  const scNoa = k.confirmationNotOnOrAfter === undefined ? plus(now, 300) : k.confirmationNotOnOrAfter;
  const audiences = k.audiences === undefined ? [AWS_SIGNIN] : k.audiences;
  const nameId = k.nameId === undefined ? 'u-7f3a9c' : k.nameId;

  const scData =
    '<saml:SubjectConfirmationData' +
    (scNoa ? ` NotOnOrAfter="${iso(scNoa)}"` : '') +
    (recipient !== null ? ` Recipient="${esc(recipient)}"` : '') +
    '/>';
  const confirmation = `<saml:SubjectConfirmation Method="${k.confirmationMethod ?? 'urn:oasis:names:tc:SAML:2.0:cm:bearer'}">${scData}</saml:SubjectConfirmation>`;
  const subject =
    '<saml:Subject>' +
    (nameId !== null ? `<saml:NameID Format="${k.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'}">${esc(nameId)}</saml:NameID>` : '') +
    confirmation.repeat(k.subjectConfirmations ?? 1) +
    '</saml:Subject>';
  const conditions =
    '<saml:Conditions' +
    (nb ? ` NotBefore="${iso(nb)}"` : '') +
    (noa ? ` NotOnOrAfter="${iso(noa)}"` : '') +
    '>' +
    (audiences ? `<saml:AudienceRestriction>${audiences.map((a) => `<saml:Audience>${esc(a)}</saml:Audience>`).join('')}</saml:AudienceRestriction>` : '') +
    '</saml:Conditions>';
  const authn =
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${id}"` +
    (k.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${iso(k.sessionNotOnOrAfter)}"` : '') +
    '><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>';

  const attrs: string[] = [];
  const roles = k.roles === undefined ? [`${ROLE_ARN},${PROVIDER_ARN}`] : k.roles;
  if (roles) attrs.push(attribute(`${ATTR}Role`, roles));
  const sessionName = k.sessionName === undefined ? 'alice@example.com' : k.sessionName;
  if (sessionName !== null) attrs.push(attribute(`${ATTR}RoleSessionName`, [sessionName]));
  if (k.sessionDuration !== undefined) attrs.push(attribute(`${ATTR}SessionDuration`, [k.sessionDuration]));
  if (k.sourceIdentity !== undefined) attrs.push(attribute(`${ATTR}SourceIdentity`, [k.sourceIdentity]));
  for (const [key, value] of Object.entries(k.tags ?? {})) attrs.push(attribute(`${ATTR}PrincipalTag:${key}`, [value]));
  if (k.transitiveTagKeys) attrs.push(attribute(`${ATTR}TransitiveTagKeys`, k.transitiveTagKeys));
  for (const extra of k.extraAttributes ?? []) attrs.push(attribute(extra.name, extra.values));

  return (
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${id}" Version="2.0" IssueInstant="${iso(k.issueInstant ?? now)}">` +
    `<saml:Issuer>${esc(k.issuer ?? ENTITY_ID)}</saml:Issuer>` +
    subject +
    conditions +
    authn +
    `<saml:AttributeStatement>${attrs.join('')}</saml:AttributeStatement>` +
    '</saml:Assertion>'
  );
}

export function responseXml(k: ResponseKnobs = {}, assertion = assertionXml(k)): string {
  const now = k.now ?? NOW;
  const destination = k.destination === undefined ? AWS_SIGNIN : k.destination;
  const responseIssuer = k.responseIssuer === undefined ? (k.issuer ?? ENTITY_ID) : k.responseIssuer;
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${k.responseId ?? `_r${randomUUID()}`}" Version="2.0" IssueInstant="${iso(now)}"` +
    (destination !== null ? ` Destination="${esc(destination)}"` : '') +
    '>' +
    (responseIssuer !== null ? `<saml:Issuer>${esc(responseIssuer)}</saml:Issuer>` : '') +
    `<samlp:Status><samlp:StatusCode Value="${k.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
    assertion +
    '</samlp:Response>'
  );
}

export interface SignKnobs {
  key: TestKey;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalization?: string;
  /** Which element to sign: the Assertion (default) or the Response. */
  target?: 'Assertion' | 'Response';
  /** Put the certificate in KeyInfo (default true, like most IdPs). */
  keyInfo?: boolean;
}

/** Signs `xml`'s Assertion (or Response) with an enveloped signature placed after its Issuer. */
export function sign(xml: string, s: SignKnobs): string {
  const target = s.target ?? 'Assertion';
  const c14n = s.canonicalization ?? ALG.excC14n;
  const sig = new SignedXml({
    privateKey: s.key.privateKey,
    publicCert: s.keyInfo === false ? undefined : s.key.cert,
    signatureAlgorithm: s.signatureAlgorithm ?? ALG.rsaSha256,
    canonicalizationAlgorithm: c14n,
  });
  const xpath = target === 'Assertion' ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
  sig.addReference({ xpath, transforms: [ALG.enveloped, c14n], digestAlgorithm: s.digestAlgorithm ?? ALG.sha256 });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

/** A signed response ready for STS, plus its pieces for tests that tamper with them. */
export function signedResponse(key: TestKey, knobs: ResponseKnobs = {}, signKnobs: Partial<SignKnobs> = {}): string {
  return sign(responseXml(knobs), { key, ...signKnobs });
}

export interface StsAnswer {
  status: number;
  body: string;
  code?: string;
  message?: string;
  headers: Headers;
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1];
}

export function xmlValue(xml: string, name: string): string | undefined {
  const v = tag(xml, name);
  return v?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export async function postSts(url: string, params: Record<string, string>): Promise<StsAnswer> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, code: xmlValue(body, 'Code'), message: xmlValue(body, 'Message'), headers: res.headers };
}

export function assumeParams(xml: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Action: 'AssumeRoleWithSAML',
    Version: '2011-06-15',
    RoleArn: ROLE_ARN,
    PrincipalArn: PROVIDER_ARN,
    SAMLAssertion: b64(xml),
    ...extra,
  };
}

export interface TestStandin {
  standin: AwsStandin;
  url: string;
}

/** A listening stand-in with the test provider and role registered. */
export async function startStandin(
  key: TestKey,
  options: AwsStandinOptions = {},
  role: RoleOptions = {},
  extraCerts: string[] = [],
): Promise<TestStandin> {
  const standin = createAwsStandin(options);
  standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [key.cert, ...extraCerts] }));
  standin.registerRole(ROLE_ARN, role);
  const { url } = await standin.listen(0);
  return { standin, url };
}

/** Parses the credentials out of an AssumeRoleWithSAML answer. */
export function credentialsOf(body: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string } {
  return {
    accessKeyId: xmlValue(body, 'AccessKeyId')!,
    secretAccessKey: xmlValue(body, 'SecretAccessKey')!,
    sessionToken: xmlValue(body, 'SessionToken')!,
    expiration: xmlValue(body, 'Expiration')!,
  };
}
