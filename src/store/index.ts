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
  /** `redis://…` or `rediss://…`, a cluster's nodes, or Sentinel; absent → in-memory. */
  redis?: string | { cluster: { nodes: string[] } } | { sentinel: { name: string; sentinels: string[]; password?: string | undefined; sentinelPassword?: string | undefined } };
  /** Key prefix for every key; default `hatrack:`. */
  keyPrefix?: string;
}

export function createStore(config: StoreConfig, deps: { log: Logger; clock: Clock }): Store {
  const keyPrefix = config.keyPrefix ?? 'hatrack:';
  const redis = config.redis;
  if (typeof redis === 'string') return createRedisStore({ url: redis, keyPrefix, log: deps.log });
  if (redis && 'cluster' in redis) return createRedisStore({ cluster: redis.cluster, keyPrefix, log: deps.log });
  if (redis && 'sentinel' in redis) {
    const { name, sentinels, password, sentinelPassword } = redis.sentinel;
    return createRedisStore({
      sentinel: {
        name,
        sentinels: sentinels.map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) })),
        ...(password !== undefined && { password }),
        ...(sentinelPassword !== undefined && { sentinelPassword }),
      },
      keyPrefix, log: deps.log,
    });
  }
  return new MemoryStore({ clock: deps.clock, keyPrefix });
}
