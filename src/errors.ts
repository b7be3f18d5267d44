// One error type for the whole broker. Protocol code throws it; src/http turns it into a page or
// JSON, and src/cli into a message and exit code. `message` is safe to show to a user; `detail`
// is for the log only and must never carry a token, assertion, key or password.

export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 502 | 503;

export class HatrackError extends Error {
  override readonly name = 'HatrackError';

  /** Stable, machine-readable code, e.g. `oidc_state_mismatch`; tests assert on it. */
  readonly code: string;
  readonly status: HttpStatus;
  /** Extra context for the log (never secrets). */
  readonly detail?: string;
  /** The error page's heading, when the status's usual one would mislead (a cancel is no failure). */
  heading?: string;

  /** `message`: a plain sentence for the person at the browser or terminal. */
  constructor(code: string, status: HttpStatus, message: string, detail?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
    if (detail !== undefined) this.detail = detail;
  }
}

export function isHatrackError(e: unknown): e is HatrackError {
  return e instanceof HatrackError;
}

/** Shorthands for the families of failure the broker reports. */
export const fail = {
  badRequest: (code: string, message: string, detail?: string) => new HatrackError(code, 400, message, detail),
  unauthenticated: (code: string, message: string, detail?: string, cause?: unknown) =>
    new HatrackError(code, 401, message, detail, { cause }),
  forbidden: (code: string, message: string, detail?: string) => new HatrackError(code, 403, message, detail),
  notFound: (code: string, message: string) => new HatrackError(code, 404, message),
  tooMany: (code: string, message: string) => new HatrackError(code, 429, message),
  upstream: (code: string, message: string, detail?: string, cause?: unknown) =>
    new HatrackError(code, 502, message, detail, { cause }),
  unavailable: (code: string, message: string, detail?: string, cause?: unknown) =>
    new HatrackError(code, 503, message, detail, { cause }),
};
