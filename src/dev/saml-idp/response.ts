// SAML responses the way Google Workspace writes them: `saml2p:Response` around one
// `saml2:Assertion`, NameID = primary email (emailAddress format), one bearer SubjectConfirmation,
// Conditions with one AudienceRestriction, attributes as `xs:anyType` values (each group a value of
// one multi-valued attribute), an AuthnStatement with `unspecified` context. Google signs the
// assertion (RSA-SHA256, SHA-256, exclusive c14n); "signed response" adds a signature on the
// Response. Used by the dev IdP (src/dev/saml-idp) and by the test IdP (test/support/saml).

import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { escapeXmlAttr as a, escapeXmlText as t } from '../../aws/xml.ts';
import {
  DIGEST_ALGORITHMS, ENVELOPED_SIGNATURE, EXC_C14N, SIGNATURE_ALGORITHMS, digestAlgorithmTable, signatureAlgorithmTable,
  type DigestAlgorithmName, type SignatureAlgorithmName,
} from '../../connectors/saml/algorithms.ts';

export const SAML_NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const CM_BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
export const AC_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';

export interface ResponseSpec {
  /** IdP entity ID: the Issuer of Response and Assertion. */
  issuer: string;
  /** SP ACS URL: Response@Destination and SubjectConfirmationData@Recipient. */
  acsUrl: string;
  /** SP entity ID: the Audience. */
  audience: string;
  nameId: string;
  nameIdFormat?: string;
  /** The AuthnRequest ID, for SP-initiated logins; absent for the tile (unsolicited). */
  inResponseTo?: string;
  /** Attribute name → values; one value or many, always written as separate AttributeValues. */
  attributes?: Record<string, readonly string[]>;
  now: Date;
  /** Seconds the assertion is valid after `now`; default 300. */
  lifetimeSeconds?: number;
  authnContextClassRef?: string;
  responseId?: string;
  assertionId?: string;
}

export function newSamlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** An unsigned Google-shaped Response. */
export function buildResponse(spec: ResponseSpec): string {
  const now = spec.now.toISOString();
  const until = new Date(spec.now.getTime() + (spec.lifetimeSeconds ?? 300) * 1000).toISOString();
  const irt = spec.inResponseTo === undefined ? '' : ` InResponseTo="${a(spec.inResponseTo)}"`;
  const attributes = Object.entries(spec.attributes ?? {}).filter(([, v]) => v.length > 0);
  const attributeStatement = attributes.length === 0 ? '' : `<saml2:AttributeStatement>${attributes.map(([name, values]) =>
    `<saml2:Attribute Name="${a(name)}">${values.map((v) =>
      `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:anyType">${t(v)}</saml2:AttributeValue>`).join('')}</saml2:Attribute>`).join('')}</saml2:AttributeStatement>`;
  return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
    + `<saml2p:Response xmlns:saml2p="${SAML_NS.protocol}" Destination="${a(spec.acsUrl)}" ID="${a(spec.responseId ?? newSamlId())}"${irt} IssueInstant="${now}" Version="2.0">`
    + `<saml2:Issuer xmlns:saml2="${SAML_NS.assertion}">${t(spec.issuer)}</saml2:Issuer>`
    + `<saml2p:Status><saml2p:StatusCode Value="${STATUS_SUCCESS}"/></saml2p:Status>`
    + `<saml2:Assertion xmlns:saml2="${SAML_NS.assertion}" ID="${a(spec.assertionId ?? newSamlId())}" IssueInstant="${now}" Version="2.0">`
    + `<saml2:Issuer>${t(spec.issuer)}</saml2:Issuer>`
    + '<saml2:Subject>'
    + `<saml2:NameID Format="${a(spec.nameIdFormat ?? NAMEID_EMAIL)}">${t(spec.nameId)}</saml2:NameID>`
    + `<saml2:SubjectConfirmation Method="${CM_BEARER}"><saml2:SubjectConfirmationData${irt} NotOnOrAfter="${until}" Recipient="${a(spec.acsUrl)}"/></saml2:SubjectConfirmation>`
    + '</saml2:Subject>'
    + `<saml2:Conditions NotBefore="${now}" NotOnOrAfter="${until}"><saml2:AudienceRestriction><saml2:Audience>${t(spec.audience)}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>`
    + attributeStatement
    + `<saml2:AuthnStatement AuthnInstant="${now}" SessionIndex="${a(newSamlId())}"><saml2:AuthnContext><saml2:AuthnContextClassRef>${t(spec.authnContextClassRef ?? AC_UNSPECIFIED)}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>`
    + '</saml2:Assertion></saml2p:Response>';
}

export type SigningMode = 'assertion' | 'response' | 'both';

export interface SigningKey {
  keyPem: string;
  certPem: string;
}

export interface SignOptions {
  /** Signature algorithm URI; default rsa-sha256. */
  signatureAlgorithm?: string;
  /** Digest algorithm URI; default sha256. */
  digestAlgorithm?: string;
  /** SignedInfo canonicalization URI; default exclusive c14n. */
  canonicalization?: string;
  /** Reference transforms; default enveloped-signature then exclusive c14n. */
  transforms?: string[];
  /** Put the certificate in KeyInfo (Google does); default true. */
  keyInfo?: boolean;
}

export const ALL_SIGNATURE_ALGORITHMS = Object.keys(SIGNATURE_ALGORITHMS) as SignatureAlgorithmName[];
export const ALL_DIGEST_ALGORITHMS = Object.keys(DIGEST_ALGORITHMS) as DigestAlgorithmName[];

/**
 * Signs the one element `{ns}localName` that is the Response or its Assertion, placing the
 * signature right after that element's Issuer (the schema's order).
 */
export function signElement(xml: string, which: 'Response' | 'Assertion', key: SigningKey, options: SignOptions = {}): string {
  const ns = which === 'Response' ? SAML_NS.protocol : SAML_NS.assertion;
  // Only the top-level Assertion (a direct child of the Response), never one in Advice.
  const target = which === 'Response'
    ? `/*[local-name(.)='Response' and namespace-uri(.)='${ns}']`
    : `/*[local-name(.)='Response']/*[local-name(.)='Assertion' and namespace-uri(.)='${ns}']`;
  const sig = new SignedXml({
    privateKey: key.keyPem,
    publicCert: key.certPem,
    signatureAlgorithm: options.signatureAlgorithm ?? SIGNATURE_ALGORITHMS['rsa-sha256'],
    canonicalizationAlgorithm: options.canonicalization ?? EXC_C14N,
    idAttribute: 'ID',
    ...(options.keyInfo === false && { getKeyInfoContent: () => null }),
  });
  sig.SignatureAlgorithms = { ...sig.SignatureAlgorithms, ...signatureAlgorithmTable(ALL_SIGNATURE_ALGORITHMS) };
  sig.HashAlgorithms = { ...sig.HashAlgorithms, ...digestAlgorithmTable(ALL_DIGEST_ALGORITHMS) };
  sig.addReference({
    xpath: target,
    transforms: options.transforms ?? [ENVELOPED_SIGNATURE, EXC_C14N],
    digestAlgorithm: options.digestAlgorithm ?? DIGEST_ALGORITHMS.sha256,
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${target}/*[local-name(.)='Issuer' and namespace-uri(.)='${SAML_NS.assertion}']`, action: 'after' },
  });
  return sig.getSignedXml();
}

/** Signs like Google: the assertion, the response, or both (assertion first, so the response signature covers it). */
export function signResponse(xml: string, mode: SigningMode, key: SigningKey, options: SignOptions = {}): string {
  let out = xml;
  if (mode === 'assertion' || mode === 'both') out = signElement(out, 'Assertion', key, options);
  if (mode === 'response' || mode === 'both') out = signElement(out, 'Response', key, options);
  return out;
}

/** The value of the SAMLResponse form field. */
export function encodeResponse(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
