// Sign-out is real: it ends the session and the CLI logins approved in it, shows a "signed out"
// page that offers the provider's own logout (RP-initiated, end_session_endpoint), and the next
// sign-in in that browser asks the provider to authenticate again — OIDC prompt=login, SAML
// ForceAuthn — so that a shared machine can switch people.
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { csrfOf } from '../../support/device-approval.ts';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../../support/test-broker.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker(await testKeys());
});
afterAll(async () => {
  await broker?.stop();
});

function password(name: string): string {
  return broker.people.find((p) => p.username === name)!.password;
}

/** Starts a login at `connector`; the provider's URL Hatrack sent the browser to. */
async function start(browser: HeadlessBrowser, connector: string): Promise<URL> {
  const res = await browser.request(`${broker.url}login/${connector}`);
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

/** A full sign-in at the dev provider; whether the provider asked for the password (or knew the browser). */
async function signIn(browser: HeadlessBrowser, name: string): Promise<{ asked: boolean; authorization: URL }> {
  const authorization = await start(browser, 'demo');
  const first = await browser.follow(authorization, `${broker.url}oidc/`);
  let callback = first.url;
  if (!first.stopped) {
    await first.response.text();
    const back = await browser.follow(first.url, `${broker.url}oidc/`, { form: { prompt: 'login', login: name, password: password(name) } });
    if (!back.stopped) throw new Error(`not sent back: ${back.url} ${back.response.status} ${(await back.response.text()).replace(/\s+/g, " ").slice(0, 1500)}`);
    callback = back.url;
  }
  const done = await browser.follow(callback, 'http://never.invalid/');
  expect(done.url.href).toBe(broker.url);
  await done.response.text();
  return { asked: !first.stopped, authorization };
}

async function signOut(browser: HeadlessBrowser): Promise<Response> {
  const page = await (await browser.request(broker.url)).text();
  return browser.request(`${broker.url}logout`, { form: { _csrf: csrfOf(page) } });
}

describe('sign-out', () => {
  it('ends the session, shows the signed-out page with the provider\'s logout, and the next sign-in asks the provider again', async () => {
    const browser = new HeadlessBrowser();
    const first = await signIn(browser, 'alice');
    expect(first.asked).toBe(true);
    expect(first.authorization.searchParams.has('prompt')).toBe(false);

    // Without a sign-out, the provider knows the browser and signs it in without asking.
    const again = await signIn(browser, 'alice');
    expect(again.asked).toBe(false);

    const out = await signOut(browser);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${broker.url}signed-out`);
    const page = await (await browser.request(out.headers.get('location')!)).text();
    expect(page).toContain('data-testid="signed-out"');
    const logoutUrl = new URL(/href="([^"]+)" data-testid="provider-logout"/.exec(page)![1]!.replace(/&amp;/g, '&'));
    expect(logoutUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${broker.url}signed-out`);
    expect(logoutUrl.searchParams.get('client_id')).toBe('hatrack-test');
    expect(await (await browser.request(broker.url)).text()).toContain('Sign in with');

    // The next sign-in: prompt=login, and the provider asks for the password although it knows the browser.
    const after = await signIn(browser, 'alice');
    expect(after.authorization.searchParams.get('prompt')).toBe('login');
    expect(after.asked).toBe(true);
    expect(await (await browser.request(broker.url)).text()).toContain('alice@example.com');
    // Only once: the sign-in after that is an ordinary one again.
    expect((await signIn(browser, 'alice')).authorization.searchParams.has('prompt')).toBe(false);
  });

  it('a SAML sign-in after a sign-out sends ForceAuthn', async () => {
    const browser = new HeadlessBrowser();
    await signIn(browser, 'alice');
    await signOut(browser);
    const authnRequest = (url: URL) => inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    expect(authnRequest(await start(browser, 'google'))).toMatch(/ForceAuthn="true"/);
    expect(authnRequest(await start(browser, 'google'))).not.toMatch(/ForceAuthn/);
  });
});
