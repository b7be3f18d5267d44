// The generic connector (`type: passport`): an installed strategy module — passport-openidconnect,
// against the real oidc-provider — carries a browser sign-in; its profile becomes the identity by
// the configured paths, its people get roles from their groups, a `requireMfa` rule grants nothing
// unless the configuration says the source proves MFA, and a callback that is not the answer to a
// login this browser began signs no one in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { startDevOidcProvider, type DevOidcProvider } from '../../../src/dev/oidc-provider.ts';
import { demoPeople } from '../../../src/dev/demo-people.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../../support/test-broker.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const people = demoPeople();
let provider: DevOidcProvider;
let broker: TestBroker;

/** A `type: passport` connector on passport-openidconnect at the provider. */
function generic(id: string, extra: Record<string, unknown> = {}) {
  return {
    id, type: 'passport', displayName: `Corp (${id})`, module: 'passport-openidconnect',
    options: {
      issuer: provider.issuer, authorizationURL: `${provider.issuer}/auth`, tokenURL: `${provider.issuer}/token`, userInfoURL: `${provider.issuer}/me`,
      clientID: `client-${id}`, clientSecret: 'env:GENERIC_CLIENT_SECRET', scope: ['email', 'profile', 'groups'],
    },
    // With nine parameters passport-openidconnect reads UserInfo and passes it (with its JSON) second.
    verify: { arity: 9, profileArgument: 1 },
    profile: { subject: 'id', email: 'emails.0.value', name: 'displayName', groups: '_json.groups' },
    ...extra,
  };
}

beforeAll(async () => {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  provider = await startDevOidcProvider({
    people,
    clients: ['corp', 'corp-mfa'].map((id) => ({
      client_id: `client-${id}`, client_secret: 'generic-client-secret-0123456789', redirect_uris: [`${url}/auth/${id}/callback`],
      token_endpoint_auth_method: 'client_secret_post' as const, pkce: false as const,
    })),
  });
  broker = await startTestBroker(await testKeys(), {
    port,
    env: { GENERIC_CLIENT_SECRET: 'generic-client-secret-0123456789' },
    moreConnectors: [generic('corp'), generic('corp-mfa', { provesMfa: true })],
    moreRoles: [
      { group: 'admins', connector: 'corp', role: 'arn:aws:iam::{prod}:role/Admin' },
      { group: 'admins', connector: 'corp', role: 'arn:aws:iam::{prod}:role/BreakGlass', requireMfa: true },
      { group: 'admins', connector: 'corp-mfa', role: 'arn:aws:iam::{prod}:role/BreakGlass', requireMfa: true },
    ],
  });
}, 60_000);
afterAll(async () => {
  await broker?.stop();
  await provider?.close();
});

/** Signs in through the connector at the provider; the page Hatrack lands on. */
async function signIn(connector: string, name: string, browser = new HeadlessBrowser()): Promise<{ page: string; browser: HeadlessBrowser }> {
  const person = people.find((p) => p.username === name)!;
  const start = await browser.follow(`${broker.url}login/${connector}?returnTo=/`, `${broker.url}auth/`);
  await start.response.text();
  const back = await browser.follow(start.url, `${broker.url}auth/`, { form: { prompt: 'login', login: name, password: person.password } });
  expect(back.stopped, 'the provider sends the browser back to Hatrack').toBe(true);
  const done = await browser.follow(back.url, 'http://never.invalid/');
  expect(done.url.href, broker.logLines.filter((l) => l.includes("passport_")).join("\n")).toBe(broker.url);
  return { page: await done.response.text(), browser };
}

const roleArns = (page: string) => [...new Set([...page.matchAll(/name="role" value="([^"]+)"/g)].map((m) => m[1]!))];

describe('type: passport with passport-openidconnect', () => {
  it('is offered on the login page', async () => {
    const home = await (await fetch(broker.url)).text();
    expect(home).toContain('Corp (corp)');
    expect(home).toContain(`href="/login/corp`);
  });

  it('alice signs in; her profile\'s groups give her roles, but not the requireMfa one', async () => {
    const { page } = await signIn('corp', 'alice');
    expect(page).toContain('alice@example.com');
    expect(roleArns(page)).toEqual(['arn:aws:iam::111111111111:role/Admin']);
  });

  it('with provesMfa: true, the same person may wear the requireMfa role', async () => {
    const { page } = await signIn('corp-mfa', 'alice');
    expect(roleArns(page)).toEqual(['arn:aws:iam::111111111111:role/BreakGlass']);
  });

  it('a callback this browser did not begin (login CSRF) signs no one in', async () => {
    const attacker = new HeadlessBrowser();
    const person = people.find((p) => p.username === 'bob')!;
    const start = await attacker.follow(`${broker.url}login/corp`, `${broker.url}auth/`);
    await start.response.text();
    const back = await attacker.follow(start.url, `${broker.url}auth/`, { form: { prompt: 'login', login: 'bob', password: person.password } });
    expect(back.stopped).toBe(true);
    const victim = new HeadlessBrowser();
    const res = await victim.request(back.url);
    expect(res.status).toBe(401);
    expect(victim.cookies(new URL(broker.url).origin).has('hatrack')).toBe(false);
  });

  it('C4 a callback is used once: the same answer again, from the same browser, signs no one in', async () => {
    const person = people.find((p) => p.username === 'alice')!;
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${broker.url}login/corp`, `${broker.url}auth/`);
    await start.response.text();
    const back = await browser.follow(start.url, `${broker.url}auth/`, { form: { prompt: 'login', login: 'alice', password: person.password } });
    const [first, second] = await Promise.all([browser.request(back.url), browser.request(back.url)]);
    expect([first.status, second.status].sort()).toEqual([303, 401]);
  });

  it('a callback without its code is refused, not taken for the start of a new login', async () => {
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${broker.url}login/corp`, `${broker.url}auth/`);
    await start.response.text();
    const res = await browser.request(`${broker.url}auth/corp/callback`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
  });
});
