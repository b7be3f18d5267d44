// SECURITY.md C4 in real Chromium: a login finishes only in the browser that began it. Mallory
// starts a login in her own browser, lets her IdP answer, and keeps the answer — the SAML POST to
// the ACS, or the OIDC callback URL — instead of delivering it. A hostile page then delivers it
// from Alice's browser (a cross-site form POST, a cross-site link). Alice must not end up signed
// in as Mallory, whether she had no session or was midway through a login of her own. The tile's
// IdP-initiated POST, which no browser began at Hatrack, still signs in with no cookie at all (W2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { openProviderForm, passwordOf, submitProviderForm, waitForPicker } from './flow.ts';

let demo: TestDemo;
let mallory: TestBrowser;
let alice: TestBrowser;

beforeAll(async () => {
  demo = await startTestDemo();
  [mallory, alice] = await Promise.all([launchBrowser(), launchBrowser()]);
}, 60_000);
afterAll(async () => {
  await mallory?.close();
  await alice?.close();
  await demo?.stop();
}, 60_000);

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

async function signInAtIdp(page: Page, name: string): Promise<void> {
  await page.waitForSelector('#username');
  await page.fill('#username', name);
  await page.fill('#password', passwordOf(demo, name));
  await page.click('button[type=submit]');
}

/** Mallory's own SP-initiated SAML login, answered by the IdP, its POST to the ACS kept back. */
async function mallorysSamlAnswer(): Promise<URLSearchParams> {
  await mallory.reset();
  const acs = `${demo.url}saml/google/acs`;
  let kept: string | undefined;
  await mallory.context.route(acs, async (route) => {
    kept = route.request().postData() ?? undefined;
    await route.abort();
  });
  const page = mallory.page;
  await page.goto(demo.url);
  await page.click('[data-testid=login-google]');
  await signInAtIdp(page, 'bob');
  await expect.poll(() => kept, { timeout: 10_000 }).toBeDefined();
  await mallory.context.unroute(acs);
  return new URLSearchParams(kept!);
}

/**
 * Mallory's own OIDC login, answered by the provider, its callback URL kept back. The callback is
 * reached by a redirect, which Playwright's routes do not stop, so Chromium's own request
 * interception (DevTools Fetch domain) holds it and fails it instead.
 */
async function mallorysOidcCallback(): Promise<string> {
  await mallory.reset();
  const cdp = await mallory.context.newCDPSession(mallory.page);
  let kept: string | undefined;
  cdp.on('Fetch.requestPaused', (e: { requestId: string; request: { url: string } }) => {
    kept = e.request.url;
    void cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'Aborted' });
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${demo.url}oidc/demo/callback*`, requestStage: 'Request' }] });
  await openProviderForm(mallory.page, demo);
  await submitProviderForm(mallory.page, 'bob', passwordOf(demo, 'bob'));
  await expect.poll(() => kept, { timeout: 10_000 }).toBeDefined();
  await cdp.send('Fetch.disable');
  await cdp.detach();
  return kept!;
}

/** A page on no site of Hatrack's, in a new tab of `browser`, that posts `fields` to `action`. */
async function hostilePost(browser: TestBrowser, action: string, fields: URLSearchParams): Promise<Page> {
  const page = await browser.context.newPage();
  const inputs = [...fields].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  await page.setContent(`<form method="post" action="${escapeHtml(action)}">${inputs}</form>`);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(demo.url)), page.evaluate('document.forms[0].submit()')]);
  await page.waitForLoadState('load');
  return page;
}

async function expectNotSignedIn(page: Page): Promise<void> {
  await page.goto(demo.url);
  expect(await page.locator('[data-testid=signed-in-as]').count()).toBe(0);
  expect(await page.locator('[data-testid=login-google]').count()).toBe(1);
}

describe('login CSRF (C4), in Chromium with two browsers', { timeout: 60_000 }, () => {
  it('SAML: Mallory\'s answer posted from Alice\'s browser, Alice signed out, signs no one in', async () => {
    const answer = await mallorysSamlAnswer();
    await alice.reset();
    const landed = await hostilePost(alice, `${demo.url}saml/google/acs`, answer);
    expect(await landed.textContent('main')).toContain('not started in this browser');
    await landed.close();
    await expectNotSignedIn(alice.page);
  });

  it('SAML: the same while Alice is midway through a login of her own', async () => {
    const answer = await mallorysSamlAnswer();
    await alice.reset();
    await alice.page.goto(demo.url);
    await alice.page.click('[data-testid=login-google]');
    await alice.page.waitForSelector('#username');
    const landed = await hostilePost(alice, `${demo.url}saml/google/acs`, answer);
    expect(await landed.textContent('main')).toContain('not started in this browser');
    await landed.close();
    await expectNotSignedIn(alice.page);
  });

  it('OIDC: Mallory\'s callback opened from a link in Alice\'s browser signs no one in', async () => {
    const callback = await mallorysOidcCallback();
    await alice.reset();
    await alice.page.setContent(`<a id="go" href="${escapeHtml(callback)}">prize</a>`);
    await Promise.all([alice.page.waitForURL((u) => u.href.startsWith(demo.url)), alice.page.click('#go')]);
    expect(await alice.page.textContent('main')).toContain('not started in this browser');
    await expectNotSignedIn(alice.page);
  });

  it('Mallory\'s own browser still finishes her own login (the binding is to the browser, not against it)', async () => {
    await mallory.reset();
    await mallory.page.goto(demo.url);
    await mallory.page.click('[data-testid=login-google]');
    await signInAtIdp(mallory.page, 'bob');
    await waitForPicker(mallory.page, demo);
    expect(await mallory.page.textContent('[data-testid=signed-in-as]')).toBe('bob@example.com');
  });

  it('the tile (IdP-initiated) still signs in from a browser with no cookie for Hatrack (W2)', async () => {
    await alice.reset();
    expect(await alice.context.cookies(demo.url)).toEqual([]);
    await alice.page.goto(demo.samlIdp.launcherUrl);
    await signInAtIdp(alice.page, 'alice');
    await alice.page.click('a.tile');
    await waitForPicker(alice.page, demo);
    expect(await alice.page.textContent('[data-testid=signed-in-as]')).toBe('alice@example.com');
    expect(alice.problems).toEqual([]);
  });
});
