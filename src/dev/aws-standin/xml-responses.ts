// STS's XML answers, element for element as AWS writes them (namespace
// https://sts.amazonaws.com/doc/2011-06-15/), so the real SDK and CLI parse them unchanged.
import type { StandinError } from './errors.ts';
import { assumedRoleArn, assumedRoleId, type IssuedCredentials } from './credentials.ts';
import type { SamlSession } from './assume-role-with-saml.ts';

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<name>value</name>`, or nothing when the value is undefined. */
function el(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
}

/** AWS writes expirations to the second: `2019-11-01T20:26:47Z`. */
export function awsTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metadata(requestId: string): string {
  return `<ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>`;
}

export function assumeRoleWithSamlXml(session: SamlSession, creds: IssuedCredentials, requestId: string): string {
  return (
    `<AssumeRoleWithSAMLResponse xmlns="${STS_NS}">` +
    '<AssumeRoleWithSAMLResult>' +
    '<Credentials>' +
    el('AccessKeyId', creds.accessKeyId) +
    el('SecretAccessKey', creds.secretAccessKey) +
    el('SessionToken', creds.sessionToken) +
    el('Expiration', awsTimestamp(creds.expiration)) +
    '</Credentials>' +
    '<AssumedRoleUser>' +
    el('AssumedRoleId', assumedRoleId(creds)) +
    el('Arn', assumedRoleArn(creds)) +
    '</AssumedRoleUser>' +
    el('Subject', session.subject) +
    el('SubjectType', session.subjectType) +
    el('Issuer', session.issuer) +
    el('Audience', session.audience) +
    el('NameQualifier', session.nameQualifier) +
    el('SourceIdentity', session.sourceIdentity) +
    '</AssumeRoleWithSAMLResult>' +
    metadata(requestId) +
    '</AssumeRoleWithSAMLResponse>'
  );
}

export function getCallerIdentityXml(creds: IssuedCredentials, requestId: string): string {
  return (
    `<GetCallerIdentityResponse xmlns="${STS_NS}">` +
    '<GetCallerIdentityResult>' +
    el('Arn', assumedRoleArn(creds)) +
    el('UserId', assumedRoleId(creds)) +
    el('Account', creds.account) +
    '</GetCallerIdentityResult>' +
    metadata(requestId) +
    '</GetCallerIdentityResponse>'
  );
}

export function errorXml(error: StandinError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_NS}">` +
    `<Error>${el('Type', error.type)}${el('Code', error.code)}${el('Message', error.message)}</Error>` +
    el('RequestId', requestId) +
    '</ErrorResponse>'
  );
}
