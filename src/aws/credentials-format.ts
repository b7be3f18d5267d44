// Renders temporary credentials for tools (AWS.md §4): shell `export` lines, a
// `~/.aws/credentials` profile block, and `credential_process` JSON. The output is shown to the
// person the keys belong to; it is never logged.
import { HatrackError } from '../errors.ts';
import type { SessionCredentials } from './types.ts';
import { isRegionName } from './partition.ts';

// Access keys, secrets and session tokens are printable ASCII without spaces (base64-ish). Anything
// else means the response was not what STS sends, and must not reach a shell or an INI file.
const credentialValue = /^[\x21-\x7e]+$/;

function checked(creds: SessionCredentials): SessionCredentials {
  for (const [name, value] of [['accessKeyId', creds.accessKeyId], ['secretAccessKey', creds.secretAccessKey], ['sessionToken', creds.sessionToken]] as const) {
    if (typeof value !== 'string' || !credentialValue.test(value)) {
      throw new HatrackError('credentials_malformed', 502, 'AWS returned credentials Hatrack cannot display safely.', `${name} has unexpected characters`);
    }
  }
  if (!(creds.expiration instanceof Date) || Number.isNaN(creds.expiration.getTime())) {
    throw new HatrackError('credentials_malformed', 502, 'AWS returned credentials without a valid expiry time.');
  }
  return creds;
}

/** POSIX shell single-quoting: safe for any string, including `'`, `$`, backticks and newlines. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export AWS_…=…` lines for sh/bash/zsh; AWS_REGION only when known. */
export function envExports(creds: SessionCredentials, opts: { region?: string } = {}): string {
  const c = checked(creds);
  const lines: Array<[string, string]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration.toISOString()],
  ];
  if (opts.region !== undefined && opts.region !== '') {
    if (!isRegionName(opts.region)) throw new HatrackError('invalid_region', 500, 'The configured AWS region is not a region name such as us-east-1.');
    lines.push(['AWS_REGION', opts.region]);
  }
  return lines.map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n') + '\n';
}

/**
 * A profile name safe inside `[…]` of an INI file: characters outside `[A-Za-z0-9_+=,.@-]` (IAM's
 * role-name set) become `-`; empty becomes `default`.
 */
export function profileName(name: string): string {
  const cleaned = name.normalize('NFC').replace(/[^A-Za-z0-9_+=,.@-]/gu, '-').slice(0, 64);
  return cleaned === '' ? 'default' : cleaned;
}

/** A `~/.aws/credentials` block. The file has no expiry key, so the expiry is a comment. */
export function credentialsFileBlock(creds: SessionCredentials, profile: string): string {
  const c = checked(creds);
  return [
    `[${profileName(profile)}]`,
    `# expires ${c.expiration.toISOString()}`,
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${c.secretAccessKey}`,
    `aws_session_token = ${c.sessionToken}`,
  ].join('\n') + '\n';
}

/** The JSON a `credential_process` prints on stdout (Version 1, ISO 8601 Expiration). */
export function credentialProcessJson(creds: SessionCredentials): string {
  const c = checked(creds);
  return JSON.stringify({
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration.toISOString(),
  });
}

export interface CredentialsViews {
  envExports: string;
  credentialsFile: string;
  credentialProcessJson: string;
}

/** All three renderings at once, for the keys page. */
export function credentialsViews(creds: SessionCredentials, opts: { profile: string; region?: string }): CredentialsViews {
  return {
    envExports: envExports(creds, { region: opts.region }),
    credentialsFile: credentialsFileBlock(creds, opts.profile),
    credentialProcessJson: credentialProcessJson(creds),
  };
}
