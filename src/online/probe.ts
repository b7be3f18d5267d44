// What an online check reports: the setting to fix and what is wrong, in one line.
export interface ProbeProblem {
  /** Where in the configuration, e.g. `connectors[0].clientSecret`; the caller prefixes the connector's place. */
  setting: string;
  message: string;
}

/** How long one online check may take. */
export const PROBE_TIMEOUT_MS = 5000;

/** A fetch that gives up after PROBE_TIMEOUT_MS. */
export function probeFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
}

/** Why a request got no answer, in a few words (no URL, no body). */
export function unreachable(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  // fetch's "fetch failed" has the system error (ECONNREFUSED, ENOTFOUND…) as its cause, or in an AggregateError there.
  for (let cause: unknown = e, depth = 0; cause instanceof Error && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    cause = cause instanceof AggregateError ? cause.errors[0] : cause.cause;
  }
  return e instanceof Error ? e.message : String(e);
}
