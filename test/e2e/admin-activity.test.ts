// The admin activity page in headless Chromium: an admin (alice) keeps it open, bob signs in
// elsewhere, and his sign-in appears in her table without a reload; bob himself is turned away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { signInAt } from '../support/device-approval.ts';
import { passwordOf, signIn, waitForPicker } from './flow.ts';

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

describe('/admin/activity in a browser', { timeout: 60_000 }, () => {
  it('shows new events as they happen, without a reload', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'alice');
    await waitForPicker(page, demo);
    await page.goto(`${demo.url}admin/activity`);
    await page.waitForSelector('[data-testid=activity]');
    expect(await page.locator('tbody').textContent()).not.toContain('bob@example.com');
    await signInAt(demo.url, 'bob', passwordOf(demo, 'bob'));
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } })
      .document.querySelector('table[data-live] tbody')?.textContent.includes('bob@example.com'), undefined, { timeout: 20_000 });
    expect(browser.problems).toEqual([]);
  });

  it('turns away someone who is not an admin', async () => {
    await browser.reset();
    const page = browser.page;
    await signIn(page, demo, 'bob');
    await waitForPicker(page, demo);
    const res = await page.goto(`${demo.url}admin/activity`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent('[data-testid=error-code]')).toBe('admin_only');
  });
});
