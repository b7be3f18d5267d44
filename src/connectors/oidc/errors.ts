// Turning what goes wrong in an OIDC login into HatrackErrors with stable codes. Library errors are
// never attached as `cause`: theirs carry ID-token claims, callback parameters or raw JWTs. The
// `detail` keeps only the library's fixed message and error code.

import * as client from 'openid-client';
import { HatrackError, fail } from '../../errors.ts';

export type OidcErrorCode =
  | 'oidc_config_invalid'
  | 'oidc_discovery_failed'
  | 'oidc_discovery_issuer_mismatch'
  | 'oidc_state_mismatch'
  | 'oidc_login_expired'
  | 'oidc_issuer_mismatch'
  | 'oidc_provider_error'
  | 'oidc_callback_invalid'
  | 'oidc_code_rejected'
  | 'oidc_token_endpoint_error'
  | 'oidc_client_rejected'
  | 'oidc_provider_unreachable'
  | 'oidc_provider_bad_response'
  | 'oidc_id_token_invalid'
  | 'oidc_userinfo_subject_mismatch'
  | 'oidc_userinfo_failed'
  | 'oidc_email_missing'
  | 'oidc_email_invalid'
  | 'oidc_email_unverified'
  | 'oidc_domain_not_allowed';

/**
 * Text from the provider made safe to show: control and formatting characters (bidi overrides,
 * zero-width) become spaces, whitespace is collapsed, and the result is cut to `max` characters.
 * Escaping for HTML is the view's job; this keeps the text plain and short.
 */
export function safeProviderText(value: string | null | undefined, max = 200): string {
  if (!value) return '';
  const plain = value
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  const chars = [...plain];
  return chars.length <= max ? plain : chars.slice(0, max - 1).join('').trimEnd() + '…';
}

/** True for failures to reach the provider at all: refused connections, DNS, timeouts. */
export function isNetworkError(e: unknown): boolean {
  if (e instanceof client.ClientError) return e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT';
  // undici's `fetch failed` is a plain TypeError; openid-client's argument errors carry a `code`.
  return e instanceof TypeError && !('code' in e);
}

/** A one-line, secret-free description of a library error, for `detail`. */
export function describeLibraryError(e: unknown): string {
  if (e instanceof client.ResponseBodyError) {
    return `${e.status} ${safeProviderText(e.error, 64)}${e.error_description ? `: ${safeProviderText(e.error_description)}` : ''}`;
  }
  if (e instanceof Error) {
    const parts = [e.message];
    // openid-client wraps oauth4webapi's precise message ('unexpected JWT "iss" (issuer) claim
    // value') in a generic one. Only the library's own fixed messages and system error codes are
    // copied: a parser's message may quote the body it choked on.
    const cause = e.cause;
    if (cause instanceof Error && libraryErrorNames.has(cause.name) && cause.message !== e.message) parts.push(cause.message);
    const code = errorCode(e) ?? (cause instanceof Error ? errorCode(cause) : undefined);
    return `${parts.join(': ')}${code ? ` [${code}]` : ''}`;
  }
  return 'unknown failure';
}

const libraryErrorNames = new Set(['OperationProcessingError', 'UnsupportedOperationError', 'ClientError']);

function errorCode(e: Error): string | undefined {
  return 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** A failure of the token request or of validating its response (ID token included). */
export function tokenGrantError(connector: string, e: unknown): HatrackError {
  const detail = `connector ${connector}: token exchange: ${describeLibraryError(e)}`;
  if (e instanceof HatrackError) return e;
  if (isNetworkError(e)) {
    return fail.unavailable('oidc_provider_unreachable', 'The identity provider could not be reached. Try again in a moment.', detail);
  }
  // The provider refused Hatrack's own client credentials: a configuration problem, not the person's.
  if ((e instanceof client.ResponseBodyError && e.error === 'invalid_client') || (e instanceof client.WWWAuthenticateChallengeError && e.status === 401)) {
    return new HatrackError('oidc_client_rejected', 500, 'Hatrack is not configured correctly for this sign-in.',
      `${detail}: the provider refused the client credentials (invalid_client): check the connector's clientId and clientSecret`);
  }
  if (e instanceof client.ResponseBodyError) {
    // invalid_grant: the code is unknown, expired, already used, or the PKCE verifier does not match.
    if (e.error === 'invalid_grant') {
      return fail.unauthenticated('oidc_code_rejected', 'The sign-in could not be completed. Please start again.', detail);
    }
    return fail.upstream('oidc_token_endpoint_error', 'The identity provider refused to complete the sign-in.', detail);
  }
  if (e instanceof client.ClientError && (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON')) {
    return fail.upstream('oidc_provider_bad_response', 'The identity provider sent an unexpected response.', detail);
  }
  if (e instanceof client.WWWAuthenticateChallengeError) {
    return fail.upstream('oidc_provider_bad_response', 'The identity provider sent an unexpected response.', detail);
  }
  // Everything else is a token response or ID token that failed a check: claims, algorithm,
  // signature, key selection, timestamps, nonce, audience.
  return fail.unauthenticated('oidc_id_token_invalid', 'The identity provider’s answer could not be verified.', detail);
}

export function userinfoError(connector: string, e: unknown): HatrackError {
  const detail = `connector ${connector}: userinfo: ${describeLibraryError(e)}`;
  if (e instanceof HatrackError) return e;
  if (isNetworkError(e)) {
    return fail.unavailable('oidc_provider_unreachable', 'The identity provider could not be reached. Try again in a moment.', detail);
  }
  if (e instanceof client.ClientError && e.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return fail.unauthenticated('oidc_userinfo_subject_mismatch', 'The identity provider’s answer could not be verified.', detail);
  }
  return fail.upstream('oidc_userinfo_failed', 'The identity provider’s user information could not be read.', detail);
}

export function discoveryError(connector: string, issuer: string, e: unknown): HatrackError {
  const detail = `connector ${connector}: discovery of ${issuer}: ${describeLibraryError(e)}`;
  if (e instanceof HatrackError) return e;
  const message = 'The identity provider is not available right now. Try again in a moment.';
  if (isNetworkError(e)) return fail.unavailable('oidc_discovery_failed', message, detail);
  if (e instanceof client.ClientError && e.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    const body = (e.cause as { body?: { issuer?: unknown } } | undefined)?.body;
    const found = typeof body?.issuer === 'string' ? ` (it says ${JSON.stringify(safeProviderText(body.issuer, 200))})` : '';
    return fail.upstream('oidc_discovery_issuer_mismatch', message, `${detail}${found}`);
  }
  return fail.upstream('oidc_discovery_failed', message, detail);
}
