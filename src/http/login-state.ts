// Where a started login waits for its callback: server-side in the shared Store, keyed by its
// `state`, so that the callback may land on any broker process (R6), and consumed exactly once
// (O14, O20, S27). The HTTP layer owns this; connectors only say what to keep.
import type { Request } from 'express';
import { isWellFormedState, PENDING_LOGIN_TTL_MS, toPendingLogin, type PendingLogin } from '../connectors/connector.ts';
import { fail, type HatrackError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export function pendingLoginKey(state: string): string {
  return `pending-login:${state}`;
}

/** Saves a pending login until its callback arrives. A state that is already taken is a bug, never overwritten. */
export async function savePendingLogin(store: Pick<Store, 'setIfAbsent'>, pending: PendingLogin, ttlMs = PENDING_LOGIN_TTL_MS): Promise<void> {
  if (!isWellFormedState(pending.state)) throw new Error('pending login has a malformed state');
  const written = await store.setIfAbsent(pendingLoginKey(pending.state), JSON.stringify(pending), ttlMs);
  if (!written) throw new Error('pending login state collision');
}

/**
 * Consumes the pending login saved under `state`: of any number of callbacks carrying the same
 * state, at most one gets it. Undefined when the state is missing, malformed, unknown, expired or used.
 */
export async function takePendingLogin(store: Pick<Store, 'consume'>, state: string | undefined): Promise<PendingLogin | undefined> {
  if (!isWellFormedState(state)) return undefined;
  const raw = await store.consume(pendingLoginKey(state));
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const pending = toPendingLogin(value);
  return pending?.state === state ? pending : undefined;
}

/** A callback this browser did not begin, or whose login was used already (O14, C4). */
export function notStartedHere(): HatrackError {
  return fail.unauthenticated('login_state_mismatch', 'This sign-in was not started in this browser, or it was already used. Please sign in again.');
}

/** A callback whose login was begun at another connector. */
export function startedElsewhere(): HatrackError {
  return fail.unauthenticated('login_state_mismatch', 'This sign-in was started with another sign-in method. Please sign in again.');
}

/**
 * Saves a started login and binds it to this browser: its callback must come back to the same
 * session (O14). Until then the session only holds that state, so it lives no longer than the
 * login may take.
 */
export async function beginLogin(req: Request, store: Pick<Store, 'setIfAbsent'>, pending: PendingLogin): Promise<void> {
  await savePendingLogin(store, pending);
  req.session.loginState = pending.state;
  req.session.cookie.maxAge = PENDING_LOGIN_TTL_MS;
}

/**
 * The pending login of a callback that came back to the browser that began it, consumed once: a
 * replayed callback finds nothing (O14, O20). Undefined when none was found; throws when the
 * callback's state is not this browser's, or belongs to another connector.
 */
export async function takeBoundLogin(req: Request, store: Pick<Store, 'consume'>, connectorId: string, state: string | undefined): Promise<PendingLogin | undefined> {
  if (!state || state !== req.session.loginState) {
    throw notStartedHere();
  }
  delete req.session.loginState;
  const pending = await takePendingLogin(store, state);
  if (pending && pending.connector !== connectorId) {
    throw startedElsewhere();
  }
  return pending;
}
