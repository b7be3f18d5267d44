// The in-process Store: for the demo, development and tests. It lives and dies with one process,
// so it cannot be shared by several brokers (ARCHITECTURE.md "Scale-out"); the composition root
// warns when it is used.
//
// Time comes from the injected Clock, so tests expire entries by moving a FixedClock. Expiry is
// lazy (an expired entry is dropped when it is next read) plus a periodic sweep on a timer that
// does not keep the process alive. The store is bounded: at `maxEntries` live entries a write of
// a new key first sweeps, and if still full rejects with `store_unavailable` rather than evict
// anything — evicting would silently forget replay keys or rate-limit counters, which fails open.
// Every operation runs synchronously inside its promise, so each one is atomic.
import type { Clock } from '../clock.ts';
import type { LogEntry, Store } from './store.ts';
import { checkTtl, storeRejected, storeUnavailable } from './errors.ts';

export interface MemoryStoreOptions {
  clock: Clock;
  /** Prepended to every key; stores sharing a keyspace see only their own prefix. */
  keyPrefix?: string;
  /** Upper bound on stored entries (live or not yet swept). Default 100 000. */
  maxEntries?: number;
  /** How often expired entries are swept, in real milliseconds. Default 60 000; 0 turns it off. */
  sweepIntervalMs?: number;
  /**
   * Share the keyspace (and its bound) of another MemoryStore, as several broker processes share
   * one Redis; used by the contract suite to prove prefix isolation and cross-store atomicity.
   */
  shareWith?: MemoryStore;
}

interface Entry {
  value: string;
  /** Milliseconds since the epoch, by the store's clock; the entry is live while now < expiresAt. */
  expiresAt: number;
}

class Keyspace {
  readonly entries = new Map<string, Entry>();
  /** Bounded logs, oldest entry first; ids `<ms>-<seq>` as Redis streams make them. */
  readonly logs = new Map<string, LogEntry[]>();
  lastLogId = { ms: 0, seq: 0 };
  readonly maxEntries: number;
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }
}

const integer = /^-?\d+$/;

/** Orders `<ms>-<seq>` ids as Redis does. */
function compareLogIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export class MemoryStore implements Store {
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #space: Keyspace;
  readonly #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryStoreOptions) {
    this.#clock = options.clock;
    this.#prefix = options.keyPrefix ?? '';
    this.#space = options.shareWith ? options.shareWith.#space : new Keyspace(options.maxEntries ?? 100_000);
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => this.sweep(), every);
      this.#timer.unref();
    }
  }

  /** Entries held, including expired ones not yet swept. */
  get size(): number {
    return this.#space.entries.size;
  }

  /** Drops every expired entry of the keyspace; returns how many went. */
  sweep(): number {
    const now = this.#now();
    let removed = 0;
    for (const [key, entry] of this.#space.entries) {
      if (entry.expiresAt <= now) {
        this.#space.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = this.#openWithTtl('set', ttlMs);
    this.#write(this.#prefix + key, value, this.#now() + ttl);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = this.#openWithTtl('setIfAbsent', ttlMs);
    const full = this.#prefix + key;
    if (this.#live(full)) return false;
    this.#write(full, value, this.#now() + ttl);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    this.#open('get');
    return this.#live(this.#prefix + key)?.value;
  }

  async consume(key: string): Promise<string | undefined> {
    this.#open('consume');
    const full = this.#prefix + key;
    const entry = this.#live(full);
    if (!entry) return undefined;
    this.#space.entries.delete(full);
    return entry.value;
  }

  async delete(key: string): Promise<void> {
    this.#open('delete');
    this.#space.entries.delete(this.#prefix + key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const ttl = this.#openWithTtl('increment', ttlMs);
    const full = this.#prefix + key;
    const entry = this.#live(full);
    if (!entry) {
      this.#write(full, '1', this.#now() + ttl);
      return 1;
    }
    if (!integer.test(entry.value)) throw storeRejected('memory increment: the key holds a value that is not a counter');
    const next = Number(entry.value) + 1;
    entry.value = String(next);
    return next;
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = this.#openWithTtl('touch', ttlMs);
    const entry = this.#live(this.#prefix + key);
    if (!entry) return false;
    entry.expiresAt = this.#now() + ttl;
    return true;
  }

  async append(key: string, entry: string, maxLength: number): Promise<void> {
    this.#open('append');
    if (!Number.isInteger(maxLength) || maxLength < 1) throw storeRejected('memory append: maxLength must be a positive integer');
    const full = this.#prefix + key;
    const log = this.#space.logs.get(full) ?? [];
    // Ids grow even when the clock does not (a frozen test clock): a sequence within the millisecond.
    const now = this.#now();
    const last = this.#space.lastLogId;
    const id = now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
    this.#space.lastLogId = id;
    log.push({ id: `${id.ms}-${id.seq}`, entry });
    if (log.length > maxLength) log.splice(0, log.length - maxLength);
    this.#space.logs.set(full, log);
  }

  async readLatest(key: string, count: number, before?: string): Promise<LogEntry[]> {
    this.#open('readLatest');
    const log = this.#space.logs.get(this.#prefix + key) ?? [];
    const end = before === undefined ? log.length : log.findIndex((e) => compareLogIds(e.id, before) >= 0);
    const upTo = end === -1 ? log.length : end;
    return log.slice(Math.max(0, upTo - Math.max(0, count)), upTo).reverse();
  }

  async ping(): Promise<void> {
    this.#open('ping');
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  /** Rejects once closed. */
  #open(op: string): void {
    if (this.#closed) throw storeUnavailable(`memory ${op}: the store is closed`);
  }

  /** Rejects once closed; otherwise the checked TTL. */
  #openWithTtl(op: string, ttlMs: number): number {
    this.#open(op);
    return checkTtl(ttlMs, `memory ${op}`);
  }

  #live(full: string): Entry | undefined {
    const entry = this.#space.entries.get(full);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#space.entries.delete(full);
      return undefined;
    }
    return entry;
  }

  #write(full: string, value: string, expiresAt: number): void {
    const { entries, maxEntries } = this.#space;
    if (!entries.has(full) && entries.size >= maxEntries) {
      this.sweep();
      if (entries.size >= maxEntries) throw storeUnavailable(`memory store full (${maxEntries} entries)`);
    }
    entries.set(full, { value, expiresAt });
  }
}
