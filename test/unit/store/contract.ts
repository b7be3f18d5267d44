// The one Store contract (shared/design/STYLE.md): every implementation runs this same suite.
// Time moves through the fixture's `advance`: a FixedClock for the memory store, real waiting
// with short TTLs for Redis — so TTLs here are short and every wait leaves a wide margin.
// SECURITY.md R2/R4: one-shot writes and consumes (setIfAbsent, consume, increment) are atomic
// across processes — each is proven with 50 concurrent callers on five stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HatrackError } from '../../../src/errors.ts';
import type { Store } from '../../../src/store/store.ts';

export interface StoreFixture {
  store: Store;
  /** Lets `ms` of store time pass. */
  advance(ms: number): Promise<void> | void;
  /**
   * Another store on the same backing service, as a second broker process would have: the same
   * key prefix unless another is given. The fixture closes it in cleanup.
   */
  sibling(keyPrefix?: string): Promise<Store>;
  cleanup(): Promise<void>;
}

const LONG = 60_000;

async function rejection(promise: Promise<unknown>): Promise<HatrackError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(HatrackError);
    return err as HatrackError;
  }
  throw new Error('expected the call to reject');
}

/** `stores` round-robin over `count` calls, all started before any is awaited. */
function concurrently<T>(stores: Store[], count: number, call: (store: Store, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(stores[i % stores.length]!, i)));
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`${name} (Store contract)`, () => {
    let f: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      f = await makeStore();
      store = f.store;
    });
    afterEach(async () => {
      await f.cleanup();
    });

    async function fiveProcesses(): Promise<Store[]> {
      return [store, ...(await Promise.all([1, 2, 3, 4].map(() => f.sibling())))];
    }

    describe('set and get', () => {
      it('get returns what set wrote', async () => {
        await store.set('k', '{"a":1}', LONG);
        expect(await store.get('k')).toBe('{"a":1}');
      });

      it('set overwrites an existing value', async () => {
        await store.set('k', 'first', LONG);
        await store.set('k', 'second', LONG);
        expect(await store.get('k')).toBe('second');
      });

      it('get of an absent key is undefined', async () => {
        expect(await store.get('never-written')).toBeUndefined();
      });

      it('an empty string is a value, not absence', async () => {
        await store.set('empty', '', LONG);
        expect(await store.get('empty')).toBe('');
        expect(await store.setIfAbsent('empty', 'other', LONG)).toBe(false);
        expect(await store.consume('empty')).toBe('');
      });

      it('keys and values with spaces, colons, quotes, newlines and non-ASCII round-trip unchanged', async () => {
        const key = 'sess:a b:"q"\n:ключ:🎩';
        const value = JSON.stringify({ name: 'Zoë "the" O\'Neil', groups: ['a,b', 'c*'], nl: 'x\r\ny', big: 'x'.repeat(20_000) });
        await store.set(key, value, LONG);
        expect(await store.get(key)).toBe(value);
        expect(await store.get('sess:a b:"q"')).toBeUndefined();
      });
    });

    describe('TTL', () => {
      it('a value is still there before its TTL has passed', async () => {
        await store.set('k', 'v', LONG);
        await f.advance(150);
        expect(await store.get('k')).toBe('v');
      });

      it('a value is gone once its TTL has passed', async () => {
        await store.set('k', 'v', 100);
        await f.advance(250);
        expect(await store.get('k')).toBeUndefined();
      });

      it('set gives an existing key the new TTL', async () => {
        await store.set('k', 'short', 100);
        await store.set('k', 'long', LONG);
        await f.advance(250);
        expect(await store.get('k')).toBe('long');
      });

      it('a fractional TTL is accepted (rounded up to whole milliseconds)', async () => {
        await store.set('k', 'v', 1500.5);
        expect(await store.get('k')).toBe('v');
      });

      it('rejects a TTL that is not a positive number with store_bad_ttl, writing nothing', async () => {
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          expect((await rejection(store.set('bad', 'v', ttl))).code).toBe('store_bad_ttl');
          expect((await rejection(store.setIfAbsent('bad', 'v', ttl))).code).toBe('store_bad_ttl');
          expect((await rejection(store.increment('bad', ttl))).code).toBe('store_bad_ttl');
          expect((await rejection(store.touch('bad', ttl))).code).toBe('store_bad_ttl');
        }
        expect(await store.get('bad')).toBeUndefined();
      });
    });

    describe('setIfAbsent', () => {
      it('setIfAbsent writes an absent key and reports true', async () => {
        expect(await store.setIfAbsent('k', 'v', LONG)).toBe(true);
        expect(await store.get('k')).toBe('v');
      });

      it('setIfAbsent leaves a live key alone and reports false', async () => {
        await store.set('k', 'original', LONG);
        expect(await store.setIfAbsent('k', 'intruder', LONG)).toBe(false);
        expect(await store.get('k')).toBe('original');
      });

      it('setIfAbsent writes again once the key has expired', async () => {
        expect(await store.setIfAbsent('k', 'first', 100)).toBe(true);
        await f.advance(250);
        expect(await store.setIfAbsent('k', 'second', LONG)).toBe(true);
        expect(await store.get('k')).toBe('second');
      });

      it('setIfAbsent gives the key its TTL', async () => {
        await store.setIfAbsent('k', 'v', 100);
        await f.advance(250);
        expect(await store.get('k')).toBeUndefined();
      });

      it('setIfAbsent succeeds for exactly one of 50 concurrent callers on five processes', async () => {
        const stores = await fiveProcesses();
        const results = await concurrently(stores, 50, (s, i) => s.setIfAbsent('replay:assertion-1', `caller-${i}`, LONG));
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get('replay:assertion-1')).toBe(`caller-${winners[0]}`);
      });
    });

    describe('consume', () => {
      it('consume returns the value once and leaves the key absent', async () => {
        await store.set('k', 'v', LONG);
        expect(await store.consume('k')).toBe('v');
        expect(await store.consume('k')).toBeUndefined();
        expect(await store.get('k')).toBeUndefined();
      });

      it('consume of an absent key is undefined', async () => {
        expect(await store.consume('never-written')).toBeUndefined();
      });

      it('consume of an expired key is undefined', async () => {
        await store.set('k', 'v', 100);
        await f.advance(250);
        expect(await store.consume('k')).toBeUndefined();
      });

      it('consume hands the value to exactly one of 50 concurrent callers on five processes', async () => {
        const stores = await fiveProcesses();
        await store.set('device:code', 'grant', LONG);
        const results = await concurrently(stores, 50, (s) => s.consume('device:code'));
        expect(results.filter((r) => r === 'grant')).toHaveLength(1);
        expect(results.filter((r) => r === undefined)).toHaveLength(49);
      });
    });

    describe('delete', () => {
      it('delete removes a key', async () => {
        await store.set('k', 'v', LONG);
        await store.delete('k');
        expect(await store.get('k')).toBeUndefined();
      });

      it('delete of an absent key resolves', async () => {
        await expect(store.delete('never-written')).resolves.toBeUndefined();
      });
    });

    describe('increment', () => {
      it('increment creates a counter at 1 and counts up', async () => {
        expect(await store.increment('rate:x', LONG)).toBe(1);
        expect(await store.increment('rate:x', LONG)).toBe(2);
        expect(await store.increment('rate:x', LONG)).toBe(3);
        expect(await store.get('rate:x')).toBe('3');
      });

      it('increment gives a new counter its TTL, and later increments do not extend it', async () => {
        expect(await store.increment('rate:x', 500)).toBe(1);
        await f.advance(300);
        expect(await store.increment('rate:x', 500)).toBe(2);
        await f.advance(300);
        expect(await store.get('rate:x')).toBeUndefined();
        expect(await store.increment('rate:x', 500)).toBe(1);
      });

      it('increment counts atomically under 50 concurrent callers on five processes', async () => {
        const stores = await fiveProcesses();
        const counts = await concurrently(stores, 50, (s) => s.increment('rate:burst', LONG));
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(await store.get('rate:burst')).toBe('50');
      });

      it('increment of a key holding text rejects with store_error and leaves it unchanged', async () => {
        await store.set('k', 'not a number', LONG);
        const err = await rejection(store.increment('k', LONG));
        expect(err.code).toBe('store_error');
        expect(err.status).toBe(500);
        expect(await store.get('k')).toBe('not a number');
      });
    });

    describe('bounded logs', () => {
      it('append keeps entries newest first, as written (any text), and readLatest pages back with before', async () => {
        const texts = Array.from({ length: 7 }, (_, i) => `{"n":${i},"t":"a b: \\"c\\" é\\n"}`);
        for (const t of texts) await store.append('audit', t, 100);
        const newest = await store.readLatest('audit', 3);
        expect(newest.map((e) => e.entry)).toEqual([texts[6], texts[5], texts[4]]);
        const older = await store.readLatest('audit', 3, newest.at(-1)!.id);
        expect(older.map((e) => e.entry)).toEqual([texts[3], texts[2], texts[1]]);
        expect((await store.readLatest('audit', 10, older.at(-1)!.id)).map((e) => e.entry)).toEqual([texts[0]]);
      });

      it('append keeps only the newest maxLength entries', async () => {
        for (let i = 0; i < 30; i++) await store.append('audit', String(i), 10);
        const all = await store.readLatest('audit', 100);
        expect(all.map((e) => e.entry)).toEqual(Array.from({ length: 10 }, (_, i) => String(29 - i)));
      });

      it('a log is empty until written, and logs under other keys and prefixes are apart', async () => {
        expect(await store.readLatest('audit', 5)).toEqual([]);
        await store.append('audit', 'mine', 10);
        const other = await f.sibling('other-prefix:');
        expect(await other.readLatest('audit', 5)).toEqual([]);
        expect(await store.readLatest('other', 5)).toEqual([]);
      });
    });

    describe('touch', () => {
      it('touch gives a live key a new TTL without changing its value', async () => {
        await store.set('sess:1', 'data', 300);
        await f.advance(200);
        expect(await store.touch('sess:1', 400)).toBe(true);
        await f.advance(200); // past the original 300
        expect(await store.get('sess:1')).toBe('data');
        await f.advance(300); // past the new 400
        expect(await store.get('sess:1')).toBeUndefined();
      });

      it('touch of an absent key reports false and writes nothing', async () => {
        expect(await store.touch('sess:gone', LONG)).toBe(false);
        expect(await store.get('sess:gone')).toBeUndefined();
      });

      it('touch of an expired key reports false and does not bring it back', async () => {
        await store.set('sess:1', 'data', 100);
        await f.advance(250);
        expect(await store.touch('sess:1', LONG)).toBe(false);
        expect(await store.get('sess:1')).toBeUndefined();
      });
    });

    describe('key prefixes', () => {
      it("two key prefixes on one backing service do not see each other's keys", async () => {
        const other = await f.sibling('other-deployment:');
        await store.set('k', 'mine', LONG);
        expect(await other.get('k')).toBeUndefined();
        expect(await other.consume('k')).toBeUndefined();
        expect(await other.setIfAbsent('k', 'theirs', LONG)).toBe(true);
        expect(await other.touch('absent-here', LONG)).toBe(false);
        await store.delete('k');
        expect(await other.get('k')).toBe('theirs');
        expect(await other.increment('n', LONG)).toBe(1);
        expect(await store.increment('n', LONG)).toBe(1);
      });

      it('a sibling with the same prefix sees the same keys', async () => {
        const twin = await f.sibling();
        await store.set('k', 'shared', LONG);
        expect(await twin.get('k')).toBe('shared');
      });
    });

    describe('lifecycle', () => {
      it('ping resolves while the store is up', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('after close every operation rejects with store_unavailable (503)', async () => {
        await store.close();
        const calls: Array<Promise<unknown>> = [
          store.set('k', 'v', LONG), store.setIfAbsent('k', 'v', LONG), store.get('k'), store.consume('k'),
          store.delete('k'), store.increment('k', LONG), store.touch('k', LONG), store.ping(),
        ];
        for (const call of calls) {
          const err = await rejection(call);
          expect(err.code).toBe('store_unavailable');
          expect(err.status).toBe(503);
        }
        await expect(store.close()).resolves.toBeUndefined();
      });
    });
  });
}
