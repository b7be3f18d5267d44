// The demo in headless Chromium, the way a person uses it: sign in at the dev OpenID provider's own
// login form, pick a role, and land on the (offline stand-in) AWS console. Sessions live in the
// real Redis here, so the browser flow is covered with the Redis store too.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { openProviderForm, passwordOf, signIn, submitProviderForm, waitForPicker } from './flow.ts';

let demo: TestDemo;
let browser: TestBrowser;

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl') });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

describe('the demo console flow in Chromium', { timeout: 60_000 }, () => {
  it('alice signs in at the provider, sees Admin in prod and dev, and opens the console as Admin in dev', async () => {
    await browser.reset();
    const page = browser.page;

    const started = performance.now();
    await page.goto(demo.url);
    await page.getByRole('link', { name: 'Sign in with the demo OpenID provider' }).click();
    await page.waitForURL((u) => u.origin === new URL(demo.oidcIssuer).origin);
    await submitProviderForm(page, 'alice', passwordOf(demo, 'alice'));
    await waitForPicker(page, demo);
    const toPicker = performance.now() - started;

    expect(await page.textContent('[data-testid=signed-in-as]')).toBe('alice@example.com');
    expect(await page.locator('li.role').count()).toBe(2);
    for (const account of ['111111111111', '222222222222']) {
      const item = page.locator(`[data-testid="role-Admin-${account}"]`);
      expect(await item.isVisible(), `Admin in ${account} is shown`).toBe(true);
      expect(await item.textContent()).toContain(`arn:aws:iam::${account}:role/Admin`);
    }
    // The accounts are shown under their aliases.
    expect(await page.locator('section.account h2').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^prod\s+111111111111$/), expect.stringMatching(/^dev\s+222222222222$/)]),
    );

    await page.click('[data-testid="role-Admin-222222222222"] [data-testid=console]');
    await page.waitForSelector('main[data-testid=console]');
    const toConsole = performance.now() - started;

    expect(new URL(page.url()).origin).toBe(new URL(demo.standinUrl).origin);
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice@example.com');
    expect(await page.textContent('[data-testid=session-name]')).toBe('alice@example.com');
    expect(await page.textContent('[data-testid=role-name]')).toBe('Admin');
    expect(await page.textContent('[data-testid=account]')).toBe('222222222222');

    console.log(`demo login: ${Math.round(toPicker)} ms to the picker, ${Math.round(toConsole)} ms to the console`);
  });

  it('bob sees PowerUser in dev and ReadOnly in prod, and no Admin role', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'bob');

    expect(await page.textContent('[data-testid=signed-in-as]')).toBe('bob@example.com');
    expect(await page.isVisible('[data-testid="role-PowerUser-222222222222"]')).toBe(true);
    expect(await page.isVisible('[data-testid="role-ReadOnly-111111111111"]')).toBe(true);
    expect(await page.locator('li.role').count()).toBe(2);
    expect(await page.locator('[data-testid^="role-Admin-"]').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain('role/Admin');
  });

  it('the filter box hides the roles that do not match, and says so when none does', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'bob');
    const powerUser = '[data-testid="role-PowerUser-222222222222"]';
    const readOnly = '[data-testid="role-ReadOnly-111111111111"]';

    await page.fill('#role-filter', 'readonly');
    expect(await page.isVisible(powerUser)).toBe(false);
    expect(await page.isVisible(readOnly)).toBe(true);
    expect(await page.isVisible('#filter-empty')).toBe(false);

    // By account alias, case-insensitively: only dev's PowerUser is left, and prod's section hides.
    await page.fill('#role-filter', 'DEV');
    expect(await page.isVisible(powerUser)).toBe(true);
    expect(await page.isVisible(readOnly)).toBe(false);
    expect(await page.isVisible('section.account[data-account*="111111111111"]')).toBe(false);

    // By account number.
    await page.fill('#role-filter', '1111');
    expect(await page.isVisible(powerUser)).toBe(false);
    expect(await page.isVisible(readOnly)).toBe(true);

    await page.fill('#role-filter', 'nothing-like-this');
    expect(await page.isVisible(powerUser)).toBe(false);
    expect(await page.isVisible(readOnly)).toBe(false);
    expect(await page.isVisible('#filter-empty')).toBe(true);

    await page.fill('#role-filter', '');
    expect(await page.isVisible(powerUser)).toBe(true);
    expect(await page.isVisible(readOnly)).toBe(true);
    expect(await page.isVisible('#filter-empty')).toBe(false);
  });

  it('a wrong password keeps the person at the provider form with an error', async () => {
    await browser.reset();
    const page = browser.page;
    await openProviderForm(page, demo);
    const formUrl = page.url();

    const answer = page.waitForResponse((r) => r.url() === formUrl && r.request().method() === 'POST');
    await submitProviderForm(page, 'alice', `${passwordOf(demo, 'alice')}-wrong`);
    expect((await answer).status()).toBe(401);
    await page.waitForSelector('.err[role=alert]');

    expect(page.url()).toBe(formUrl);
    expect(new URL(page.url()).origin).toBe(new URL(demo.oidcIssuer).origin);
    expect(await page.textContent('.err[role=alert]')).toBe('Wrong username or password.');
    expect(await page.inputValue('input[name=login]')).toBe('alice');
    expect(await page.inputValue('input[name=password]')).toBe('');
    expect(await page.isVisible('[data-testid=signed-in-as]')).toBe(false);

    // Hatrack has no session for her: its home page still offers the sign-in.
    await page.goto(demo.url);
    expect(await page.isVisible('[data-testid=login-demo]')).toBe(true);
  });

  it('a role link typed into the address bar opens the console; followed from the picker, it asks first', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'alice');
    await waitForPicker(page, demo);
    // The browser's own navigation: Chromium sends Sec-Fetch-Site: none.
    await page.goto(`${demo.url}r/prod/Admin`);
    await page.waitForSelector('main[data-testid=console]');
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');
    await page.goto(demo.url);
    await waitForPicker(page, demo);
    await page.click('[data-testid="role-Admin-222222222222"] [data-testid=link]');
    await page.waitForSelector('[data-testid=role-link-confirm]');
    await page.click('[data-testid=role-link-confirm] button');
    await page.waitForSelector('main[data-testid=console]');
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice@example.com');
  });

  it('signing out ends the session and shows the signed-out page, which offers the provider\'s logout', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'bob');
    await waitForPicker(page, demo);
    await page.click('header form button');
    await page.waitForSelector('[data-testid=signed-out]');
    expect(await page.isVisible('[data-testid=provider-logout]')).toBe(true);
    await page.goto(demo.url);
    expect(await page.isVisible('[data-testid=signed-in-as]')).toBe(false);
    expect(await page.isVisible('[data-testid=login-demo]')).toBe(true);
  });
});
