// Hatrack's pages on a phone (390×844) in headless Chromium: they fit the screen without sideways
// scrolling, load nothing from anywhere but the demo's own servers, and raise no console error or
// Content-Security-Policy violation. Screenshots are left in /tmp for a person to look at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { openProviderForm, passwordOf, submitProviderForm, waitForPicker } from './flow.ts';

const PHONE = { width: 390, height: 844 };
const SCREENSHOTS = {
  login: '/tmp/hatrack-e2e-phone-login.png',
  roles: '/tmp/hatrack-e2e-phone-roles.png',
  keys: '/tmp/hatrack-e2e-phone-keys.png',
  roleLink: '/tmp/hatrack-e2e-phone-role-link.png',
  activity: '/tmp/hatrack-e2e-phone-admin-activity.png',
  access: '/tmp/hatrack-e2e-phone-admin-access.png',
  signedOut: '/tmp/hatrack-e2e-phone-signed-out.png',
};

let demo: TestDemo;
let browser: TestBrowser;

beforeAll(async () => {
  demo = await startTestDemo();
  browser = await launchBrowser({ viewport: PHONE });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

async function widths(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  // A string, evaluated in the page: the tests' own types have no DOM.
  return await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })') as { scrollWidth: number; innerWidth: number };
}

async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const w = await widths(page);
  expect(w.innerWidth, `${what}: the viewport is the phone's`).toBe(PHONE.width);
  expect(w.scrollWidth, `${what}: content ${w.scrollWidth} px wide in a ${w.innerWidth} px viewport`).toBeLessThanOrEqual(w.innerWidth);
}

function demoOrigins(): Set<string> {
  return new Set([demo.url, demo.oidcIssuer, demo.standinUrl].map((u) => new URL(u).origin));
}

describe('the pages on a phone', { timeout: 60_000 }, () => {
  it('the sign-in page, the role picker and the keys page fit 390 px without horizontal scrolling', async () => {
    await browser.reset();
    const page = browser.page;

    await page.goto(demo.url);
    await page.waitForSelector('[data-testid=login-demo]');
    await expectNoSidewaysScroll(page, 'Hatrack sign-in page');
    await page.screenshot({ path: SCREENSHOTS.login, fullPage: true });

    await openProviderForm(page, demo);
    await expectNoSidewaysScroll(page, 'provider login form');
    await submitProviderForm(page, 'alice', passwordOf(demo, 'alice'));
    await waitForPicker(page, demo);
    await expectNoSidewaysScroll(page, 'role picker');
    await page.screenshot({ path: SCREENSHOTS.roles, fullPage: true });

    // The keys page holds long unbroken tokens: they must wrap or scroll inside their box.
    await page.click('[data-testid="role-Admin-222222222222"] [data-testid=keys]');
    await page.waitForSelector('[data-testid=env-block]');
    await expectNoSidewaysScroll(page, 'keys page');
    await page.screenshot({ path: SCREENSHOTS.keys, fullPage: true });
    console.log(`phone screenshots: ${Object.values(SCREENSHOTS).join(', ')}`);
  });

  it('a role link opened from the picker, the admin pages and the signed-out page fit 390 px too', async () => {
    await browser.reset();
    const page = browser.page;
    await openProviderForm(page, demo);
    await submitProviderForm(page, 'alice', passwordOf(demo, 'alice'));
    await waitForPicker(page, demo);

    // Followed from the picker (same-origin), a role link asks first.
    await page.click('[data-testid="role-Admin-111111111111"] [data-testid=link]');
    await page.waitForSelector('[data-testid=role-link-confirm]');
    await expectNoSidewaysScroll(page, 'role link confirmation');
    await page.screenshot({ path: SCREENSHOTS.roleLink, fullPage: true });

    await page.goto(`${demo.url}admin/activity`);
    await page.waitForSelector('[data-testid=activity]');
    await expectNoSidewaysScroll(page, 'admin activity');
    await page.screenshot({ path: SCREENSHOTS.activity, fullPage: true });
    await page.goto(`${demo.url}admin/access?email=someone%40example.com&groups=admins`);
    await page.waitForSelector('[data-testid=trace]');
    await expectNoSidewaysScroll(page, 'admin access');
    await page.screenshot({ path: SCREENSHOTS.access, fullPage: true });

    await page.goto(demo.url);
    await page.click('header form button');
    await page.waitForSelector('[data-testid=signed-out]');
    await expectNoSidewaysScroll(page, 'signed-out page');
    await page.screenshot({ path: SCREENSHOTS.signedOut, fullPage: true });
    expect(browser.problems).toEqual([]);
  });

  it('sign-in, keys and console request nothing outside the demo origins and raise no console error or CSP violation', async () => {
    await browser.reset();
    const page = browser.page;

    await openProviderForm(page, demo);
    await submitProviderForm(page, 'bob', passwordOf(demo, 'bob'));
    await waitForPicker(page, demo);
    await page.fill('#role-filter', 'power');
    await page.click('[data-testid="role-PowerUser-222222222222"] [data-testid=keys]');
    await page.waitForSelector('[data-testid=env-block]');
    await page.getByRole('link', { name: 'Back to your roles' }).click();
    await waitForPicker(page, demo);
    await page.click('[data-testid="role-ReadOnly-111111111111"] [data-testid=console]');
    await page.waitForSelector('main[data-testid=console]');
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::111111111111:assumed-role/ReadOnly/bob@example.com');

    // The recording works: Hatrack's own stylesheet and script were among the requests.
    const base = new URL(demo.url);
    expect(browser.requests).toContain(new URL('static/hatrack.css', base).href);
    expect(browser.requests).toContain(new URL('static/hatrack.js', base).href);

    const ours = demoOrigins();
    const elsewhere = browser.requests.filter((u) => !u.startsWith('data:') && !ours.has(new URL(u).origin));
    expect(elsewhere).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('the problem watcher does notice a CSP violation (self-check of the test harness)', async () => {
    await browser.reset();
    const page = browser.page;
    await page.goto(demo.url);
    await page.waitForSelector('[data-testid=login-demo]');
    expect(browser.problems).toEqual([]);
    // Hatrack's CSP allows images only from itself: a data: image must be refused, and reported.
    await page.evaluate(`(() => { const img = document.createElement('img'); img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; document.body.append(img); })()`);
    await expect.poll(() => browser.problems.join('\n')).toMatch(/CSP violation: img-src/);
  });
});
