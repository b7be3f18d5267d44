// SECURITY.md S29 and R2 against the real Redis: the same assertion posted 20 times at once, spread
// over two connector instances that share one Redis the way two broker processes do → exactly one
// login. For the tile (unsolicited) the replay cache (SET NX PX) decides; for an SP-initiated login
// the one-shot pending login and AuthnRequest key (GETDEL) decide first.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { takePendingLogin } from '../../../src/http/login-state.ts';
import { HatrackError } from '../../../src/errors.ts';
import type { Identity } from '../../../src/identity.ts';
import { createLogger } from '../../../src/log.ts';
import { createRedisStore, type RedisStore } from '../../../src/store/redis.ts';
import { harness, start, type Harness } from '../../support/saml/harness.ts';
import { SP, form, makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

const url = inject('redisUrl');
const prefix = `hatrack-test:saml:${randomUUID()}:`;
const stores: RedisStore[] = [];
let k: Keys;

function redisCli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-u', url, '--raw', ...args], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

async function redisStore(): Promise<RedisStore> {
  // Atomicity is under test, not latency: 20 verifications at once keep the event loop busy for
  // longer than the default command deadline on a loaded 2-core machine.
  const store = createRedisStore({ url, keyPrefix: prefix, commandTimeoutMs: 10_000, log: createLogger({ level: 'error', sink: () => {} }) });
  stores.push(store);
  for (let i = 0; i < 100; i++) {
    try {
      await store.ping();
      return store;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('Redis did not become ready');
}

beforeAll(async () => {
  k = await testKeys();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

/** Two "processes": two connectors, each with its own Redis connection, one keyspace. */
async function twoProcesses(options: Parameters<typeof harness>[1] = {}): Promise<[Harness, Harness]> {
  return [harness(k, options, await redisStore()), harness(k, options, await redisStore())];
}

/** What the HTTP layer does with one POST to the ACS, on process `h`. */
async function acs(h: Harness, samlResponse: string, relayState?: string): Promise<Identity> {
  const callback = { url: new URL(SP.acsUrl), form: form(samlResponse, relayState) };
  const pending = await takePendingLogin(h.store, h.connector.callbackState(callback));
  return h.connector.finishLogin({ callback, pending });
}

function tally(results: PromiseSettledResult<Identity>[]): { ok: Identity[]; codes: Record<string, number> } {
  const ok: Identity[] = [];
  const codes: Record<string, number> = {};
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else {
      expect(r.reason).toBeInstanceOf(HatrackError);
      const code = (r.reason as HatrackError).code;
      codes[code] = (codes[code] ?? 0) + 1;
    }
  }
  return { ok, codes };
}

describe('S29 the same assertion at the same time, against the real Redis', () => {
  it('S29 the same unsolicited assertion posted 20 times at once over two processes → exactly one login, 19 saml_replayed', async () => {
    const [a, b] = await twoProcesses({ allowIdpInitiated: true });
    const r = makeResponse(k);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => acs(i % 2 === 0 ? a : b, r.samlResponse)));
    const { ok, codes } = tally(results);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.email).toBe('alice@corp.example');
    expect(codes).toEqual({ saml_replayed: 19 });

    // One replay key in Redis, living as long as the assertion could be accepted: 300 s + 120 s skew.
    const keys = (await redisCli('--scan', '--pattern', `${prefix}saml-assertion:*`)).split('\n').filter(Boolean);
    expect(keys).toHaveLength(1);
    const ttl = Number(await redisCli('PTTL', keys[0]!));
    expect(ttl).toBeGreaterThan(400_000);
    expect(ttl).toBeLessThanOrEqual(420_000);
  });

  it('S29 the same SP-initiated answer posted 20 times at once over two processes → exactly one login', async () => {
    const [a, b] = await twoProcesses();
    const s = await start(a);
    const r = makeResponse(k, { spec: { inResponseTo: s.pending.data.requestId } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => acs(i % 2 === 0 ? a : b, r.samlResponse, s.pending.state)));
    const { ok, codes } = tally(results);
    expect(ok).toHaveLength(1);
    // The pending login went to one of them; the other 19 find no open login for this response.
    expect(codes).toEqual({ saml_in_response_to_unknown: 19 });
    expect(await redisCli('EXISTS', `${prefix}saml-request:${SP.id}:${s.pending.data.requestId}`)).toBe('0');
  });

  it('S29 20 different assertions at once all get in: the replay cache keys each assertion on its own', async () => {
    const [a, b] = await twoProcesses({ allowIdpInitiated: true });
    const responses = Array.from({ length: 20 }, () => makeResponse(k));
    const results = await Promise.allSettled(responses.map((r, i) => acs(i % 2 === 0 ? a : b, r.samlResponse)));
    expect(tally(results).ok).toHaveLength(20);
  });
});
