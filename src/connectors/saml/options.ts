// Options of a SAML connector: what config may say, and the fully defaulted form the connector runs
// on. The defaults fit a Google Workspace custom SAML app (signed assertion, NameID = primary email,
// groups in a multi-valued `groups` attribute); nothing in the code is Google-specific. Resolution
// checks everything at once and reports every problem.

import { CONNECTOR_ID, CONNECTOR_ID_RULE } from '../connector-id.ts';
import { X509Certificate } from 'node:crypto';
import { HatrackError } from '../../errors.ts';
import { PENDING_LOGIN_TTL_MS } from '../connector.ts';
import { resolveAllowedDomains } from '../domains.ts';
import { DATA_ENCRYPTION_NAMES, DEFAULT_DATA_ENCRYPTION, ENCRYPTION_MODES, isCbc, type DataEncryptionName, type EncryptionMode } from './encryption.ts';
import { DEFAULT_XML_LIMITS } from './xml.ts';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS, type DigestAlgorithmName, type SignatureAlgorithmName } from './algorithms.ts';

/**
 * Which signature must cover the assertion: `either` the assertion's own or the Response's (the
 * profile's rule, and what real IdPs differ on: Google signs the Response only when its app's
 * "Signed response" is on, the Assertion otherwise), or exactly `assertion`, `response`, `both`.
 */
export const SIGNATURE_REQUIREMENTS = ['either', 'assertion', 'response', 'both'] as const;
export type SignatureRequirement = (typeof SIGNATURE_REQUIREMENTS)[number];

/** Whether the requirement demands the Assertion's own signature, and the Response's. */
export function signaturesRequired(r: SignatureRequirement): { assertion: boolean; response: boolean } {
  return { assertion: r === 'assertion' || r === 'both', response: r === 'response' || r === 'both' };
}

/**
 * Whether these content encryptions may be accepted under this requirement: CBC has no integrity
 * of its own, so its padding can be an oracle unless the Response's signature, which covers the
 * ciphertext, is required and refuses altered ciphertext first (docs/decisions/0002).
 */
export function dataEncryptionPermitted(algorithms: readonly DataEncryptionName[], r: SignatureRequirement): boolean {
  return !algorithms.some(isCbc) || signaturesRequired(r).response;
}

export const NAMEID_FORMAT_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** AuthnContextClassRef values that mean more than one factor was used. */
export const DEFAULT_MFA_CONTEXT_CLASSES = [
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  'https://refeds.org/profile/mfa',
  'http://schemas.microsoft.com/claims/multipleauthn',
] as const;

export interface SamlConnectorOptions {
  /** Connector id: appears in paths (`/login/:id`, `/saml/:id/acs`, `/saml/:id/metadata`) and in every Identity. */
  id: string;
  /** Shown on the login page; defaults to the id. */
  displayName?: string;
  /** Our SP entity ID (Google: "Entity ID"); every assertion's Audience must name it. */
  entityId: string;
  /** Our Assertion Consumer Service URL (Google: "ACS URL"), absolute; Destination and Recipient must equal it. */
  acsUrl: string;
  /** The IdP's entity ID, exactly (Google: `https://accounts.google.com/o/saml2?idpid=…`); the only accepted Issuer. */
  idpEntityId: string;
  /** The IdP's SSO URL for SP-initiated logins, HTTP-Redirect binding (Google: `…/o/saml2/idp?idpid=…`). */
  idpSsoUrl: string;
  /** The IdP's signing certificates (PEM). Only these verify signatures; during a rotation list the old and the new. */
  idpCerts: string[];
  /** Accept unsolicited responses (the Google app tile). Default false. */
  allowIdpInitiated?: boolean;
  /** NameIDPolicy Format asked for in AuthnRequests and published in metadata; default emailAddress. */
  nameIdFormat?: string;
  /** Where the email comes from: `nameid` (default) or the name of an attribute. The subject is always the NameID. */
  emailFrom?: string;
  /** Multi-valued attribute holding group names; default `groups` (Google's "Group membership" mapping). */
  groupsAttribute?: string;
  /**
   * For IdPs that send all groups in one value (PingFederate and others): the text between two
   * names, exactly (`,` or `, `); unset (default): every AttributeValue is one name, whatever it holds.
   */
  groupsDelimiter?: string;
  /** Attribute holding the full name; default `name`. Wins over first + last name. */
  nameAttribute?: string;
  /** Attributes holding the given and family name (Google: map "First name"/"Last name" to these); default `firstName`/`lastName`. */
  firstNameAttribute?: string;
  lastNameAttribute?: string;
  /** Only emails in these domains get in (exact domain, case-insensitive; like Google's `hd`). Unset: any domain. */
  allowedDomains?: string[];
  /** The IdP verifies every address it sends, so rules' `email` may match it (C5). Default false. */
  emailsVerified?: boolean;
  /** Allowed clock difference with the IdP, seconds, 60–180; default 120. There is no "off". */
  clockSkewSeconds?: number;
  /** How long after its IssueInstant an assertion may still be used, seconds (60–3600); default 300. */
  maxAssertionAgeSeconds?: number;
  /** Largest accepted `SAMLResponse` form value, in characters of base64; default 256 KiB. */
  maxResponseBytes?: number;
  /** Most elements a response may hold, counted before it is parsed; default 5 000 (xml.ts). */
  maxResponseElements?: number;
  /**
   * Which signature every assertion must be covered by (SAML profiles §4.1.3.5, POST binding):
   * `either` (default) its own or the enclosing Response's; `assertion`; `response`; `both`.
   */
  requireSignatureOn?: SignatureRequirement;
  /** Encrypted assertions: `off` (default: refused, S31), `optional`, or `required` (a plain one is refused). */
  assertionEncryption?: EncryptionMode;
  /** Content encryption accepted; default AES-256-GCM and AES-128-GCM. CBC needs requireSignatureOn response or both. */
  dataEncryptionAlgorithms?: DataEncryptionName[];
  /** AuthnContextClassRef values that count as multi-factor; default DEFAULT_MFA_CONTEXT_CLASSES. */
  mfaContextClasses?: string[];
  /** Signature algorithms accepted; default all of rsa-sha256, rsa-sha384, rsa-sha512. SHA-1 and HMAC never. */
  signatureAlgorithms?: SignatureAlgorithmName[];
  /** Digest algorithms accepted; default all of sha256, sha384, sha512. */
  digestAlgorithms?: DigestAlgorithmName[];
  /** For the HTTP layer: a tile login with exactly one role goes straight to the console. Carried, not used here. */
  straightToConsoleWhenOneRole?: boolean;
  /** How long an SP-initiated login (its AuthnRequest ID) stays usable, ms; default 10 minutes, at most 30. */
  maxLoginAgeMs?: number;
  /** Allow `http://` URLs other than loopback (tests and the local demo only). */
  allowInsecureHttp?: boolean;
}

export interface ResolvedSamlOptions {
  id: string;
  displayName: string;
  entityId: string;
  acsUrl: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCerts: string[];
  allowIdpInitiated: boolean;
  nameIdFormat: string;
  emailFrom: string;
  groupsAttribute: string;
  groupsDelimiter: string | undefined;
  nameAttribute: string;
  firstNameAttribute: string;
  lastNameAttribute: string;
  allowedDomains: string[] | undefined;
  emailsVerified: boolean;
  clockSkewSeconds: number;
  maxAssertionAgeSeconds: number;
  maxResponseBytes: number;
  maxResponseElements: number;
  requireSignatureOn: SignatureRequirement;
  assertionEncryption: EncryptionMode;
  dataEncryptionAlgorithms: DataEncryptionName[];
  mfaContextClasses: string[];
  signatureAlgorithms: SignatureAlgorithmName[];
  digestAlgorithms: DigestAlgorithmName[];
  straightToConsoleWhenOneRole: boolean;
  maxLoginAgeMs: number;
  allowInsecureHttp: boolean;
}

const MIN_RSA_BITS = 2048;

/**
 * The defaults of a SAML connector's settings: the one table both the configuration schema
 * (config/schema.ts) and resolveSamlOptions default from.
 */
export const SAML_DEFAULTS = {
  emailFrom: 'nameid',
  groupsAttribute: 'groups',
  clockSkewSeconds: 120,
  requireSignatureOn: 'either',
} as const;

export function resolveSamlOptions(o: SamlConnectorOptions): ResolvedSamlOptions {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const allowInsecureHttp = o.allowInsecureHttp === true;

  check(typeof o.id === 'string' && CONNECTOR_ID.test(o.id), `id ${CONNECTOR_ID_RULE}`);
  check(isEntityId(o.entityId), 'entityId is required (a URI of at most 1024 characters)');
  check(isEntityId(o.idpEntityId), 'idpEntityId is required (a URI of at most 1024 characters)');
  problems.push(...urlProblems('acsUrl', o.acsUrl, allowInsecureHttp));
  problems.push(...urlProblems('idpSsoUrl', o.idpSsoUrl, allowInsecureHttp));

  const idpCerts: string[] = [];
  if (!Array.isArray(o.idpCerts) || o.idpCerts.length === 0) {
    problems.push('idpCerts must list at least one PEM certificate');
  } else {
    o.idpCerts.forEach((pem, i) => {
      const cert = readCertificate(pem);
      if ('problem' in cert) problems.push(`idpCerts[${i}] ${cert.problem}`);
      else idpCerts.push(cert.pem);
    });
  }

  const emailFrom = o.emailFrom ?? SAML_DEFAULTS.emailFrom;
  const groupsAttribute = o.groupsAttribute ?? SAML_DEFAULTS.groupsAttribute;
  const nameAttribute = o.nameAttribute ?? 'name';
  const firstNameAttribute = o.firstNameAttribute ?? 'firstName';
  const lastNameAttribute = o.lastNameAttribute ?? 'lastName';
  for (const [k, v] of Object.entries({ emailFrom, groupsAttribute, nameAttribute, firstNameAttribute, lastNameAttribute })) {
    check(typeof v === 'string' && v.length > 0 && v.length <= 512, `${k} must be an attribute name`);
  }
  check(o.groupsDelimiter === undefined || (typeof o.groupsDelimiter === 'string' && o.groupsDelimiter.length >= 1 && o.groupsDelimiter.length <= 8),
    'groupsDelimiter must be 1 to 8 characters');
  const nameIdFormat = o.nameIdFormat ?? NAMEID_FORMAT_EMAIL;
  check(typeof nameIdFormat === 'string' && /^urn:[\x21-\x7e]+$/.test(nameIdFormat), 'nameIdFormat must be a URN');

  const allowedDomains = resolveAllowedDomains(o.allowedDomains, problems);

  const clockSkewSeconds = o.clockSkewSeconds ?? SAML_DEFAULTS.clockSkewSeconds;
  check(Number.isInteger(clockSkewSeconds) && clockSkewSeconds >= 60 && clockSkewSeconds <= 180,
    'clockSkewSeconds must be a whole number between 60 and 180 (there is no "off")');
  const maxAssertionAgeSeconds = o.maxAssertionAgeSeconds ?? 300;
  check(Number.isInteger(maxAssertionAgeSeconds) && maxAssertionAgeSeconds >= 60 && maxAssertionAgeSeconds <= 3600,
    'maxAssertionAgeSeconds must be a whole number between 60 and 3600');
  const maxResponseBytes = o.maxResponseBytes ?? 256 * 1024;
  check(Number.isInteger(maxResponseBytes) && maxResponseBytes >= 16 * 1024 && maxResponseBytes <= 4 * 1024 * 1024,
    'maxResponseBytes must be between 16384 and 4194304');
  const maxResponseElements = o.maxResponseElements ?? DEFAULT_XML_LIMITS.maxElements;
  check(Number.isInteger(maxResponseElements) && maxResponseElements >= 100 && maxResponseElements <= 50_000,
    'maxResponseElements must be between 100 and 50000');
  const maxLoginAgeMs = o.maxLoginAgeMs ?? PENDING_LOGIN_TTL_MS;
  check(Number.isInteger(maxLoginAgeMs) && maxLoginAgeMs >= 60_000 && maxLoginAgeMs <= 30 * 60_000,
    'maxLoginAgeMs must be between one and thirty minutes');

  const requireSignatureOn = o.requireSignatureOn ?? SAML_DEFAULTS.requireSignatureOn;
  check(SIGNATURE_REQUIREMENTS.includes(requireSignatureOn), `requireSignatureOn must be one of ${SIGNATURE_REQUIREMENTS.join(', ')}`);
  const assertionEncryption = o.assertionEncryption ?? 'off';
  check(ENCRYPTION_MODES.includes(assertionEncryption), `assertionEncryption must be one of ${ENCRYPTION_MODES.join(', ')}`);
  const dataEncryptionAlgorithms = o.dataEncryptionAlgorithms ?? [...DEFAULT_DATA_ENCRYPTION];
  check(Array.isArray(dataEncryptionAlgorithms) && dataEncryptionAlgorithms.length > 0 && dataEncryptionAlgorithms.every((a) => DATA_ENCRYPTION_NAMES.includes(a)),
    `dataEncryptionAlgorithms must be some of ${DATA_ENCRYPTION_NAMES.join(', ')}`);
  check(dataEncryptionPermitted(dataEncryptionAlgorithms, requireSignatureOn),
    'dataEncryptionAlgorithms may list an -cbc algorithm only with requireSignatureOn: response or both (the Response\'s signature must cover the ciphertext)');
  check(o.allowIdpInitiated === undefined || typeof o.allowIdpInitiated === 'boolean', 'allowIdpInitiated must be true or false');

  const signatureAlgorithms = o.signatureAlgorithms ?? (Object.keys(SIGNATURE_ALGORITHMS) as SignatureAlgorithmName[]);
  check(Array.isArray(signatureAlgorithms) && signatureAlgorithms.length > 0 && signatureAlgorithms.every((a) => Object.hasOwn(SIGNATURE_ALGORITHMS, a)),
    `signatureAlgorithms must be some of ${Object.keys(SIGNATURE_ALGORITHMS).join(', ')}`);
  const digestAlgorithms = o.digestAlgorithms ?? (Object.keys(DIGEST_ALGORITHMS) as DigestAlgorithmName[]);
  check(Array.isArray(digestAlgorithms) && digestAlgorithms.length > 0 && digestAlgorithms.every((a) => Object.hasOwn(DIGEST_ALGORITHMS, a)),
    `digestAlgorithms must be some of ${Object.keys(DIGEST_ALGORITHMS).join(', ')}`);

  const mfaContextClasses = o.mfaContextClasses ?? [...DEFAULT_MFA_CONTEXT_CLASSES];
  check(Array.isArray(mfaContextClasses) && mfaContextClasses.every((v) => typeof v === 'string' && v.length > 0), 'mfaContextClasses must be strings');

  if (problems.length > 0) {
    const where = typeof o.id === 'string' ? `connector ${o.id}` : 'a SAML connector';
    throw new HatrackError('saml_config_invalid', 500, `The configuration of ${where} is invalid.`, problems.join('; '));
  }
  return {
    id: o.id,
    displayName: o.displayName ?? o.id,
    entityId: o.entityId,
    acsUrl: o.acsUrl,
    idpEntityId: o.idpEntityId,
    idpSsoUrl: o.idpSsoUrl,
    idpCerts,
    allowIdpInitiated: o.allowIdpInitiated === true,
    nameIdFormat,
    emailFrom,
    groupsAttribute,
    groupsDelimiter: o.groupsDelimiter,
    nameAttribute,
    firstNameAttribute,
    lastNameAttribute,
    allowedDomains,
    emailsVerified: o.emailsVerified === true,
    clockSkewSeconds,
    maxAssertionAgeSeconds,
    maxResponseBytes,
    maxResponseElements,
    requireSignatureOn,
    assertionEncryption,
    dataEncryptionAlgorithms: [...new Set(dataEncryptionAlgorithms)],
    mfaContextClasses: [...mfaContextClasses],
    signatureAlgorithms: [...new Set(signatureAlgorithms)],
    digestAlgorithms: [...new Set(digestAlgorithms)],
    straightToConsoleWhenOneRole: o.straightToConsoleWhenOneRole === true,
    maxLoginAgeMs,
    allowInsecureHttp,
  };
}

function isEntityId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 1024 && v.trim() === v && !/[\s\p{Cc}]/u.test(v);
}

function urlProblems(name: string, value: unknown, allowInsecureHttp: boolean): string[] {
  if (typeof value !== 'string' || value.length === 0) return [`${name} is required`];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${name} must be an absolute URL`];
  }
  const problems: string[] = [];
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (allowInsecureHttp || loopback))) {
    problems.push(`${name} must be an https URL`);
  }
  if (url.hash || value.includes('#')) problems.push(`${name} must not have a fragment`);
  if (url.username || url.password) problems.push(`${name} must not contain credentials`);
  // Destination and Recipient are compared with it character for character.
  if (url.href !== value) problems.push(`${name} must be written in normal form (${url.href})`);
  return problems;
}

/**
 * A PEM certificate in normal form, or a problem. Bare base64 (as some IdPs show it) is accepted.
 * The config loader checks idpCerts with it too, so that check-config says what serve would.
 */
export function readCertificate(value: unknown): { pem: string } | { problem: string } {
  if (typeof value !== 'string' || value.trim().length === 0) return { problem: 'is empty' };
  const body = value.includes('-----BEGIN CERTIFICATE-----')
    ? value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    : value;
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { problem: 'is not a PEM certificate' };
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { problem: 'is not a readable X.509 certificate' };
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') return { problem: `has a ${key.asymmetricKeyType} key; only RSA signatures are accepted` };
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    return { problem: `has an RSA key under ${MIN_RSA_BITS} bits, which Hatrack refuses: issue a new signing certificate at the IdP with a key of ${MIN_RSA_BITS} bits or more (AD FS: a new token-signing certificate; Google: a new certificate in the SAML app), and list it here` };
  }
  return { pem };
}
