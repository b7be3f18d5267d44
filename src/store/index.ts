// Picks the Store for a configuration: Redis when a URL is configured, the in-process store
// otherwise (demo and development only; the caller warns that it cannot be shared).
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from './store.ts';
import { MemoryStore } from './memory.ts';
import { createRedisStore } from './redis.ts';

export type { Store } from './store.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory.ts';
export { RedisStore, createRedisStore, type RedisStoreOptions } from './redis.ts';
export { STORE_UNAVAILABLE, STORE_UNAVAILABLE_MESSAGE } from './errors.ts';

export interface StoreConfig {
  /** `redis://…` or `rediss://…`; absent → in-memory. */
  redis?: string;
  /** Key prefix for every key; default `hatrack:`. */
  keyPrefix?: string;
}

export function createStore(config: StoreConfig, deps: { log: Logger; clock: Clock }): Store {
  const keyPrefix = config.keyPrefix ?? 'hatrack:';
  if (config.redis) return createRedisStore({ url: config.redis, keyPrefix, log: deps.log });
  return new MemoryStore({ clock: deps.clock, keyPrefix });
}
