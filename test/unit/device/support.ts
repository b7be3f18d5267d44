// Helpers for the device-login unit tests: a MemoryStore on a FixedClock whose whole content a
// test can read back (to prove secrets are stored only by hash, and that a refusal wrote nothing),
// hand-made identities, and a way to catch the error a call rejects with.
import { expect } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { HatrackError } from '../../../src/errors.ts';
import type { Identity } from '../../../src/identity.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import type { Store } from '../../../src/store/store.ts';
import { toStored, type StoredIdentity } from '../../../src/stored-identity.ts';

export const T0 = new Date('2026-03-02T09:00:00.000Z');

/** A Store that remembers every key written through it, so its live content can be listed. */
export interface ScannedStore extends Store {
  /** Every live key and its value, sorted by key. */
  snapshot(): Promise<Array<[string, string]>>;
}

export function scannedStore(inner: Store, written = new Set<string>()): ScannedStore {
  const wrote = <T>(key: string, result: T): T => {
    written.add(key);
    return result;
  };
  return {
    set: async (k, v, t) => wrote(k, await inner.set(k, v, t)),
    setIfAbsent: async (k, v, t) => wrote(k, await inner.setIfAbsent(k, v, t)),
    get: (k) => inner.get(k),
    consume: (k) => inner.consume(k),
    delete: (k) => inner.delete(k),
    increment: async (k, t) => wrote(k, await inner.increment(k, t)),
    touch: (k, t) => inner.touch(k, t),
    append: (k, e, n) => inner.append(k, e, n),
    readLatest: (k, n, b) => inner.readLatest(k, n, b),
    ping: () => inner.ping(),
    close: () => inner.close(),
    async snapshot() {
      const live: Array<[string, string]> = [];
      for (const key of [...written].sort()) {
        const value = await inner.get(key);
        if (value !== undefined) live.push([key, value]);
      }
      return live;
    },
  };
}

export interface StoreFixture {
  clock: FixedClock;
  store: ScannedStore;
  /** A second store on the same keyspace, as a second broker process on the same Redis has. */
  sibling(): ScannedStore;
}

export function memoryFixture(): StoreFixture {
  const clock = new FixedClock(T0);
  const inner = new MemoryStore({ clock, sweepIntervalMs: 0, keyPrefix: 'hatrack:' });
  const written = new Set<string>();
  return {
    clock,
    store: scannedStore(inner, written),
    sibling: () => scannedStore(new MemoryStore({ clock, sweepIntervalMs: 0, keyPrefix: 'hatrack:', shareWith: inner }), written),
  };
}

export function person(name: string, overrides: Partial<Identity> = {}): Identity {
  return {
    connector: 'demo',
    subject: `demo-${name}`,
    email: `${name}@example.com`,
    emailVerified: true,
    name: name[0]!.toUpperCase() + name.slice(1),
    groups: [`${name}-team`],
    mfa: false,
    authTime: new Date(T0.getTime() - 60_000),
    claims: { sub: `demo-${name}` },
    ...overrides,
  };
}

export function stored(name: string, overrides: Partial<Identity> = {}): StoredIdentity {
  return toStored(person(name, overrides));
}

/** The HatrackError (or subclass) `promise` rejects with; fails the test when it resolves. */
export async function rejection<E extends HatrackError = HatrackError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(HatrackError);
    return e as E;
  }
  throw new Error('expected the call to reject, and it resolved');
}

/** Does `text` (a key or value of the store) contain `secret` in any spelling a store might hold? */
export function mentions(text: string, secret: string): boolean {
  return text.includes(secret) || text.toUpperCase().includes(secret.toUpperCase());
}
