// SECURITY.md R1: Redis down or slow → every call fails with store_unavailable (503) within a
// bounded time, nothing crashes, and service resumes by itself when Redis returns.
// The 3 s bound is a correctness bound (a request must not hang), not a speed claim; the
// recovery deadlines in `eventually` only stop a broken test from hanging.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../src/log.ts';
import type { RedisStore } from '../../../src/store/redis.ts';
import { redisServer, silentProxy, type RedisServer } from '../../support/redis.ts';
import { eventually, expectUnavailable, ready, redisStore, sleep, uniquePrefix } from './helpers.ts';

const BOUND_MS = 3000;

/** Every Store operation, each as a call that can be timed. */
function everyOperation(store: RedisStore): Array<[string, () => Promise<unknown>]> {
  return [
    ['set', () => store.set('sess:1', 'v', 60_000)],
    ['setIfAbsent', () => store.setIfAbsent('replay:1', 'v', 60_000)],
    ['get', () => store.get('sess:1')],
    ['consume', () => store.consume('device:1')],
    ['delete', () => store.delete('sess:1')],
    ['increment', () => store.increment('rate:1', 60_000)],
    ['touch', () => store.touch('sess:1', 60_000)],
    ['ping', () => store.ping()],
  ];
}

async function expectEveryOperationUnavailable(store: RedisStore): Promise<void> {
  // All at once (as concurrent requests would be), then once more one by one.
  const together = await Promise.all(everyOperation(store).map(([, call]) => expectUnavailable(call)));
  for (const elapsed of together) expect(elapsed).toBeLessThan(BOUND_MS);
  for (const [op, call] of everyOperation(store)) {
    const elapsed = await expectUnavailable(call);
    expect(elapsed, `${op} took ${Math.round(elapsed)} ms`).toBeLessThan(BOUND_MS);
  }
}

async function expectWorking(store: RedisStore): Promise<void> {
  await store.set('sess:1', 'back', 60_000);
  expect(await store.get('sess:1')).toBe('back');
  expect(await store.consume('sess:1')).toBe('back');
}

/** Anything that escapes as an unhandled error fails the test that caused it. */
const escaped: unknown[] = [];
const onEscape = (err: unknown) => { escaped.push(err); };

describe('RedisStore when Redis fails (R1)', () => {
  let server: RedisServer | undefined;
  let store: RedisStore | undefined;

  beforeAll(() => {
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  afterAll(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  });
  afterEach(async () => {
    await store?.close();
    await server?.dispose();
    store = undefined;
    server = undefined;
    expect(escaped).toEqual([]);
  });

  it('when Redis is killed every operation rejects with store_unavailable within 3 s, and service resumes by itself when it returns', async () => {
    server = await redisServer();
    const log = memoryLogger();
    store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix(), log }));
    await expectWorking(store);

    await server.kill();
    await expectEveryOperationUnavailable(store);
    await sleep(1500); // several reconnect attempts fail meanwhile
    await expectEveryOperationUnavailable(store);

    await server.start();
    await eventually(() => expectWorking(store!));
    for (const [, call] of everyOperation(store)) await call();

    const messages = log.lines.map((l) => JSON.parse(l) as { msg: string; level: string });
    // One warning for the whole outage, however many errors it produced, and one note when it ends.
    expect(messages.filter((m) => m.msg.startsWith('redis store unavailable'))).toHaveLength(1);
    expect(messages.filter((m) => m.msg === 'redis store available again')).toHaveLength(1);
    expect(messages.filter((m) => m.level === 'error')).toHaveLength(0);
    expect(log.lines.join('\n')).not.toContain('sess:1');
  });

  it('a second outage is reported again, once', async () => {
    server = await redisServer();
    const log = memoryLogger();
    store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix(), log }));
    for (let outage = 0; outage < 2; outage++) {
      await server.kill();
      await expectUnavailable(() => store!.ping());
      await server.start();
      await eventually(() => store!.ping());
    }
    const messages = log.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m.startsWith('redis store unavailable'))).toHaveLength(2);
    expect(messages.filter((m) => m === 'redis store available again')).toHaveLength(2);
  });

  it('a store created while Redis is down rejects with store_unavailable, then connects by itself when Redis starts', async () => {
    server = await redisServer({ started: false });
    const log = memoryLogger();
    store = redisStore({ url: server.url, keyPrefix: uniquePrefix(), log });
    await expectEveryOperationUnavailable(store);
    await sleep(1000);
    await expectEveryOperationUnavailable(store);

    await server.start();
    await eventually(() => expectWorking(store!));
    expect(log.lines.some((l) => l.includes('redis store connected'))).toBe(true);
  });

  it('when Redis stops answering (paused) every operation rejects within 3 s, and service resumes when it answers again', async () => {
    server = await redisServer();
    const log = memoryLogger();
    store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix(), log }));
    await expectWorking(store);

    server.pause();
    await expectEveryOperationUnavailable(store);
    await sleep(1500);
    await expectEveryOperationUnavailable(store);

    server.resume();
    await eventually(() => expectWorking(store!));
    const warnings = log.lines.map((l) => JSON.parse(l) as { msg: string; level: string }).filter((m) => m.level === 'warn');
    expect(warnings.filter((m) => m.msg.startsWith('redis store unavailable'))).toHaveLength(1);
    expect(warnings.filter((m) => m.msg === 'redis connection replaced').length).toBeLessThanOrEqual(1);
  });

  it('a connection that silently stops answering (half-open) is replaced, and service resumes without Redis restarting', async () => {
    server = await redisServer();
    const proxy = await silentProxy(server.port);
    try {
      const log = memoryLogger();
      store = await ready(redisStore({ url: proxy.url, keyPrefix: uniquePrefix(), log }));
      await expectWorking(store);
      proxy.silenceExisting();
      await expectEveryOperationUnavailable(store);
      await eventually(() => expectWorking(store!));
      expect(proxy.connections).toBeGreaterThan(1);
      expect(log.lines.some((l) => l.includes('redis connection replaced'))).toBe(true);
    } finally {
      await store?.close();
      await proxy.close();
    }
  });

  it('a connection whose handshake never completes is replaced, and the store connects once the path is clear', async () => {
    server = await redisServer();
    const proxy = await silentProxy(server.port);
    try {
      proxy.silenceNew = true;
      store = redisStore({ url: proxy.url, keyPrefix: uniquePrefix() });
      await eventually(async () => expect(proxy.connections).toBe(1));
      await expectEveryOperationUnavailable(store);
      await sleep(500);
      await expectEveryOperationUnavailable(store);
      proxy.silenceNew = false;
      // Calls keep failing fast until the stuck connection is given up and a new one is made.
      await eventually(() => expectWorking(store!));
      expect(proxy.connections).toBeGreaterThan(1);
    } finally {
      await store?.close();
      await proxy.close();
    }
  });

  it('a call answered only after its deadline fails alone with store_unavailable; later calls succeed', async () => {
    server = await redisServer();
    store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix(), commandTimeoutMs: 300 }));
    server.pause();
    const slow = expectUnavailable(() => store!.get('sess:1'));
    await sleep(600);
    server.resume();
    // The reply arrives after the deadline: the caller already has its 503; nothing else breaks.
    expect(await slow).toBeLessThan(BOUND_MS);
    await eventually(() => expectWorking(store!));
  });

  it('close while Redis is down settles within 3 s', async () => {
    server = await redisServer();
    store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix() }));
    server.pause();
    const pending = store.get('sess:1').catch(() => undefined);
    const started = performance.now();
    await store.close();
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    await pending;
    await expectUnavailable(() => store!.ping());
  });
});
