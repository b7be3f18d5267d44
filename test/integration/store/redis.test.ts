import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { HatrackError } from '../../../src/errors.ts';
import { memoryLogger } from '../../../src/log.ts';
import type { Store } from '../../../src/store/store.ts';
import { createStore } from '../../../src/store/index.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { RedisStore } from '../../../src/store/redis.ts';
import { FixedClock } from '../../../src/clock.ts';
import { describeStoreContract } from '../../unit/store/contract.ts';
import { redisServer, type RedisServer } from '../../support/redis.ts';
import { ready, redisCli, redisStore, sleep, uniquePrefix } from './helpers.ts';

const url = inject('redisUrl');

describeStoreContract('RedisStore', async () => {
  const prefix = uniquePrefix();
  const store = await ready(redisStore({ url, keyPrefix: prefix }));
  const siblings: Store[] = [];
  return {
    store,
    advance: (ms) => sleep(ms),
    async sibling(keyPrefix = prefix) {
      const s = await ready(redisStore({ url, keyPrefix }));
      siblings.push(s);
      return s;
    },
    async cleanup() {
      await Promise.all([store, ...siblings].map((s) => s.close()));
    },
  };
});

describe('RedisStore in Redis', () => {
  it('writes keys under its prefix with a PX TTL, so Redis itself expires them', async () => {
    const prefix = uniquePrefix();
    const store = await ready(redisStore({ url, keyPrefix: prefix }));
    await store.set('sess:abc', 'v', 60_000);
    await store.setIfAbsent('replay:1', 'v', 30_000);
    await store.increment('rate:ip', 45_000);
    await store.increment('rate:ip', 45_000);
    expect(await redisCli(url, 'GET', `${prefix}sess:abc`)).toBe('v');
    const ttls = await Promise.all(['sess:abc', 'replay:1', 'rate:ip'].map((k) => redisCli(url, 'PTTL', prefix + k)));
    const [sessTtl, replayTtl, rateTtl] = ttls.map(Number);
    expect(sessTtl).toBeGreaterThan(50_000);
    expect(sessTtl).toBeLessThanOrEqual(60_000);
    expect(replayTtl).toBeGreaterThan(20_000);
    expect(replayTtl).toBeLessThanOrEqual(30_000);
    expect(rateTtl).toBeGreaterThan(35_000);
    expect(rateTtl).toBeLessThanOrEqual(45_000);
    expect(await redisCli(url, 'GET', `${prefix}rate:ip`)).toBe('2');
    await store.close();
  });

  it('increment gives a counter left without a TTL one, so it can never lock someone out forever', async () => {
    const prefix = uniquePrefix();
    const store = await ready(redisStore({ url, keyPrefix: prefix }));
    await redisCli(url, 'SET', `${prefix}rate:old`, '7');
    expect(await store.increment('rate:old', 10_000)).toBe(8);
    const ttl = Number(await redisCli(url, 'PTTL', `${prefix}rate:old`));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
    await store.close();
  });

  it('createStore builds a RedisStore when a URL is configured and a MemoryStore otherwise', async () => {
    const log = memoryLogger();
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const redis = createStore({ redis: url, keyPrefix: uniquePrefix() }, { log, clock });
    const memory = createStore({}, { log, clock });
    expect(redis).toBeInstanceOf(RedisStore);
    expect(memory).toBeInstanceOf(MemoryStore);
    await ready(redis as RedisStore);
    await redis.set('k', 'v', 10_000);
    expect(await redis.get('k')).toBe('v');
    await Promise.all([redis.close(), memory.close()]);
  });

  it('createStore uses the hatrack: prefix by default', async () => {
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const store = createStore({ redis: url }, { log: memoryLogger(), clock }) as RedisStore;
    await ready(store);
    const key = `default-prefix-probe:${Math.random()}`;
    await store.set(key, 'v', 10_000);
    expect(await redisCli(url, 'GET', `hatrack:${key}`)).toBe('v');
    await store.delete(key);
    await store.close();
  });

  it('a malformed or non-Redis URL fails with store_config_invalid, without echoing the URL', () => {
    for (const bad of ['not a url', 'http://user:s3cret@host:6379', 'redis://user:s3cret@[::1']) {
      let caught: unknown;
      try {
        redisStore({ url: bad });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(HatrackError);
      expect((caught as HatrackError).code).toBe('store_config_invalid');
      expect(JSON.stringify({ m: (caught as HatrackError).message, d: (caught as HatrackError).detail })).not.toContain('s3cret');
    }
  });

  it('logs the connection target without credentials and never logs keys or values', async () => {
    const server = await redisServer({ extraArgs: ['--requirepass', 'the-right-one'] });
    try {
      const log = memoryLogger();
      const wrong = redisStore({ url: server.url.replace('redis://', 'redis://default:hunter2@'), keyPrefix: uniquePrefix(), log });
      await sleep(300);
      await expect(wrong.set('sess:secret-session-id', 'secret-value', 10_000)).rejects.toMatchObject({ code: 'store_unavailable' });
      await wrong.close();
      const right = await ready(redisStore({ url: server.url.replace('redis://', 'redis://default:the-right-one@'), keyPrefix: uniquePrefix(), log }));
      await right.set('sess:secret-session-id', 'secret-value', 10_000);
      expect(await right.consume('sess:secret-session-id')).toBe('secret-value');
      await right.close();
      const text = log.lines.join('\n');
      expect(text).toContain('WRONGPASS');
      expect(text).toContain(`redis://127.0.0.1:${server.port}`);
      for (const secret of ['hunter2', 'the-right-one', 'secret-session-id', 'secret-value']) expect(text).not.toContain(secret);
    } finally {
      await server.dispose();
    }
  });
});

describe('RedisStore over TLS (rediss://)', () => {
  let dir: string;
  let server: RedisServer;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hatrack-redis-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    ca = readFileSync(cert, 'utf8');
    server = await redisServer({ tls: { cert, key, ca: cert } });
  });
  afterAll(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('talks to Redis over TLS with a configured CA', async () => {
    expect(server.url.startsWith('rediss://')).toBe(true);
    const store = await ready(redisStore({ url: server.url, keyPrefix: uniquePrefix(), tlsCa: ca }));
    await store.set('k', 'over tls', 10_000);
    expect(await store.consume('k')).toBe('over tls');
    await store.close();
  });

  it('refuses a server whose certificate it does not trust (store_unavailable, not a plaintext fallback)', async () => {
    const log = memoryLogger();
    const store = redisStore({ url: server.url, keyPrefix: uniquePrefix(), log });
    await sleep(500);
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(log.lines.join('\n')).toMatch(/certificate/i);
    await store.close();
  });
});
