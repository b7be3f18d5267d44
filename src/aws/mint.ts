// Mints the SAML response Hatrack hands to AWS: one `samlp:Response` with one signed
// `saml:Assertion` that meets AWS.md §1 exactly (SECURITY.md W8, W9, W10). Pure given `now`,
// except for the random IDs. Everything is checked before the signer is called, so an invalid
// role, duration or tag set never produces a signed document.
import { createHash, randomBytes } from 'node:crypto';
import { HatrackError, isHatrackError } from '../errors.ts';
import type { Identity } from '../identity.ts';
import type { Grant } from '../mapping/types.ts';
import { parseRoleArn, parseSamlProviderArn } from './arn.ts';
import { sanitiseSessionName, sanitiseSourceIdentity } from './names.ts';
import type { Signer } from './signer.ts';
import { signAssertion, type CanonicalAssertion } from './xml-signature.ts';
import { escapeXmlAttr as attr, escapeXmlText as text, survivesXml } from './xml.ts';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;

export const SAML = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  uriAttribute: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  // Hatrack does not know how the person proved who they are upstream, so it claims nothing more.
  unspecifiedContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
} as const;

export const AWS_ATTRIBUTES = {
  role: 'https://aws.amazon.com/SAML/Attributes/Role',
  roleSessionName: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
  sourceIdentity: 'https://aws.amazon.com/SAML/Attributes/SourceIdentity',
  sessionDuration: 'https://aws.amazon.com/SAML/Attributes/SessionDuration',
  principalTag: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:',
  transitiveTagKeys: 'https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys',
} as const;

/** Hatrack as the IdP that AWS trusts. */
export interface IdpSettings {
  /** Issuer of response and assertion: exactly the entityID of the metadata uploaded to IAM. */
  entityId: string;
  signer: Signer;
  /** Response@Destination and SubjectConfirmationData@Recipient (see partition.ts). */
  recipient: string;
  /** Conditions/AudienceRestriction/Audience. */
  audience: string;
  /** Seconds the assertion is valid after `now`; default 300, at most 3600. */
  lifetimeSeconds?: number;
  /**
   * Seconds NotBefore lies before `now`; default 60, so that an AWS endpoint whose clock runs up
   * to a minute behind ours still accepts the assertion at once (the same 60 s lower bound
   * SECURITY.md S23 sets for skew on the receiving side). At most 300.
   */
  skewSeconds?: number;
  /**
   * Send the SourceIdentity attribute (sanitised email); default true. The role's trust policy must
   * then allow `sts:SetSourceIdentity`, so an installation can turn it off.
   */
  sendSourceIdentity?: boolean;
}

/** An AWS session tag, sent as `PrincipalTag:{key}`; `transitive` lists it in TransitiveTagKeys. */
export interface SessionTag {
  key: string;
  value: string;
  transitive?: boolean;
}

export interface MintOptions {
  sessionTags?: SessionTag[];
}

const DEFAULT_LIFETIME = 300;
const DEFAULT_SKEW = 60;

// AWS limits for session tags (AWS.md §1; STS TagSession rules): at most 50, key 1–128 and value
// 0–256 characters of letters, spaces, digits and `_.:/=+-@`; keys are unique ignoring case, and
// the `aws:` prefix is reserved. Of AWS's "spaces", the line and paragraph separators do not
// survive the signed XML unchanged (xml.ts), so they are refused too.
export const MAX_SESSION_TAGS = 50;
const tagKeyChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const tagValueChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** A session tag key AWS accepts and the assertion carries unchanged. */
export function isSessionTagKey(key: string): boolean {
  return tagKeyChars.test(key) && survivesXml(key);
}

/** Whether the value is within AWS's tag charset and length (whether XML carries it is apart: survivesXml). */
export function inSessionTagCharset(value: string): boolean {
  return tagValueChars.test(value);
}

/** A session tag value AWS accepts and the assertion carries unchanged. */
export function isSessionTagValue(value: string): boolean {
  return inSessionTagCharset(value) && survivesXml(value);
}

function mintError(code: string, message: string, detail?: string): HatrackError {
  return new HatrackError(code, 500, message, detail);
}

/** A fresh NCName ID (an xs:ID must not start with a digit): `_` and 160 random bits. */
function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** xs:dateTime in UTC, whole seconds (rounding down keeps every window inside what was asked). */
function instant(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The NameID: a SHA-256 over connector and upstream subject, in hex. Persistent and stable (the
 * same person through the same connector always gets the same value, across processes and key
 * rotations) and not personal data in itself: it lands in CloudTrail, where the upstream subject
 * (often an email at Google) would otherwise appear a second time. The readable identity goes in
 * RoleSessionName and SourceIdentity, which is where AWS expects it.
 */
export function nameIdFor(identity: Pick<Identity, 'connector' | 'subject'>): string {
  return createHash('sha256').update(`hatrack-nameid-v1\u0000${identity.connector}\u0000${identity.subject}`, 'utf8').digest('hex');
}

/** Checks the grant's two ARNs (W8) and that they belong together; returns the Role value. */
function roleValue(grant: Grant): string {
  try {
    const role = parseRoleArn(grant.roleArn);
    const provider = parseSamlProviderArn(grant.providerArn);
    if (role.partition !== provider.partition || role.accountId !== provider.accountId || role.accountId !== grant.accountId) {
      throw mintError('mint_invalid_role', 'This role is configured with a SAML provider of another account; ask an administrator.',
        `role ${grant.roleArn} provider ${grant.providerArn} account ${grant.accountId}`);
    }
    // Role first, then provider (AWS.md §1).
    return `${role.arn},${provider.arn}`;
  } catch (e) {
    if (isHatrackError(e) && e.code === 'mint_invalid_role') throw e;
    throw mintError('mint_invalid_role', 'This role is configured with an invalid ARN; ask an administrator.', isHatrackError(e) ? e.detail : undefined);
  }
}

function sessionDuration(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) {
    throw mintError('mint_invalid_session_duration', 'This role is configured with a session length AWS does not accept (15 minutes to 12 hours).', `sessionDuration ${seconds}`);
  }
  return seconds;
}

function checkTags(tags: SessionTag[]): SessionTag[] {
  const problem = (detail: string) => mintError('mint_invalid_session_tags', 'The session tags for this role break AWS limits; ask an administrator.', detail);
  if (tags.length > MAX_SESSION_TAGS) throw problem(`${tags.length} tags (at most ${MAX_SESSION_TAGS})`);
  const seen = new Set<string>();
  for (const [i, tag] of tags.entries()) {
    if (typeof tag.key !== 'string' || !isSessionTagKey(tag.key)) throw problem(`tag ${i}: key must be 1–128 allowed characters`);
    if (typeof tag.value !== 'string' || !isSessionTagValue(tag.value)) throw problem(`tag ${i} (${tag.key}): value must be 0–256 allowed characters`);
    if (/^aws:/i.test(tag.key)) throw problem(`tag ${i}: the aws: prefix is reserved`);
    const folded = tag.key.toLowerCase();
    if (seen.has(folded)) throw problem(`tag ${i}: duplicate key ${tag.key} (keys are compared ignoring case)`);
    seen.add(folded);
  }
  return tags;
}

function checkSetting(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw mintError('mint_invalid_settings', 'Hatrack\'s AWS sign-in settings are incomplete; ask an administrator.', `${name} is empty`);
  }
  return value;
}

function bounded(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw mintError('mint_invalid_settings', 'Hatrack\'s AWS sign-in settings are invalid; ask an administrator.', `${name} ${v} not in ${min}–${max}`);
  }
  return v;
}

function attribute(name: string, values: string[]): string {
  const vals = values.map((v) => `<saml:AttributeValue>${text(v)}</saml:AttributeValue>`).join('');
  return `<saml:Attribute Name="${attr(name)}" NameFormat="${SAML.uriAttribute}">${vals}</saml:Attribute>`;
}

/** What a minted response tells AWS, exactly as signed: for the audit line, which must name what CloudTrail will show. */
export interface SignedFacts {
  assertionId: string;
  sessionName: string;
  /** Absent when the installation sends no SourceIdentity. */
  sourceIdentity?: string;
  sessionDuration: number;
}

export interface MintedResponse {
  xml: string;
  signed: SignedFacts;
}

/** The signed response (ARCHITECTURE.md: `mintAwsResponse(identity, grant, signer, now) → xml`). */
export function mintAwsResponse(identity: Identity, grant: Grant, idp: IdpSettings, now: Date, opts: MintOptions = {}): string {
  return mintForAws(identity, grant, idp, now, opts).xml;
}

/** As mintAwsResponse, with the values it signed. Pure given the clock and the signer. */
export function mintForAws(identity: Identity, grant: Grant, idp: IdpSettings, now: Date, opts: MintOptions = {}): MintedResponse {
  // Everything is validated first; nothing below can fail after signing has begun.
  const issuer = checkSetting('entityId', idp.entityId);
  const recipient = checkSetting('recipient', idp.recipient);
  const audience = checkSetting('audience', idp.audience);
  const lifetime = bounded('lifetimeSeconds', idp.lifetimeSeconds, DEFAULT_LIFETIME, 30, 3600);
  const skew = bounded('skewSeconds', idp.skewSeconds, DEFAULT_SKEW, 0, 300);
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw mintError('mint_invalid_settings', 'Hatrack could not read the current time.');

  const role = roleValue(grant);
  const duration = sessionDuration(grant.sessionDuration);
  const sessionName = sanitiseSessionName(identity.email);
  // SourceIdentity: the value mapping chose (config aws.sourceIdentity), else the verified email (W9).
  const sourceIdentity = idp.sendSourceIdentity === false ? undefined : sanitiseSourceIdentity(grant.sourceIdentity ?? identity.email);
  const tags = checkTags(opts.sessionTags ?? []);

  const issueInstant = instant(nowMs);
  const notBefore = instant(nowMs - skew * 1000);
  const notOnOrAfter = instant(nowMs + lifetime * 1000);
  // AuthnInstant: when the person signed in upstream, never later than now.
  const authTime = identity.authTime && identity.authTime.getTime() <= nowMs ? identity.authTime.getTime() : nowMs;
  const responseId = newId();
  const assertionId = newId();
  const sessionIndex = newId();

  const attributes = [
    attribute(AWS_ATTRIBUTES.role, [role]),
    attribute(AWS_ATTRIBUTES.roleSessionName, [sessionName]),
    ...(sourceIdentity ? [attribute(AWS_ATTRIBUTES.sourceIdentity, [sourceIdentity])] : []),
    attribute(AWS_ATTRIBUTES.sessionDuration, [String(duration)]),
    ...tags.map((t) => attribute(AWS_ATTRIBUTES.principalTag + t.key, [t.value])),
  ];
  const transitive = tags.filter((t) => t.transitive).map((t) => t.key);
  if (transitive.length > 0) attributes.push(attribute(AWS_ATTRIBUTES.transitiveTagKeys, transitive));

  // The Assertion is written in its exclusive-canonical form (xml-signature.ts): attributes in
  // c14n order (by name, namespace declarations first), empty elements as start and end tags,
  // values escaped as c14n writes them (xml.ts).
  const assertion: CanonicalAssertion = {
    id: assertionId,
    head:
      `<saml:Assertion xmlns:saml="${NS.assertion}" ID="${assertionId}" IssueInstant="${issueInstant}" Version="2.0">` +
        `<saml:Issuer>${text(issuer)}</saml:Issuer>`,
    tail:
        `<saml:Subject>` +
          `<saml:NameID Format="${SAML.persistent}">${text(nameIdFor(identity))}</saml:NameID>` +
          `<saml:SubjectConfirmation Method="${SAML.bearer}">` +
            `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${attr(recipient)}"></saml:SubjectConfirmationData>` +
          `</saml:SubjectConfirmation>` +
        `</saml:Subject>` +
        `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
          `<saml:AudienceRestriction><saml:Audience>${text(audience)}</saml:Audience></saml:AudienceRestriction>` +
        `</saml:Conditions>` +
        `<saml:AuthnStatement AuthnInstant="${instant(authTime)}" SessionIndex="${sessionIndex}">` +
          `<saml:AuthnContext><saml:AuthnContextClassRef>${SAML.unspecifiedContext}</saml:AuthnContextClassRef></saml:AuthnContext>` +
        `</saml:AuthnStatement>` +
        `<saml:AttributeStatement>${attributes.join('')}</saml:AttributeStatement>` +
      `</saml:Assertion>`,
  };

  const response =
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${responseId}" Version="2.0" IssueInstant="${issueInstant}" Destination="${attr(recipient)}">` +
      `<saml:Issuer>${text(issuer)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="${SAML.success}"/></samlp:Status>` +
      signAssertion(assertion, idp.signer) +
    `</samlp:Response>`;

  return {
    xml: response,
    signed: { assertionId, sessionName, ...(sourceIdentity !== undefined && { sourceIdentity }), sessionDuration: duration },
  };
}

/** The SAMLAssertion parameter of AssumeRoleWithSAML: the response's UTF-8 bytes in base64. */
export function encodeForSts(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
