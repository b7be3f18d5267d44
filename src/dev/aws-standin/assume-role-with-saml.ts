// STS AssumeRoleWithSAML, held to AWS.md §1–2. The checks run as a flat list of early exits in
// the order AWS meets them: request parameters, the provider, safe XML, document structure,
// signature, issuer, replay, time, audience, subject, destination, attributes, trust, duration.
// Every value about the session is read from the Assertion as re-parsed from its verified bytes.
import { createHash } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { StandinError, reject } from './errors.ts';
import type { IamDirectory, Role, SamlProvider } from './iam.ts';
import type { ReplayCache, SessionPrincipal } from './credentials.ts';
import { NS, XmlRejected, allElements, attr, children, descendants, is, onlyChild, parseStrictXml, text } from './safe-xml.ts';
import { verifyEnvelopedSignature } from './saml-signature.ts';

export const SAML = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  nameIdFormatPrefix: 'urn:oasis:names:tc:SAML:2.0:nameid-format:',
} as const;

export const AWS_ATTRIBUTE = {
  role: 'https://aws.amazon.com/SAML/Attributes/Role',
  roleSessionName: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
  sessionDuration: 'https://aws.amazon.com/SAML/Attributes/SessionDuration',
  sourceIdentity: 'https://aws.amazon.com/SAML/Attributes/SourceIdentity',
  principalTagPrefix: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:',
  transitiveTagKeys: 'https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys',
} as const;

export const AWS_AUDIENCES = ['https://signin.aws.amazon.com/saml', 'urn:amazon:webservices'] as const;

export interface AssumeRoleWithSamlParams {
  RoleArn?: string;
  PrincipalArn?: string;
  SAMLAssertion?: string;
  DurationSeconds?: string;
  Policy?: string;
  PolicyArns: string[];
}

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
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const MAX_POLICY_CHARS = 2048;
const MAX_POLICY_ARNS = 10;
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

/** Attribute values by attribute Name, from every AttributeStatement of the verified assertion. */
function readAttributes(assertion: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name') ?? '';
      const values = children(attribute, NS.assertion, 'AttributeValue').map((v) => text(v));
      out.set(name, [...(out.get(name) ?? []), ...values]);
    }
  }
  return out;
}

function single(attributes: Map<string, string[]>, name: string, label: string): string | undefined {
  const values = attributes.get(name);
  if (values === undefined) return undefined;
  if (values.length !== 1) throw reject.token(`${label} in AuthnResponse must have exactly one value.`);
  return values[0];
}

function checkParameters(p: AssumeRoleWithSamlParams): { roleArn: string; principalArn: string; assertion: string; duration?: number } {
  if (!p.RoleArn) throw reject.validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (!p.PrincipalArn) throw reject.validation("1 validation error detected: Value null at 'principalArn' failed to satisfy constraint: Member must not be null");
  if (!p.SAMLAssertion) throw reject.validation("1 validation error detected: Value null at 'sAMLAssertion' failed to satisfy constraint: Member must not be null");
  if (p.RoleArn.length < 20 || p.RoleArn.length > 2048) throw reject.validation("Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
  if (p.PrincipalArn.length < 20 || p.PrincipalArn.length > 2048) throw reject.validation("Value at 'principalArn' failed to satisfy constraint: Member must have length between 20 and 2048");
  if (p.SAMLAssertion.length < 4 || p.SAMLAssertion.length > 100000) throw reject.validation("Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length between 4 and 100000");
  let duration: number | undefined;
  if (p.DurationSeconds !== undefined) {
    duration = /^\d+$/.test(p.DurationSeconds) ? Number(p.DurationSeconds) : NaN;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw reject.validation(`Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
  }
  if (p.Policy !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(p.Policy);
    } catch {
      throw new StandinError('MalformedPolicyDocument', 400, 'The session policy is not valid JSON.');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
      throw new StandinError('MalformedPolicyDocument', 400, 'The session policy has no Statement.');
    }
    if (p.Policy.length > MAX_POLICY_CHARS) {
      throw new StandinError('PackedPolicyTooLarge', 400, `The session policy exceeds ${MAX_POLICY_CHARS} characters.`);
    }
  }
  if (p.PolicyArns.length > MAX_POLICY_ARNS) throw reject.validation(`At most ${MAX_POLICY_ARNS} managed session policies are allowed.`);
  for (const arn of p.PolicyArns) {
    if (!/^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/.+$/.test(arn)) throw reject.validation(`'${arn}' is not a managed policy ARN.`);
  }
  return { roleArn: p.RoleArn, principalArn: p.PrincipalArn, assertion: p.SAMLAssertion, duration };
}

/** Exactly one Assertion, a direct child of the Response, nothing encrypted, and no ID used twice. */
function checkStructure(doc: Document, response: Element): Element {
  if (descendants(doc, NS.assertion, 'EncryptedAssertion').length > 0) throw reject.token('Encrypted assertions are not supported.');
  const assertions = descendants(doc, NS.assertion, 'Assertion');
  if (assertions.length !== 1) throw reject.token(`The SAML response must contain exactly one Assertion, not ${assertions.length}.`);
  const assertion = assertions[0]!;
  if (assertion.parentNode !== response) throw reject.token('The Assertion must be a direct child of the Response.');
  const ids = new Set<string>();
  for (const el of allElements(doc)) {
    for (const name of ['ID', 'Id', 'id']) {
      const value = attr(el, name);
      if (value === undefined) continue;
      if (ids.has(value)) throw reject.token(`The ID '${value}' appears more than once.`);
      ids.add(value);
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

/** The Role value naming this role and provider, `role,provider` or `provider,role`. */
function matchesRolePair(value: string, roleArn: string, providerArn: string): boolean {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length !== 2) return false;
  return (parts[0] === roleArn && parts[1] === providerArn) || (parts[0] === providerArn && parts[1] === roleArn);
}

function readTags(attributes: Map<string, string[]>, role: Role): { tags: Record<string, string>; transitive: string[] } {
  const tags: Record<string, string> = {};
  const lowerKeys = new Set<string>();
  for (const [name, values] of attributes) {
    if (!name.startsWith(AWS_ATTRIBUTE.principalTagPrefix)) continue;
    const key = name.slice(AWS_ATTRIBUTE.principalTagPrefix.length);
    if (values.length !== 1) throw reject.validation(`Session tag '${key}' must have exactly one value.`);
    const value = values[0]!;
    if (key.length === 0 || key.length > MAX_TAG_KEY || !TAG_KEY.test(key)) {
      throw reject.validation(`Session tag key '${key.slice(0, 140)}' must be 1–${MAX_TAG_KEY} characters of letters, digits, spaces and _.:/=+-@.`);
    }
    if (key.toLowerCase().startsWith('aws:')) throw reject.validation(`Session tag key '${key}' uses the reserved prefix 'aws:'.`);
    if (value.length > MAX_TAG_VALUE || !TAG_VALUE.test(value)) {
      throw reject.validation(`Session tag value for '${key}' must be at most ${MAX_TAG_VALUE} characters of letters, digits, spaces and _.:/=+-@.`);
    }
    if (lowerKeys.has(key.toLowerCase())) throw reject.validation(`Duplicate tag keys found: '${key}' (tag keys are case-insensitive).`);
    lowerKeys.add(key.toLowerCase());
    tags[key] = value;
  }
  const transitive = attributes.get(AWS_ATTRIBUTE.transitiveTagKeys) ?? [];
  const count = Object.keys(tags).length;
  if ((count > 0 || transitive.length > 0) && !role.allowTagSession) {
    throw reject.denied(`Not authorized to perform sts:TagSession on ${role.arn}.`);
  }
  if (count > MAX_TAGS) {
    throw new StandinError('PackedPolicyTooLarge', 400, `Packed size of session tags exceeds the limit: ${count} tags given, at most ${MAX_TAGS} allowed.`);
  }
  for (const key of transitive) {
    if (!lowerKeys.has(key.toLowerCase())) throw reject.validation(`Transitive tag key '${key}' is not among the session tags.`);
  }
  return { tags, transitive };
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

  // 15. The role exists and its trust policy names this provider.
  const role = ctx.iam.role(p.roleArn);
  if (!role) throw reject.denied('Not authorized to perform sts:AssumeRoleWithSAML');
  if (!ctx.iam.trusts(role, provider)) throw reject.denied('Not authorized to perform sts:AssumeRoleWithSAML');

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
    if (!role.allowSetSourceIdentity) throw reject.denied(`Not authorized to perform sts:SetSourceIdentity on ${role.arn}.`);
  }

  // 19. Session tags: the trust policy's sts:TagSession, then AWS's limits.
  const { tags, transitive } = readTags(attributes, role);

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
