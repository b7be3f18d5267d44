// The OAuth 2.0 error codes of the token and device endpoints (RFC 6749 §5.2, RFC 8628 §3.5), one
// class with the code as its stable HatrackError code. All are HTTP 400 with the RFC's JSON body
// `{ error, error_description }`; src/http renders them.
import { HatrackError } from '../errors.ts';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'access_denied';

export class OAuthError extends HatrackError {
  declare readonly code: OAuthErrorCode;

  constructor(code: OAuthErrorCode, description: string, detail?: string) {
    // An answer the protocol defines — authorization_pending is what most polls get — not a fault:
    // no stack trace is captured (it was a twentieth of what a poll cost, bench/device-poll.ts).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(code, 400, description, detail);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export function isOAuthError(e: unknown): e is OAuthError {
  return e instanceof OAuthError;
}
