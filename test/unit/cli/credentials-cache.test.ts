// The per-role key cache of `hatrack creds`: fresh keys are reused until five minutes before their
// expiry, concurrent callers share one fetch, a lock left by a dead process does not block, and
// keys cached under one login are never handed out under another.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedCredentials, REFRESH_MARGIN_MS, type CacheRequest } from '../../../src/cli/client/credentials-cache.ts';
import type { ProcessCredentials } from '../../../src/cli/client/broker-api.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function request(now: number, token = 'hatrack_one'): CacheRequest {
  const dir = dirs[0] ?? mkdtempSync(join(tmpdir(), 'hatrack-cache-'));
  if (!dirs.includes(dir)) dirs.push(dir);
  return { dir, login: { url: 'https://hatrack.example.com', token, id: `login-of-${token}`, expiresAt: '2030-01-01T00:00:00Z' }, role: 'prod/Admin', now: () => now };
}

let issued = 0;
function keysExpiringAt(ms: number): () => Promise<ProcessCredentials> {
  return async () => {
    issued++;
    await new Promise((r) => setTimeout(r, 30));
    return { Version: 1, AccessKeyId: `ASIA${issued}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(ms).toISOString() };
  };
}

const T0 = Date.parse('2026-12-01T12:00:00Z');

describe('the key cache', () => {
  it('reuses keys until the refresh margin, then fetches again', async () => {
    const expiry = T0 + 3600_000;
    const first = await cachedCredentials(request(T0), keysExpiringAt(expiry));
    const reused = await cachedCredentials(request(expiry - REFRESH_MARGIN_MS - 1), keysExpiringAt(expiry + 3600_000));
    expect(reused.AccessKeyId).toBe(first.AccessKeyId);
    const renewed = await cachedCredentials(request(expiry - REFRESH_MARGIN_MS), keysExpiringAt(expiry + 3600_000));
    expect(renewed.AccessKeyId).not.toBe(first.AccessKeyId);
  });

  it('writes its files 0600 in a 0700 directory', async () => {
    const req = request(T0);
    await cachedCredentials(req, keysExpiringAt(T0 + 3600_000));
    const dir = join(req.dir, 'cache');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });

  it('ten concurrent callers make one fetch and get the same keys', async () => {
    const before = issued;
    const all = await Promise.all(Array.from({ length: 10 }, () => cachedCredentials(request(T0), keysExpiringAt(T0 + 3600_000))));
    expect(issued - before).toBe(1);
    expect(new Set(all.map((k) => k.AccessKeyId)).size).toBe(1);
  });

  it('a lock left by a process that died does not block the next caller', async () => {
    const req = request(T0);
    await cachedCredentials(req, keysExpiringAt(T0 + 1000)); // cached, but already inside the margin
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const cache = join(req.dir, 'cache');
    const [json] = readdirSync(cache).filter((f) => f.endsWith('.json'));
    writeFileSync(join(cache, json!.replace(/\.json$/, '.lock')), dead);
    const before = issued;
    const k = await cachedCredentials(req, keysExpiringAt(T0 + 3600_000));
    expect(issued - before).toBe(1);
    expect(k.Expiration).toBe(new Date(T0 + 3600_000).toISOString());
  });

  it('keys cached under one login are not handed out under another (a new login, a new person)', async () => {
    const mine = await cachedCredentials(request(T0, 'hatrack_alice'), keysExpiringAt(T0 + 3600_000));
    const theirs = await cachedCredentials(request(T0, 'hatrack_bob'), keysExpiringAt(T0 + 3600_000));
    expect(theirs.AccessKeyId).not.toBe(mine.AccessKeyId);
  });

  it('keys the broker sent in another shape are refused, not cached', async () => {
    const req = request(T0);
    mkdirSync(join(req.dir, 'cache'), { recursive: true });
    await expect(cachedCredentials(req, async () => ({ Version: 1 }) as unknown as ProcessCredentials)).rejects.toThrow(/unexpected form/);
    expect(readdirSync(join(req.dir, 'cache')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});
