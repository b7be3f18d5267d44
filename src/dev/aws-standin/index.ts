// The offline AWS stand-in (AWS.md §5): STS (AssumeRoleWithSAML, GetCallerIdentity with SigV4),
// the federation sign-in endpoint and a tiny console page, speaking AWS's wire formats so the
// real SDK and CLI can talk to it. Development and tests only; nothing in the broker imports it.
export { createAwsStandin, defaultAudiences, defaultRecipients } from './standin.ts';
export type { AwsStandin, AwsStandinOptions, RegisteredProvider, RegisteredRole } from './standin.ts';
export type { RoleOptions } from './iam.ts';
export { StandinError, isStandinError } from './errors.ts';
export type { StandinErrorCode } from './errors.ts';
export { parseIdpMetadata } from './metadata.ts';
export { verifySigV4, parseAuthorization } from './sigv4.ts';
