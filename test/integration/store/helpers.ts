// Shared by the Redis store tests: making stores, waiting for them, and reading Redis directly
// through redis-cli (only src/store/redis.ts imports the client library).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { HatrackError } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log.ts';
import { createLogger } from '../../../src/log.ts';
import { createRedisStore, type RedisStore, type RedisStoreOptions } from '../../../src/store/redis.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const silentLog: Logger = createLogger({ level: 'error', sink: () => {} });

/** A fresh prefix per run (and per store family), so runs sharing one Redis never collide. */
export function uniquePrefix(): string {
  return `hatrack-test:${randomUUID()}:`;
}

export function redisStore(options: Partial<RedisStoreOptions> & ({ url: string } | Pick<RedisStoreOptions, 'cluster'> | Pick<RedisStoreOptions, 'sentinel'>)): RedisStore {
  return createRedisStore({ log: silentLog, ...options });
}

/** Polls until `check` resolves; the deadline only stops a broken test from hanging. */
export async function eventually(check: () => Promise<unknown>, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      await check();
      return;
    } catch (err) {
      last = err;
      await sleep(50);
    }
  }
  throw new Error(`still failing after ${deadlineMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

export async function ready(store: RedisStore): Promise<RedisStore> {
  await eventually(() => store.ping());
  return store;
}

/** Runs redis-cli against `url` and returns its raw output, trimmed. */
export function redisCli(url: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-u', url, '--raw', ...args], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

/** The call rejects with store_unavailable (503) and the plain message; returns the time taken. */
export async function expectUnavailable(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let caught: unknown;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  const elapsed = performance.now() - started;
  expect(caught, 'the call should have rejected').toBeInstanceOf(HatrackError);
  const err = caught as HatrackError;
  expect(err.code).toBe('store_unavailable');
  expect(err.status).toBe(503);
  expect(err.message).toMatch(/^The session store is unavailable/);
  return elapsed;
}
