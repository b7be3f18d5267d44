// STS AssumeRoleWithSAML, held to AWS.md §1–2. The checks run as a flat list of early exits in
// the order AWS meets them: request parameters, the provider, safe XML, document structure,
// signature, issuer, replay, time, audience, subject, destination, attributes, trust, duration.
// Every value about the session is read from the Assertion as re-parsed from its verified bytes.
import { createHash } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { StandinError, reject } from './errors.ts';
import type { IamDirectory, SamlProvider } from './iam.ts';
import type { ReplayCache, SessionPrincipal } from './credentials.ts';
import { NS, XmlRejected, allElements, attr, children, descendants, is, onlyChild, parseStrictXml, text } from './safe-xml.ts';
import { verifyEnvelopedSignature } from './saml-signature.ts';
import { checkParameters, type AssumeRoleWithSamlParams } from './assume-role-params.ts';
import { AWS_ATTRIBUTE, matchesRolePair, readAttributes, readTags, single } from './saml-attributes.ts';

export type { AssumeRoleWithSamlParams } from './assume-role-params.ts';
export { AWS_ATTRIBUTE } from './saml-attributes.ts';

export const SAML = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  nameIdFormatPrefix: 'urn:oasis:names:tc:SAML:2.0:nameid-format:',
} as const;

export const AWS_AUDIENCES = ['https://signin.aws.amazon.com/saml', 'urn:amazon:webservices'] as const;

export interface SamlCheckContext {
  now: Date;
  iam: IamDirectory;
  replay: ReplayCache;
  /** Allowed SubjectConfirmationData@Recipient and Response@Destination values. */
  acceptedRecipients: readonly string[];
  /** Allowed Audience values. */
  acceptedAudiences: readonly string[];
  /** Clock skew tolerated on NotBefore/NotOnOrAfter. */
  skewMs: number;
}

export interface SamlSession extends SessionPrincipal {
  /** When the credentials expire: DurationSeconds (default 3600), cut short by SessionNotOnOrAfter. */
  expiration: Date;
  subject: string;
  subjectType: string;
  issuer: string;
  /** AWS returns the SubjectConfirmationData@Recipient here. */
  audience: string;
  nameQualifier: string;
  transitiveTagKeys: string[];
  /** The SessionDuration attribute, when the assertion carries one (it governs console sessions). */
  sessionDurationAttribute?: number;
}

export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const DEFAULT_DURATION = 3600;
const SAML_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function samlTime(value: string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!SAML_TIME.test(value) || Number.isNaN(d.getTime())) throw reject.token(`${what} is not a UTC xs:dateTime.`);
  return d;
}

function decodeBase64(value: string): string {
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw reject.token('Invalid base64 SAML authentication response.');
  }
  const bytes = Buffer.from(compact, 'base64');
  const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    return decoded.decode(bytes);
  } catch {
    throw reject.token('The SAML authentication response is not UTF-8.');
  }
}

function parseResponse(xml: string): Document {
  try {
    return parseStrictXml(xml);
  } catch (e) {
    if (e instanceof XmlRejected) {
      throw reject.token(e.reason === 'doctype' ? 'SAML responses with a DOCTYPE are not accepted.' : `Invalid SAML response: ${e.message}`);
    }
    throw e;
  }
}

/** Exactly one Assertion, a direct child of the Response, nothing encrypted, and no ID used twice. */
function checkStructure(doc: Document, response: Element): Element {
  if (descendants(doc, NS.assertion, 'EncryptedAssertion').length > 0) throw reject.token('Encrypted assertions are not supported.');
  const assertions = descendants(doc, NS.assertion, 'Assertion');
  if (assertions.length !== 1) throw reject.token(`The SAML response must contain exactly one Assertion, not ${assertions.length}.`);
  const assertion = assertions[0]!;
  if (assertion.parentNode !== response) throw reject.token('The Assertion must be a direct child of the Response.');
  // Any attribute whose local name is ID, Id or id counts, prefixed or not: that is what
  // xml-crypto resolves a Reference URI against.
  const ids = new Set<string>();
  for (const el of allElements(doc)) {
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i);
      if (!a || !['ID', 'Id', 'id'].includes(a.localName ?? a.name)) continue;
      if (ids.has(a.value)) throw reject.token(`The ID '${a.value}' appears more than once.`);
      ids.add(a.value);
    }
  }
  return assertion;
}

function checkTime(a: Element, ctx: SamlCheckContext): Date {
  const now = ctx.now.getTime();
  const issueInstant = samlTime(attr(a, 'IssueInstant'), 'Assertion IssueInstant');
  if (!issueInstant) throw reject.token('The Assertion has no IssueInstant.');
  if (issueInstant.getTime() > now + ctx.skewMs) throw reject.token('The Assertion was issued in the future.');
  const conditions = onlyChild(a, NS.assertion, 'Conditions');
  if (!conditions) throw reject.token('The Assertion has no Conditions.');
  const notBefore = samlTime(attr(conditions, 'NotBefore'), 'Conditions NotBefore');
  const notOnOrAfter = samlTime(attr(conditions, 'NotOnOrAfter'), 'Conditions NotOnOrAfter');
  if (notBefore && now + ctx.skewMs < notBefore.getTime()) throw reject.token('Response is not yet valid.');
  if (notOnOrAfter && now - ctx.skewMs >= notOnOrAfter.getTime()) throw reject.expired('Response has expired.');
  return notOnOrAfter ?? issueInstant;
}

function checkAudience(a: Element, ctx: SamlCheckContext): void {
  const conditions = onlyChild(a, NS.assertion, 'Conditions')!;
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) throw reject.token('The Assertion has no AudienceRestriction.');
  for (const restriction of restrictions) {
    const audiences = children(restriction, NS.assertion, 'Audience').map((el) => text(el));
    if (!audiences.some((aud) => ctx.acceptedAudiences.includes(aud))) {
      throw reject.token(`Audience ${audiences.join(', ') || '(none)'} is not the AWS sign-in endpoint.`);
    }
  }
}

function checkSubject(a: Element, ctx: SamlCheckContext): { nameId: Element; recipient: string; notOnOrAfter: Date } {
  const subject = onlyChild(a, NS.assertion, 'Subject');
  if (!subject) throw reject.token('The Assertion has no Subject.');
  const nameId = onlyChild(subject, NS.assertion, 'NameID');
  if (!nameId || text(nameId) === '') throw reject.token('The Subject has no NameID.');
  const confirmations = children(subject, NS.assertion, 'SubjectConfirmation');
  if (confirmations.length !== 1) throw reject.token(`The Subject must have exactly one SubjectConfirmation, not ${confirmations.length}.`);
  const confirmation = confirmations[0]!;
  if (attr(confirmation, 'Method') !== SAML.bearer) throw reject.token('The SubjectConfirmation method must be bearer.');
  const data = onlyChild(confirmation, NS.assertion, 'SubjectConfirmationData');
  if (!data) throw reject.token('The SubjectConfirmation has no SubjectConfirmationData.');
  const recipient = attr(data, 'Recipient');
  const notOnOrAfter = samlTime(attr(data, 'NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter');
  if (!notOnOrAfter) throw reject.token('SubjectConfirmationData must carry NotOnOrAfter.');
  if (!recipient) throw reject.token('SubjectConfirmationData must carry Recipient.');
  if (!ctx.acceptedRecipients.includes(recipient)) throw reject.token(`Recipient '${recipient}' is not the AWS sign-in endpoint.`);
  const notBefore = samlTime(attr(data, 'NotBefore'), 'SubjectConfirmationData NotBefore');
  if (notBefore && ctx.now.getTime() + ctx.skewMs < notBefore.getTime()) throw reject.token('Response is not yet valid.');
  if (ctx.now.getTime() - ctx.skewMs >= notOnOrAfter.getTime()) throw reject.expired('Response has expired.');
  return { nameId, recipient, notOnOrAfter };
}

/** NameQualifier as AWS documents it: base64(SHA-1(issuer + account + "/" + provider name)). */
export function nameQualifier(issuer: string, account: string, providerName: string): string {
  return createHash('sha1').update(issuer + account + '/' + providerName, 'utf8').digest('base64');
}

function subjectType(format: string | undefined): string {
  if (!format) return 'unspecified';
  return format.startsWith(SAML.nameIdFormatPrefix) ? format.slice(SAML.nameIdFormatPrefix.length) : format;
}

export function assumeRoleWithSaml(params: AssumeRoleWithSamlParams, ctx: SamlCheckContext): SamlSession {
  try {
    return checkAssumeRoleWithSaml(params, ctx);
  } catch (e) {
    // A repeated element that must be single (onlyChild) is a malformed response too.
    if (e instanceof XmlRejected) throw reject.token(`Invalid SAML response: ${e.message}`);
    throw e;
  }
}

function checkAssumeRoleWithSaml(params: AssumeRoleWithSamlParams, ctx: SamlCheckContext): SamlSession {
  // 1. Request parameters (the API's own constraints).
  const p = checkParameters(params);

  // 2. The SAML provider named by PrincipalArn.
  const provider: SamlProvider | undefined = ctx.iam.provider(p.principalArn);
  if (!provider) throw reject.token(`Specified provider doesn't exist (${p.principalArn}).`);

  // 3. Base64, then XML that parses cleanly and has no DOCTYPE.
  const xml = decodeBase64(p.assertion);
  const doc = parseResponse(xml);
  const response = doc.documentElement!;
  if (!is(response, NS.protocol, 'Response')) throw reject.token('The SAML message is not a samlp:Response.');
  if (attr(response, 'Version') !== '2.0') throw reject.token('The SAML response is not version 2.0.');

  // 4. The IdP's own verdict.
  const status = onlyChild(response, NS.protocol, 'Status');
  const statusCode = status ? onlyChild(status, NS.protocol, 'StatusCode') : undefined;
  if (!statusCode || attr(statusCode, 'Value') !== SAML.success) {
    throw new StandinError('IDPRejectedClaim', 403, 'The identity provider did not report a successful authentication.');
  }

  // 5. Structure: one Assertion, where it belongs, and unique IDs (signature wrapping).
  const outerAssertion = checkStructure(doc, response);

  // 6. Signatures: the Assertion's (required) and the Response's (checked when present).
  const a = verifyEnvelopedSignature(xml, outerAssertion, provider.certificates);
  if (children(response, NS.dsig, 'Signature').length > 0) verifyEnvelopedSignature(xml, response, provider.certificates);
  if (attr(a, 'Version') !== '2.0') throw reject.token('The Assertion is not version 2.0.');

  // 7. Issuer: exactly the entityID of the provider's metadata.
  const issuer = text(onlyChild(a, NS.assertion, 'Issuer'));
  if (issuer !== provider.entityId) throw reject.token('Issuer not present in specified provider');
  const responseIssuer = onlyChild(response, NS.assertion, 'Issuer');
  if (responseIssuer && text(responseIssuer) !== provider.entityId) throw reject.token('Issuer not present in specified provider');

  // 8. Replay: an assertion is good for one call.
  const assertionId = attr(a, 'ID')!;
  if (ctx.replay.has(assertionId)) throw reject.token('The SAML assertion has already been used (replay).');

  // 9. Lifetime of the assertion.
  const conditionsEnd = checkTime(a, ctx);

  // 10. Audience.
  checkAudience(a, ctx);

  // 11. Subject and its one bearer confirmation.
  const { nameId, recipient, notOnOrAfter } = checkSubject(a, ctx);

  // 12. Destination of the Response, when given.
  const destination = attr(response, 'Destination');
  if (destination !== undefined && !ctx.acceptedRecipients.includes(destination)) {
    throw reject.token(`Destination '${destination}' is not the AWS sign-in endpoint.`);
  }

  // 13. AuthnStatement: SessionNotOnOrAfter caps the session.
  let sessionNotOnOrAfter: Date | undefined;
  for (const statement of children(a, NS.assertion, 'AuthnStatement')) {
    const end = samlTime(attr(statement, 'SessionNotOnOrAfter'), 'AuthnStatement SessionNotOnOrAfter');
    if (end && (!sessionNotOnOrAfter || end < sessionNotOnOrAfter)) sessionNotOnOrAfter = end;
  }
  if (sessionNotOnOrAfter && sessionNotOnOrAfter.getTime() <= ctx.now.getTime()) throw reject.expired('Response has expired (SessionNotOnOrAfter).');

  // 14. The Role attribute must name this role with this provider.
  const attributes = readAttributes(a);
  const roleValues = attributes.get(AWS_ATTRIBUTE.role);
  if (!roleValues || roleValues.length === 0) throw reject.token('No Role attribute in AuthnResponse.');
  if (!roleValues.some((v) => matchesRolePair(v, p.roleArn, p.principalArn))) {
    throw reject.denied('Not authorized to perform sts:AssumeRoleWithSAML');
  }

  // 15. The role exists and its trust policy lets this provider assume it, with the condition keys
  // IAM derives from the verified assertion (SAML:aud is the Recipient).
  const role = ctx.iam.role(p.roleArn);
  if (!role) throw reject.denied('Not authorized to perform sts:AssumeRoleWithSAML');
  const trustKeys: Record<string, string | undefined> = {
    'saml:aud': recipient,
    'saml:iss': issuer,
    'saml:sub': text(nameId),
    'saml:sub_type': subjectType(attr(nameId, 'Format')),
    'saml:namequalifier': nameQualifier(issuer, provider.account, provider.name),
  };
  if (!ctx.iam.permits(role, 'sts:AssumeRoleWithSAML', provider, trustKeys)) throw reject.denied('Not authorized to perform sts:AssumeRoleWithSAML');

  // 16. RoleSessionName.
  const sessionName = single(attributes, AWS_ATTRIBUTE.roleSessionName, 'RoleSessionName');
  if (sessionName === undefined) throw reject.token('RoleSessionName is required in AuthnResponse');
  if (!SESSION_NAME.test(sessionName)) throw reject.token('RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}');

  // 17. SessionDuration (console session length).
  const sessionDurationRaw = single(attributes, AWS_ATTRIBUTE.sessionDuration, 'SessionDuration');
  let sessionDurationAttribute: number | undefined;
  if (sessionDurationRaw !== undefined) {
    sessionDurationAttribute = /^\d+$/.test(sessionDurationRaw) ? Number(sessionDurationRaw) : NaN;
    if (!(sessionDurationAttribute >= 900 && sessionDurationAttribute <= 43200)) {
      throw reject.token('SessionDuration in AuthnResponse must be an integer from 900 to 43200');
    }
  }

  // 18. SourceIdentity: form, then the trust policy's sts:SetSourceIdentity.
  const sourceIdentity = single(attributes, AWS_ATTRIBUTE.sourceIdentity, 'SourceIdentity');
  if (sourceIdentity !== undefined) {
    if (sourceIdentity.toLowerCase().startsWith('aws:')) throw reject.token("SourceIdentity in AuthnResponse must not start with 'aws:'");
    if (!SOURCE_IDENTITY.test(sourceIdentity)) throw reject.token('SourceIdentity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}');
    if (!ctx.iam.permits(role, 'sts:SetSourceIdentity', provider, { ...trustKeys, 'sts:sourceidentity': sourceIdentity })) {
      throw reject.denied(`Not authorized to perform sts:SetSourceIdentity on ${role.arn}.`);
    }
  }

  // 19. Session tags: the trust policy's sts:TagSession, then AWS's limits.
  const { tags, transitive } = readTags(attributes, role, () => ctx.iam.permits(role, 'sts:TagSession', provider, trustKeys));

  // 20. DurationSeconds against the role's maximum.
  if (p.duration !== undefined && p.duration > role.maxSessionDuration) {
    throw reject.validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }

  // Accepted: remember the ID until the assertion would have expired anyway.
  const replayUntil = Math.max(notOnOrAfter.getTime(), conditionsEnd.getTime()) + ctx.skewMs;
  ctx.replay.remember(assertionId, new Date(replayUntil));

  let expiration = new Date(ctx.now.getTime() + (p.duration ?? DEFAULT_DURATION) * 1000);
  if (sessionNotOnOrAfter && sessionNotOnOrAfter < expiration) expiration = sessionNotOnOrAfter;
  expiration = new Date(Math.floor(expiration.getTime() / 1000) * 1000);

  return {
    roleArn: role.arn,
    partition: role.partition,
    roleId: role.roleId,
    roleName: role.name,
    account: role.account,
    sessionName,
    sourceIdentity,
    tags,
    transitiveTagKeys: transitive,
    providerArn: provider.arn,
    expiration,
    subject: text(nameId),
    subjectType: subjectType(attr(nameId, 'Format')),
    issuer,
    audience: recipient,
    nameQualifier: nameQualifier(issuer, provider.account, provider.name),
    sessionDurationAttribute,
  };
}
