// Strict patterns and parsers for the two kinds of ARN Hatrack puts into a minted assertion: IAM
// role ARNs and IAM SAML provider ARNs. Every Role value is `roleArn,providerArn` and both halves
// are checked here before anything is signed (SECURITY.md W8), so a comma, a wildcard or a stray
// character in config or in a posted form can never widen or split a Role value.
import { fail } from '../errors.ts';

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';
export const PARTITIONS: readonly Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];

export interface RoleArn {
  arn: string;
  partition: Partition;
  accountId: string;
  /** The IAM path, `/` or `/seg/…/`, always starting and ending with a slash. */
  path: string;
  /** The role name: the last path segment. */
  name: string;
}

export interface SamlProviderArn {
  arn: string;
  partition: Partition;
  accountId: string;
  name: string;
}

// IAM's character set for role names and path segments is `[\w+=,.@-]` (ASCII only: no `u` flag,
// so `\w` is [A-Za-z0-9_]). Role names are at most 64 characters, paths at most 512.
const roleArnPattern =
  /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
// CreateSAMLProvider names: `[\w._-]`, 1–128 characters (the same rule as config aws.samlProviderName).
const providerNamePattern = /^[\w.-]{1,128}$/;
const samlProviderArnPattern = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):saml-provider\/([\w.-]{1,128})$/;
const accountIdPattern = /^\d{12}$/;

const MAX_PATH = 512;

/** A short, quoted rendering of a rejected value for the log (ARNs are not secrets). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value;
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

export function isPartition(value: unknown): value is Partition {
  return typeof value === 'string' && (PARTITIONS as readonly string[]).includes(value);
}

/** Parses `arn:<partition>:iam::<12 digits>:role/<path/>name`, or throws `invalid_role_arn`. */
export function parseRoleArn(value: unknown): RoleArn {
  const m = typeof value === 'string' ? roleArnPattern.exec(value) : null;
  if (!m || m[3]!.length > MAX_PATH) {
    throw fail.badRequest('invalid_role_arn', 'That is not a valid IAM role ARN.', `role ARN ${shown(value)}`);
  }
  return { arn: value as string, partition: m[1] as Partition, accountId: m[2]!, path: m[3]!, name: m[4]! };
}

/** Parses `arn:<partition>:iam::<12 digits>:saml-provider/<name>`, or throws `invalid_saml_provider_arn`. */
export function parseSamlProviderArn(value: unknown): SamlProviderArn {
  const m = typeof value === 'string' ? samlProviderArnPattern.exec(value) : null;
  if (!m) {
    throw fail.badRequest('invalid_saml_provider_arn', 'That is not a valid IAM SAML provider ARN.', `provider ARN ${shown(value)}`);
  }
  return { arn: value as string, partition: m[1] as Partition, accountId: m[2]!, name: m[3]! };
}

export function isRoleArn(value: unknown): value is string {
  return typeof value === 'string' && roleArnPattern.test(value) && roleArnPattern.exec(value)![3]!.length <= MAX_PATH;
}

export function isSamlProviderArn(value: unknown): value is string {
  return typeof value === 'string' && samlProviderArnPattern.test(value);
}

/** The ARN of the IAM SAML provider `name` in `accountId`; every part is checked. */
export function samlProviderArn(partition: string, accountId: string, name: string): string {
  if (!isPartition(partition)) {
    throw fail.badRequest('invalid_partition', 'That is not an AWS partition (aws, aws-us-gov or aws-cn).', `partition ${shown(partition)}`);
  }
  if (!accountIdPattern.test(accountId)) {
    throw fail.badRequest('invalid_account_id', 'An AWS account ID is 12 digits.', `account ${shown(accountId)}`);
  }
  if (!providerNamePattern.test(name)) {
    throw fail.badRequest('invalid_saml_provider_arn', 'That is not a valid IAM SAML provider name.', `provider name ${shown(name)}`);
  }
  return `arn:${partition}:iam::${accountId}:saml-provider/${name}`;
}
