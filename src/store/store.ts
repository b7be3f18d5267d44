// The one storage seam. Sessions, pending logins, replay keys, device codes, tokens and rate
// limits all go through it. Every implementation passes the contract suite in
// test/unit/store/contract.ts (run on MemoryStore and, against a real Redis, on RedisStore).
// Keys are plain strings; implementations add their own prefix. Values are strings (JSON).
//
// Failure contract (SECURITY.md R1): when the backing service is down or too slow, every method
// rejects within a bounded time with a HatrackError of code `store_unavailable` (HTTP 503). A
// TTL that is not a positive finite number is a programming error (`store_bad_ttl`, 500); a
// command the backing service refuses for a reason other than availability (such as
// incrementing a key that holds text) is `store_error` (500). Error messages and log lines never
// carry keys or values: both may be secrets (session IDs, device codes, replay keys).

/** One entry of a bounded log, with its id (Redis: the stream entry ID). */
export interface LogEntry {
  id: string;
  entry: string;
}

export interface Store {
  /** Writes `value` under `key`, replacing any value, expiring after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Writes only when `key` is absent; true when this call wrote it (SET NX PX). Atomic. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** The live value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Reads and deletes in one atomic step: of many concurrent callers at most one gets the value. */
  consume(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Adds one to a counter, creating it with `ttlMs` when absent; returns the new count. The TTL
   * is set only when the counter is created (a fixed window): later increments do not extend it.
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Gives a live key a new TTL of `ttlMs` without touching its value (PEXPIRE); false, and
   * nothing written, when the key is absent or expired. Sessions use it so that refreshing an
   * idle timer can never bring back a session that a concurrent logout has just destroyed.
   */
  touch(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Appends `entry` to the bounded log under `key` (the audit trail), keeping its newest
   * `maxLength` entries (Redis: a stream, XADD MAXLEN). Entries never expire on their own.
   */
  append(key: string, entry: string, maxLength: number): Promise<void>;
  /**
   * The newest entries of the log under `key`, newest first, at most `count`; `before` (an id
   * this returned) pages back to older ones. Ids grow with time.
   */
  readLatest(key: string, count: number, before?: string): Promise<LogEntry[]>;
  /** Resolves when the backing service answers; rejects (`store_unavailable`) otherwise. */
  ping(): Promise<void>;
  /** Releases connections and timers. Every later call rejects with `store_unavailable`. */
  close(): Promise<void>;
}
