// The two Store operations pending logins use, over a Map, standing in for the broker's store in
// connector-level tests so that they exercise savePendingLogin / takePendingLogin on their own.

import type { Store } from '../../../src/store/store.ts';

export function mapStore(): Pick<Store, 'setIfAbsent' | 'consume'> & { size(): number } {
  const data = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const e = data.get(key);
    if (e && e.expiresAt <= Date.now()) data.delete(key);
    return data.get(key);
  };
  return {
    size: () => data.size,
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      data.set(key, { value, expiresAt: Date.now() + ttlMs });
      return true;
    },
    async consume(key) {
      const e = live(key);
      data.delete(key);
      return e?.value;
    },
  };
}
