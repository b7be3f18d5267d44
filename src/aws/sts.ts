// AssumeRoleWithSAML (AWS.md §2): trades a minted, base64-encoded SAML response for temporary
// credentials, and turns STS's failures into HatrackErrors with a plain sentence and a stable code.
//
// The call is unsigned: STS authenticates it by the SAML signature alone. The SDK picks its
// `smithy.api#noAuth` scheme for this operation; in addition the client gets a credentials provider
// that refuses, so the SDK's default chain (environment, ~/.aws, instance metadata) is never
// consulted even if a future endpoint rule asked for SigV4 — that would fail loudly, not sign with
// whatever credentials happen to lie around.
import { AssumeRoleWithSAMLCommand, STSClient } from '@aws-sdk/client-sts';
import { HatrackError } from '../errors.ts';
import { parseRoleArn, parseSamlProviderArn } from './arn.ts';
import type { SessionCredentials } from './types.ts';

export interface AssumeRoleWithSamlInput {
  roleArn: string;
  providerArn: string;
  /** The minted response, base64 (mint.ts `encodeForSts`). A secret until it expires. */
  samlAssertionBase64: string;
  /** 900 s up to the role's maximum; omitted, STS uses the SessionDuration attribute or 1 h. */
  durationSeconds?: number;
}

export interface StsSettings {
  region: string;
  /** An STS endpoint URL; default: the SDK's regional endpoint. */
  endpoint?: string;
  /** Bound on the whole call; default 10 s. */
  timeoutMs?: number;
}

export interface AssumedRole extends SessionCredentials {
  assumedRoleArn: string;
  sourceIdentity?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const clients = new Map<string, STSClient>();

const refuseCredentials = async (): Promise<never> => {
  throw new Error('AssumeRoleWithSAML is an unsigned call; Hatrack never loads AWS credentials for it');
};

function clientFor(settings: StsSettings, timeoutMs: number): STSClient {
  const key = JSON.stringify([settings.region, settings.endpoint ?? '', timeoutMs]);
  let client = clients.get(key);
  if (!client) {
    client = new STSClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      credentials: refuseCredentials,
      // One attempt: a retried assertion may already have been accepted (and AWS may treat a
      // second use as a replay); the person can simply try again, which mints a fresh one.
      maxAttempts: 1,
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 5_000), requestTimeout: timeoutMs },
    });
    clients.set(key, client);
  }
  return client;
}

/** Drops the cached clients (and their sockets); for shutdown and tests. */
export function closeStsClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}

interface TranslatedCode { code: string; status: 403 | 502 | 503; message: string }

// Keyed by the STS error code with any `Exception` suffix removed: the SDK names modelled errors
// after their classes (`IDPRejectedClaimException`) and unmodelled ones after the wire code
// (`AccessDenied`). Both spellings of the packed-policy error are in the wild.
const known: Record<string, TranslatedCode> = {
  AccessDenied: { code: 'sts_access_denied', status: 403, message: 'AWS did not allow this role: its trust policy does not accept Hatrack\'s sign-in (provider, audience, session tags or source identity).' },
  IDPRejectedClaim: { code: 'sts_idp_rejected_claim', status: 403, message: 'AWS rejected Hatrack\'s sign-in for this role. The account\'s SAML provider may not have Hatrack\'s current metadata.' },
  InvalidIdentityToken: { code: 'sts_invalid_identity_token', status: 403, message: 'AWS could not validate Hatrack\'s sign-in for this role. The account\'s SAML provider may not have Hatrack\'s current metadata.' },
  ExpiredToken: { code: 'sts_expired_token', status: 502, message: 'AWS considered Hatrack\'s sign-in expired; the server clock may be off. Please try again.' },
  MalformedPolicyDocument: { code: 'sts_malformed_policy', status: 502, message: 'AWS rejected the session policy for this role; ask an administrator.' },
  PackedPolicyTooLarge: { code: 'sts_packed_policy_too_large', status: 502, message: 'The session tags or policies for this role are too large for AWS; ask an administrator.' },
  PackedPolicySizeTooLarge: { code: 'sts_packed_policy_too_large', status: 502, message: 'The session tags or policies for this role are too large for AWS; ask an administrator.' },
  ValidationError: { code: 'sts_validation_error', status: 502, message: 'AWS refused the request for this role, most often because the role\'s maximum session duration is shorter than the session Hatrack asked for; ask an administrator to raise it.' },
  RegionDisabled: { code: 'sts_region_disabled', status: 502, message: 'AWS STS is not activated in the configured region for this account; ask an administrator.' },
  Throttling: { code: 'sts_throttled', status: 503, message: 'AWS is busy right now. Please try again in a moment.' },
};

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Whether the connection was closed under the request before any answer came back. */
function wasReset(e: unknown): boolean {
  const code = (e as SdkError | undefined)?.code;
  return (code === 'ECONNRESET' || code === 'EPIPE') && (e as SdkError).$metadata?.httpStatusCode === undefined;
}

/** A HatrackError for anything `AssumeRoleWithSAML` threw. Never carries the assertion or keys. */
export function translateStsError(e: unknown): HatrackError {
  if (e instanceof HatrackError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkError;
  const httpStatus = err.$metadata?.httpStatusCode;
  if (httpStatus === undefined) {
    // No HTTP answer at all: refused, reset, DNS, TLS, timeout or abort. (The SDK names a reset
    // TimeoutError too; its code tells them apart.)
    const reason = wasReset(e) ? `connection reset (${err.code})`
      : err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timed out' : (err.code ?? err.name ?? 'network error');
    return new HatrackError('sts_unreachable', 503, 'AWS STS could not be reached. Please try again in a moment.', `AssumeRoleWithSAML: ${reason}`, { cause: e });
  }
  const wire = String(err.Code ?? err.name ?? 'Unknown');
  const key = wire.replace(/Exception$/, '');
  const hit = known[key];
  // The message STS sends names the rule that failed, not the assertion; cut it short anyway.
  const detail = `AssumeRoleWithSAML: ${wire} (HTTP ${httpStatus}${err.$metadata?.requestId ? `, request ${err.$metadata.requestId}` : ''}): ${String(err.message ?? '').slice(0, 300)}`;
  if (hit) return new HatrackError(hit.code, hit.status, hit.message, detail);
  return new HatrackError('sts_failed', 502, 'AWS STS could not issue credentials for this role. Please try again; if it keeps failing, ask an administrator.', detail);
}

/** Calls STS AssumeRoleWithSAML without AWS credentials and returns the temporary credentials. */
export async function assumeRoleWithSaml(input: AssumeRoleWithSamlInput, settings: StsSettings): Promise<AssumedRole> {
  // W8 again at the last step: only strictly valid ARNs leave the process.
  parseRoleArn(input.roleArn);
  parseSamlProviderArn(input.providerArn);
  if (input.durationSeconds !== undefined && (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 900 || input.durationSeconds > 43200)) {
    throw new HatrackError('sts_invalid_duration', 500, 'The session length must be 15 minutes to 12 hours.', `durationSeconds ${input.durationSeconds}`);
  }
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = clientFor(settings, timeoutMs);

  const command = new AssumeRoleWithSAMLCommand({
    RoleArn: input.roleArn,
    PrincipalArn: input.providerArn,
    SAMLAssertion: input.samlAssertionBase64,
    ...(input.durationSeconds !== undefined ? { DurationSeconds: input.durationSeconds } : {}),
  });
  // One bound for the whole call, retry included; a timer cleared at the end rather than
  // AbortSignal.timeout, which would still fire (and build its error) long after every call.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let out;
  try {
    try {
      out = await client.send(command, { abortSignal: deadline.signal });
    } catch (e) {
      // A pooled keep-alive connection the server closed just as it was reused (servers close idle
      // ones: Node's after 5 s): the request died unanswered, so it is sent once more on a new
      // connection. Nothing else is retried (the client makes one attempt): an assertion STS may
      // have accepted is not sent again after a timeout.
      if (!wasReset(e) || deadline.signal.aborted) throw e;
      out = await client.send(command, { abortSignal: deadline.signal });
    }
  } catch (e) {
    throw translateStsError(e);
  } finally {
    clearTimeout(timer);
  }

  const c = out.Credentials;
  const expiration = c?.Expiration instanceof Date ? c.Expiration : c?.Expiration ? new Date(c.Expiration) : undefined;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !expiration || Number.isNaN(expiration.getTime()) || !out.AssumedRoleUser?.Arn) {
    throw new HatrackError('sts_bad_response', 502, 'AWS STS answered without usable credentials. Please try again.', 'AssumeRoleWithSAML: incomplete Credentials or AssumedRoleUser');
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration,
    assumedRoleArn: out.AssumedRoleUser.Arn,
    ...(out.SourceIdentity ? { sourceIdentity: out.SourceIdentity } : {}),
  };
}
