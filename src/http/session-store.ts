// express-session's storage, backed by our Store seam: sessions live in Redis when the store is
// Redis and in memory otherwise, under `sess:<id>` (plus the store's own prefix).
//
// Failures are never hidden (SECURITY.md R1): a store error goes to the callback, express-session
// passes it to next(err), and the app answers 503. An unreadable stored session counts as no
// session. This store never emits express-session's 'disconnect' event, which would make the
// middleware carry on silently without a session.
//
// touch() only extends a session that still exists (Store.touch, PEXPIRE): refreshing the idle
// timer at the end of a request must not resurrect a session that a concurrent logout destroyed.
import session from 'express-session';
import type { SessionData } from 'express-session';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { Store } from '../store/store.ts';

export interface StoreSessionStoreOptions {
  /** Lifetime of a session whose cookie carries no expiry (a browser-session cookie). */
  ttlSeconds?: number;
  /** Prepended to the session ID; the Store adds its own prefix in front. Default `sess:`. */
  prefix?: string;
  /** For the remaining lifetime of a cookie; express-session itself reads the system clock. */
  clock?: Clock;
}

const DEFAULT_TTL_SECONDS = 8 * 60 * 60;

type Callback = (err?: unknown) => void;

export class StoreSessionStore extends session.Store {
  readonly #store: Store;
  readonly #prefix: string;
  readonly #defaultTtlMs: number;
  readonly #clock: Clock;

  constructor(store: Store, options: StoreSessionStoreOptions = {}) {
    super();
    this.#store = store;
    this.#prefix = options.prefix ?? 'sess:';
    this.#defaultTtlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
    this.#clock = options.clock ?? systemClock;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.#store.get(this.#key(sid)).then(
      (raw) => callback(null, this.#parse(raw)),
      (err: unknown) => callback(err),
    );
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const ttl = this.#ttlMs(data);
    const done = settle(callback);
    if (ttl <= 0) {
      // Already expired: what is stored must not outlive the cookie.
      this.#store.delete(this.#key(sid)).then(() => done(), done);
      return;
    }
    this.#store.set(this.#key(sid), JSON.stringify(data), ttl).then(() => done(), done);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.#store.delete(this.#key(sid)).then(() => settle(callback)(), settle(callback));
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    const ttl = this.#ttlMs(data);
    const done = settle(callback);
    if (ttl <= 0) {
      this.#store.delete(this.#key(sid)).then(() => done(), done);
      return;
    }
    // false (the session is gone) is not an error: the next request simply has no session.
    this.#store.touch(this.#key(sid), ttl).then(() => done(), done);
  }

  #key(sid: string): string {
    return this.#prefix + sid;
  }

  /**
   * Milliseconds the session has left: until the cookie expires (or the default lifetime), and
   * never past the sign-in's absolute end (`expiresAt`), which activity does not push back.
   */
  #ttlMs(data: SessionData): number {
    const now = this.#clock.now().getTime();
    const expires = data.cookie?.expires;
    const at = expires === undefined || expires === null
      ? Number.NaN
      : expires instanceof Date ? expires.getTime() : new Date(expires as unknown as string).getTime();
    const cookieTtl = Number.isNaN(at) ? this.#defaultTtlMs : at - now;
    return typeof data.expiresAt === 'number' ? Math.min(cookieTtl, data.expiresAt - now) : cookieTtl;
  }

  #parse(raw: string | undefined): SessionData | null {
    if (raw === undefined) return null;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return null;
    }
    if (typeof data !== 'object' || data === null || typeof (data as { cookie?: unknown }).cookie !== 'object') return null;
    // No expiry check here: the Store's TTL is the authority. touch() extends the TTL without
    // rewriting the stored cookie, and express-session refreshes the cookie's expiry on load.
    return data as SessionData;
  }
}

/** Adapts an optional node-style callback: called with no argument on success, or with the error. */
function settle(callback: Callback | undefined): Callback {
  return (err?: unknown) => {
    if (callback) err === undefined ? callback() : callback(err);
  };
}
