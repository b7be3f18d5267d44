// A Store that records every call made through it, so a test can assert what a login did to the
// store — above all that a rejected response wrote no replay key and consumed nothing it should not.

import type { Store } from '../../../src/store/store.ts';

export interface StoreCall {
  op: 'set' | 'setIfAbsent' | 'get' | 'consume' | 'delete' | 'increment' | 'touch';
  key: string;
  /** For writes: whether it wrote (setIfAbsent) — otherwise undefined. */
  result?: unknown;
}

export interface RecordingStore extends Store {
  readonly calls: StoreCall[];
  /** Forget the calls so far (e.g. those of startLogin). */
  reset(): void;
  /** The keys written through this store. */
  written(): string[];
}

export function recordingStore(inner: Store): RecordingStore {
  const calls: StoreCall[] = [];
  const rec = async <T>(op: StoreCall['op'], key: string, run: () => Promise<T>): Promise<T> => {
    const result = await run();
    calls.push({ op, key, ...(op === 'setIfAbsent' || op === 'consume' ? { result: op === 'consume' ? result !== undefined : result } : {}) });
    return result;
  };
  return {
    calls,
    reset: () => { calls.length = 0; },
    written: () => calls.filter((c) => c.op === 'set' || (c.op === 'setIfAbsent' && c.result === true)).map((c) => c.key),
    set: (k, v, t) => rec('set', k, () => inner.set(k, v, t)),
    setIfAbsent: (k, v, t) => rec('setIfAbsent', k, () => inner.setIfAbsent(k, v, t)),
    get: (k) => rec('get', k, () => inner.get(k)),
    consume: (k) => rec('consume', k, () => inner.consume(k)),
    delete: (k) => rec('delete', k, () => inner.delete(k)),
    increment: (k, t) => rec('increment', k, () => inner.increment(k, t)),
    touch: (k, t) => rec('touch', k, () => inner.touch(k, t)),
    append: (k, e, n) => inner.append(k, e, n),
    readLatest: (k, n, b) => inner.readLatest(k, n, b),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
