// A person whose groups match no rule sees a page that says so and names their groups.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { memoryLogger } from '../../../src/log.ts';
import { startHatrack, type RunningHatrack } from '../../../src/main.ts';
import { FixedClock } from '../../../src/clock.ts';
import { startDevOidcProvider, type DevOidcProvider } from '../../../src/dev/oidc-provider.ts';
import { demoPeople } from '../../../src/dev/demo-people.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';

let hatrack: RunningHatrack;
let oidc: DevOidcProvider;
let url: string;
const clock = new FixedClock(new Date());

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  oidc = await startDevOidcProvider({
    port: 0,
    clients: [{ client_id: 'c', client_secret: 'client-secret', redirect_uris: [`${url}/oidc/corp/callback`] }],
    people: demoPeople(),
  });
  const loaded = validateConfig({
    publicUrl: url,
    session: { secret: 'test-session-secret-0123456789abcdef' },
    metrics: { listen: '127.0.0.1:0' },
    connectors: [{ id: 'corp', type: 'oidc', issuer: oidc.issuer, clientId: 'c', clientSecret: 'client-secret', scopes: ['openid', 'email', 'groups'], allowInsecureHttp: true }],
    accounts: { prod: '111111111111' },
    roles: [{ group: 'finance', role: 'arn:aws:iam::{prod}:role/Billing' }],
  }, 'test');
  hatrack = await startHatrack(loaded, { port: 0, log: memoryLogger(), baseDir: mkdtempSync(join(tmpdir(), 'hatrack-no-roles-')), server, clock });
});
afterAll(async () => {
  await hatrack?.close();
  await oidc?.close();
});

describe('a person with no matching rule', () => {
  it('sees that no role is granted and which groups the provider sent', async () => {
    const alice = demoPeople().find((p) => p.username === 'alice')!;
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${url}/login/corp`, `${url}/oidc/`);
    await start.response.text();
    const back = await browser.follow(start.url, `${url}/oidc/`, { form: { prompt: 'login', login: 'alice', password: alice.password } });
    const page = await browser.follow(back.url, 'http://never.invalid/');
    const html = await page.response.text();
    expect(html).toContain('data-testid="no-roles"');
    expect(html).toContain('no AWS role is granted to you');
    expect(html).toContain('<code>admins</code>');

    const metrics = await (await fetch(hatrack.metricsUrl!)).text();
    expect(metrics).toContain('hatrack_logins_total{connector="corp",result="ok"} 1');

    // The sign-in ends session.ttl after it happened, even for a session in constant use.
    const cookie = [...browser.cookies(new URL(url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
    clock.advance(8 * 3600 * 1000 - 60_000);
    expect(await (await fetch(url, { headers: { cookie } })).text()).toContain('data-testid="no-roles"');
    clock.advance(61_000);
    expect(await (await fetch(url, { headers: { cookie } })).text()).toContain('Sign in with');
  });
});
