// The full authorization code flow of the OIDC connector against the real, certified oidc-provider
// that the demo runs (src/dev/oidc-provider.ts), driven headlessly over HTTP: start the login, walk
// the provider's login form with a cookie jar, come back with the code, and get an Identity.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingLogin } from '../../../src/connectors/connector.ts';
import { createOidcConnector, type OidcConnector } from '../../../src/connectors/oidc/index.ts';
import { demoPeople, randomDemoPassword } from '../../../src/dev/demo-people.ts';
import { startDevOidcProvider, type DevOidcProvider } from '../../../src/dev/oidc-provider.ts';
import { HatrackError } from '../../../src/errors.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';

const redirectUri = 'http://127.0.0.1:4999/oidc/demo/callback';
const clientSecret = randomBytes(24).toString('base64url');
const people = demoPeople();
let dev: DevOidcProvider;
let connector: OidcConnector;

beforeAll(async () => {
  dev = await startDevOidcProvider({
    clients: [{ client_id: 'hatrack', client_secret: clientSecret, redirect_uris: [redirectUri] }],
    people,
  });
  connector = createOidcConnector({
    id: 'demo',
    displayName: 'Demo identity provider',
    issuer: dev.issuer,
    clientId: 'hatrack',
    clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    allowInsecureHttp: true,
  });
});

afterAll(async () => {
  await dev?.close();
});

function person(username: string) {
  const p = people.find((x) => x.username === username);
  if (!p) throw new Error(username);
  return p;
}

interface Attempt {
  browser: HeadlessBrowser;
  pending: PendingLogin;
  interactionUrl: URL;
  /** The callback URL when the provider sent the browser back, else the page it showed. */
  callbackUrl?: URL;
  page?: Response;
}

/** Starts a login and submits the provider's login form with these credentials. */
async function signIn(login: string, password: string, browser = new HeadlessBrowser()): Promise<Attempt> {
  const { url, pending } = await connector.startLogin({ redirectUri });
  const form = await browser.follow(url, redirectUri);
  expect(form.stopped).toBe(false);
  expect(form.response.status).toBe(200);
  expect(form.url.pathname).toMatch(/^\/interaction\//);
  const html = await form.response.text();
  expect(html).toContain('name="password"');
  const result = await submit(browser, form.url, { prompt: 'login', login, password });
  return { browser, pending, interactionUrl: form.url, ...result };
}

async function submit(browser: HeadlessBrowser, interactionUrl: URL, fields: Record<string, string>): Promise<{ callbackUrl?: URL; page?: Response }> {
  const after = await browser.follow(interactionUrl, redirectUri, { form: fields });
  return after.stopped ? { callbackUrl: after.url } : { page: after.response };
}

async function finish(a: Attempt) {
  if (!a.callbackUrl) throw new Error(`no callback; the provider answered ${a.page?.status}`);
  return connector.finishLogin({ callback: { url: a.callbackUrl }, pending: a.pending });
}

async function rejection(p: Promise<unknown>): Promise<HatrackError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(HatrackError);
  return e as HatrackError;
}

describe('demo people sign in at the real oidc-provider', () => {
  it.each([
    ['alice', ['admins']],
    ['bob', ['power-users']],
    ['carla', ['power-users']],
  ])('%s signs in and gets her or his email and groups', async (username, groups) => {
    const p = person(username);
    const attempt = await signIn(username, p.password);
    expect(attempt.callbackUrl?.searchParams.get('iss')).toBe(dev.issuer);
    const identity = await finish(attempt);
    expect(identity).toMatchObject({
      connector: 'demo',
      subject: p.sub,
      email: `${username}@example.com`,
      name: p.name,
      groups,
      mfa: false,
    });
    expect(identity.authTime).toBeInstanceOf(Date);
    expect(Math.abs(identity.authTime!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(identity.claims.amr).toEqual(['pwd']);
  });

  it('accepts the email address as the login name', async () => {
    const identity = await finish(await signIn('Bob@Example.com', person('bob').password));
    expect(identity.email).toBe('bob@example.com');
  });

  it('refuses a wrong password and shows the form again', async () => {
    const attempt = await signIn('alice', 'not-her-password');
    expect(attempt.callbackUrl).toBeUndefined();
    expect(attempt.page?.status).toBe(401);
    const html = await attempt.page!.text();
    expect(html).toContain('Wrong username or password');
    expect(html).not.toContain(person('alice').password);
  });

  it('refuses another person’s password', async () => {
    const attempt = await signIn('alice', person('bob').password);
    expect(attempt.callbackUrl).toBeUndefined();
    expect(attempt.page?.status).toBe(401);
  });

  it('refuses an unknown person', async () => {
    const attempt = await signIn('mallory', randomDemoPassword());
    expect(attempt.callbackUrl).toBeUndefined();
    expect(attempt.page?.status).toBe(401);
  });

  it('lets the person retry after a wrong password', async () => {
    const attempt = await signIn('carla', 'wrong');
    expect(attempt.page?.status).toBe(401);
    const retry = await submit(attempt.browser, attempt.interactionUrl, { prompt: 'login', login: 'carla', password: person('carla').password });
    const identity = await finish({ ...attempt, ...retry });
    expect(identity.email).toBe('carla@example.com');
  });

  it('ends the login with access_denied after five wrong passwords', async () => {
    const attempt = await signIn('alice', 'wrong-1');
    let last: { callbackUrl?: URL; page?: Response } = attempt;
    for (let i = 2; i <= 5 && !last.callbackUrl; i++) {
      last = await submit(attempt.browser, attempt.interactionUrl, { prompt: 'login', login: 'alice', password: `wrong-${i}` });
    }
    expect(last.callbackUrl?.searchParams.get('error')).toBe('access_denied');
    const e = await rejection(finish({ ...attempt, ...last }));
    expect(e.code).toBe('oidc_provider_error');
    expect(e.message).toContain('Too many failed sign-in attempts');
  });

  it('reports a cancelled login as a provider error (O17)', async () => {
    const { url, pending } = await connector.startLogin({ redirectUri });
    const browser = new HeadlessBrowser();
    const form = await browser.follow(url, redirectUri);
    const after = await submit(browser, form.url, { prompt: 'login', cancel: '1' });
    expect(after.callbackUrl?.searchParams.get('error')).toBe('access_denied');
    const e = await rejection(connector.finishLogin({ callback: { url: after.callbackUrl! }, pending }));
    expect(e.code).toBe('oidc_provider_error');
  });

  it('refuses a replayed callback: the provider does not redeem a code twice (O20)', async () => {
    const attempt = await signIn('bob', person('bob').password);
    await finish(attempt);
    const e = await rejection(finish(attempt));
    expect(e.code).toBe('oidc_code_rejected');
  });

  it('requires PKCE: an authorization request without a code challenge is refused (O16)', async () => {
    const { url } = await connector.startLogin({ redirectUri });
    const bare = new URL(url);
    bare.searchParams.delete('code_challenge');
    bare.searchParams.delete('code_challenge_method');
    const res = await fetch(bare, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? 'about:blank');
    expect(location.href.startsWith(redirectUri)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('serves a login page with no external assets, readable on a phone', async () => {
    const { url } = await connector.startLogin({ redirectUri });
    const form = await new HeadlessBrowser().follow(url, redirectUri);
    const html = await form.response.text();
    expect(html).toContain('name="viewport"');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(form.response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('a client secret the provider refuses is a configuration problem that names clientSecret, not a failed sign-in', async () => {
    const misconfigured = createOidcConnector({ ...connector.options, clientSecret: 'not-the-secret', allowInsecureHttp: true });
    const { url, pending } = await misconfigured.startLogin({ redirectUri });
    const browser = new HeadlessBrowser();
    const form = await browser.follow(url, redirectUri);
    await form.response.text();
    const back = await submit(browser, form.url, { prompt: 'login', login: 'alice', password: person('alice').password });
    const e = await rejection(misconfigured.finishLogin({ callback: { url: back.callbackUrl! }, pending }));
    expect(e.code).toBe('oidc_client_rejected');
    expect(e.status).toBe(500);
    expect(e.message).toBe('Hatrack is not configured correctly for this sign-in.');
    expect(e.detail).toMatch(/invalid_client\): check the connector's clientId and clientSecret/);
  });

  it('advertises RS256 ID tokens and PKCE S256 in its discovery document', async () => {
    const doc = await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(doc.issuer).toBe(dev.issuer);
    expect(doc.id_token_signing_alg_values_supported).toContain('RS256');
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
  });
});
