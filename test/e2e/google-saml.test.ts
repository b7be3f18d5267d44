// The demo's stand-in Google Workspace in Chromium: the Hatrack tile in the app launcher
// (IdP-initiated SAML, an auto-submitted cross-site POST) and the redirect sign-in (SP-initiated),
// both through to the stand-in AWS console. The IdP runs on 127.0.0.1 and Hatrack on localhost,
// so the POST to the ACS is truly cross-site and carries no SameSite=Lax cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { passwordOf, waitForPicker } from './flow.ts';

let demo: TestDemo;
let browser: TestBrowser;

beforeAll(async () => {
  demo = await startTestDemo();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

async function signInAtIdp(name: string): Promise<void> {
  const page = browser.page;
  await page.waitForSelector('#username');
  await page.fill('#username', name);
  await page.fill('#password', passwordOf(demo, name));
  await page.click('button[type=submit]');
}

describe('Google Workspace (stand-in) over SAML, in Chromium', { timeout: 60_000 }, () => {
  it('the tile: alice signs in at the launcher, clicks Hatrack, and lands on her roles, then the console', async () => {
    await browser.reset();
    const page = browser.page;
    await page.goto(demo.samlIdp.launcherUrl);
    await signInAtIdp('alice');
    await page.waitForSelector('a.tile');
    await page.click('a.tile');
    await waitForPicker(page, demo);
    expect(await page.textContent('[data-testid=signed-in-as]')).toBe('alice@example.com');
    expect(await page.isVisible('[data-testid="role-Admin-111111111111"]')).toBe(true);
    await page.click('[data-testid="role-Admin-222222222222"] [data-testid=console]');
    await page.waitForSelector('main[data-testid=console]');
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice@example.com');
    expect(browser.problems).toEqual([]);
  });

  it('the redirect: bob starts at Hatrack, signs in at the IdP, and comes back to his roles', async () => {
    await browser.reset();
    const page = browser.page;
    await page.goto(demo.url);
    await page.click('[data-testid=login-google]');
    await page.waitForURL((u) => u.origin === new URL(demo.samlIdp.url).origin);
    await signInAtIdp('bob');
    await waitForPicker(page, demo);
    expect(await page.textContent('[data-testid=signed-in-as]')).toBe('bob@example.com');
    expect(await page.isVisible('[data-testid="role-PowerUser-222222222222"]')).toBe(true);
    expect(await page.locator('[data-testid^="role-Admin"]').count()).toBe(0);
    expect(browser.problems).toEqual([]);
  });
});
