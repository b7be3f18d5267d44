// The Store on Redis as it is run for real: a three-primary Cluster and a Sentinel setup, each
// started for this file. The whole contract suite runs on each; then the primary is killed under
// load: every call settles within 2 s during the failover (an answer or store_unavailable, never
// a hang), a value written is never half-written, and calls succeed again within 5 s by themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHatrackError } from '../../../src/errors.ts';
import type { RedisStore } from '../../../src/store/redis.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeStoreContract } from '../../unit/store/contract.ts';
import { clusterPorts, startRedisCluster, startRedisSentinel, type RedisCluster, type RedisSentinel } from '../../support/redis-topologies.ts';
import { ready, redisStore, sleep, uniquePrefix } from './helpers.ts';

let cluster: RedisCluster;
let sentinel: RedisSentinel;
beforeAll(async () => {
  [cluster, sentinel] = await Promise.all([startRedisCluster(), startRedisSentinel()]);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await sentinel?.stop();
});

const onCluster = (keyPrefix: string) => redisStore({ cluster: { nodes: cluster.nodes }, keyPrefix });
const onSentinel = (keyPrefix: string) => redisStore({
  sentinel: { name: sentinel.name, sentinels: sentinel.sentinels.map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) })) },
  keyPrefix,
});

for (const [name, make] of [['a Redis Cluster', onCluster], ['Redis Sentinel', onSentinel]] as const) {
  describeStoreContract(`RedisStore on ${name}`, async () => {
    const prefix = uniquePrefix();
    const store = await ready(make(prefix));
    const siblings: Store[] = [];
    return {
      store,
      advance: (ms) => sleep(ms),
      async sibling(keyPrefix = prefix) {
        const s = await ready(make(keyPrefix));
        siblings.push(s);
        return s;
      },
      async cleanup() {
        await Promise.all([store, ...siblings].map((s) => s.close()));
      },
    };
  });
}

/** Keeps calling the store until stopped; each call's duration and whether it answered. */
function underLoad(store: RedisStore, key: string) {
  const calls: Array<{ at: number; ms: number; ok: boolean; code?: string }> = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const at = performance.now();
      try {
        await store.set(`${key}:${i % 20}`, `value-${i}`, 60_000);
        const back = await store.get(`${key}:${i % 20}`);
        // Never half-written: a value read back is one that was written whole.
        if (back !== undefined) expect(back).toMatch(/^value-\d+$/);
        calls.push({ at, ms: performance.now() - at, ok: true });
      } catch (e) {
        calls.push({ at, ms: performance.now() - at, ok: false, ...(isHatrackError(e) && { code: e.code }) });
        await sleep(20);
      }
    }
  })();
  return { calls, stop: async () => { running = false; await loop; } };
}

async function failOverUnderLoad(store: RedisStore, key: string, fail: () => Promise<void>): Promise<void> {
  const load = underLoad(store, key);
  await sleep(300);
  const killedAt = performance.now();
  await fail();
  const failedOverAt = performance.now();
  // Back by itself: calls succeed again.
  let backAt: number | undefined;
  for (let i = 0; i < 200 && backAt === undefined; i++) {
    await sleep(50);
    const last = load.calls.at(-1);
    if (last?.ok && last.at > killedAt) backAt = performance.now();
  }
  await load.stop();
  const during = load.calls.filter((c) => c.at >= killedAt);
  expect(during.length, 'calls made during the failover').toBeGreaterThan(0);
  expect(Math.max(...during.map((c) => c.ms)), 'the slowest call during the failover (ms)').toBeLessThan(2000);
  expect(during.filter((c) => !c.ok).every((c) => c.code === 'store_unavailable')).toBe(true);
  expect(backAt, 'calls succeed again').toBeDefined();
  expect(backAt! - failedOverAt, 'ms from the failover until calls succeed again').toBeLessThan(5000);
}

describe('a cluster that is not up yet', () => {
  it('a store made before the cluster answers 503 until it is up, then serves by itself', async () => {
    const ports = await clusterPorts();
    const store = redisStore({ cluster: { nodes: ports.slice(0, 3).map((p) => `redis://127.0.0.1:${p}`) }, keyPrefix: uniquePrefix() });
    let late: RedisCluster | undefined;
    try {
      await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
      await sleep(1000);
      late = await startRedisCluster(ports);
      const upAt = performance.now();
      await ready(store);
      expect(performance.now() - upAt, 'ms from the cluster being up to the store serving').toBeLessThan(10_000);
    } finally {
      await store.close();
      await late?.stop();
    }
  }, 60_000);
});

describe('failover under load', () => {
  it('a Redis Cluster: the primary of the slot dies, its replica takes over, the store follows', async () => {
    const prefix = uniquePrefix();
    const store = await ready(onCluster(prefix));
    try {
      // The primary of a key the load writes.
      await failOverUnderLoad(store, 'failover', () => cluster.failPrimaryOf(`${prefix}failover:0`));
    } finally {
      await store.close();
    }
  }, 60_000);

  it('Redis Sentinel: the primary dies, the sentinel promotes the replica, the store follows', async () => {
    const store = await ready(onSentinel(uniquePrefix()));
    try {
      const started = performance.now();
      await failOverUnderLoad(store, 'failover', () => sentinel.failPrimary());
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('the broker on Sentinel, when the primary fails over', () => {
  it('answers each request within 2 s — its page, or a clear 503 — and serves again by itself within 5 s', async () => {
    const { startTestBroker } = await import('../../support/test-broker.ts');
    const { makeResponse, testKeys } = await import('../../support/saml/test-idp.ts');
    const k = await testKeys();
    const broker = await startTestBroker(k, { redis: { sentinel: { name: sentinel.name, sentinels: sentinel.sentinels } }, keyPrefix: uniquePrefix() });
    try {
      const base = broker.url.replace(/\/$/, '');
      const tile = await fetch(`${base}/saml/google/acs`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ SAMLResponse: makeResponse(k, { spec: { acsUrl: broker.saml.acsUrl, audience: broker.saml.entityId, now: new Date() } }).samlResponse }),
      });
      expect(tile.status).toBe(303);
      const cookie = tile.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const answers: Array<{ at: number; ms: number; status: number; page: string }> = [];
      let running = true;
      const load = (async () => {
        while (running) {
          const at = performance.now();
          const res = await fetch(`${base}/`, { headers: { cookie } });
          answers.push({ at, ms: performance.now() - at, status: res.status, page: await res.text() });
          await sleep(25);
        }
      })();
      await sleep(300);
      const killedAt = performance.now();
      await sentinel.failPrimary();
      const failedOverAt = performance.now();
      let backAt: number | undefined;
      for (let i = 0; i < 200 && backAt === undefined; i++) {
        await sleep(50);
        const last = answers.at(-1);
        if (last && last.at > failedOverAt && last.status === 200) backAt = performance.now();
      }
      running = false;
      await load;
      const during = answers.filter((a) => a.at >= killedAt);
      expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(2000);
      for (const a of during) {
        expect([200, 503]).toContain(a.status);
        if (a.status === 503) expect(a.page).toContain('The session store is unavailable');
      }
      expect(backAt, 'served again').toBeDefined();
      expect(backAt! - failedOverAt).toBeLessThan(5000);
    } finally {
      await broker.stop();
    }
  }, 60_000);
});
