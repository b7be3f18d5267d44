// An upstream OpenID provider that cannot be reached fails closed: a clear 503 page, no session.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { memoryLogger } from '../../../src/log.ts';
import { startHatrack, type RunningHatrack } from '../../../src/main.ts';

let hatrack: RunningHatrack;
let url: string;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  const port = await closedPort();
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const loaded = validateConfig({
    publicUrl: url,
    connectors: [{ id: 'corp', type: 'oidc', issuer: `http://127.0.0.1:${port}`, clientId: 'c', clientSecret: 's', allowInsecureHttp: true }],
    session: { secret: 'test-session-secret-0123456789abcdef' },
  }, 'test');
  hatrack = await startHatrack(loaded, { port: 0, log: memoryLogger(), baseDir: mkdtempSync(join(tmpdir(), 'hatrack-idp-down-')), server });
});
afterAll(async () => {
  await hatrack?.close();
});

describe('upstream identity provider down', () => {
  it('answers the login with a clear 503 page and no session cookie', async () => {
    const res = await fetch(`${url}/login/corp`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain('Hatrack is unavailable right now');
    expect(html).toContain('data-testid="error-code">oidc_');
  });

  it('answers 404 for a connector that does not exist', async () => {
    const res = await fetch(`${url}/login/nope`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });

  it('W13 answers a flood of login requests with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fetch(`${url}/login/corp`, { redirect: 'manual' })).status);
    expect(statuses).toContain(429);
    expect(statuses.lastIndexOf(503)).toBeLessThan(statuses.indexOf(429));
  });
});
