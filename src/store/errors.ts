// The errors every Store implementation raises, so that callers (and the contract suite) see the
// same codes whichever backend is configured. Details name the operation and the reason, never
// a key or a value.
import { HatrackError, fail } from '../errors.ts';

export const STORE_UNAVAILABLE = 'store_unavailable';
export const STORE_UNAVAILABLE_MESSAGE = 'The session store is unavailable. Please try again in a moment.';

/** The backing service is down, too slow, full or closed: HTTP 503, try again later. */
export function storeUnavailable(detail: string, cause?: unknown): HatrackError {
  return fail.unavailable(STORE_UNAVAILABLE, STORE_UNAVAILABLE_MESSAGE, detail, cause);
}

/** The backing service refused a command for a reason that is a bug, not an outage. */
export function storeRejected(detail: string, cause?: unknown): HatrackError {
  return new HatrackError('store_error', 500, 'Something went wrong on our side. Please try again.', detail, { cause });
}

/**
 * A TTL must be a positive, finite number of milliseconds; fractions round up so that a TTL never
 * ends earlier than asked. Anything else is a programming error, reported before any write.
 */
export function checkTtl(ttlMs: number, op: string): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new HatrackError('store_bad_ttl', 500, 'Something went wrong on our side. Please try again.',
      `${op}: the TTL must be a positive number of milliseconds`);
  }
  return Math.ceil(ttlMs);
}

/** A short, value-free description of an error for a log line or an error detail. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    // Node's happy-eyeballs connect reports one error per address with an empty outer message.
    return [...new Set(err.errors.map(describeError))].join('; ');
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const text = err.message || err.name;
    return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(err);
}
