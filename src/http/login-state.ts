// Where a started login waits for its callback: server-side in the shared Store, keyed by its
// `state`, so that the callback may land on any broker process (R6), and consumed exactly once
// (O14, O20, S27). The HTTP layer owns this; connectors only say what to keep.
import { isWellFormedState, PENDING_LOGIN_TTL_MS, toPendingLogin, type PendingLogin } from '../connectors/connector.ts';
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

