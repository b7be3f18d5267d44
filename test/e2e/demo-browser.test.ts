// The demo in headless Chromium, the way a person uses it: sign in at the dev OpenID provider,
// pick a role, land in the (stand-in) AWS console, or copy keys that the real AWS CLI accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchChromium, type Browser } from '../support/chromium.ts';
import { AWS_CLI } from '../support/prerequisites.ts';

const run = promisify(execFile);
let demo: TestDemo;
let browser: Browser;

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl') });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function freshPage(): Promise<Page> {
  await browser.context.clearCookies();
  return browser.page;
}

async function signIn(page: Page, name: string, password?: string): Promise<void> {
  await page.goto(demo.url);
  await page.click('[data-testid=login-demo]');
  await page.fill('input[name=login]', name);
  await page.fill('input[name=password]', password ?? demo.people.find((p) => p.username === name)!.password);
  await page.press('input[name=password]', 'Enter');
}

async function callerIdentity(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', demo.standinUrl, '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'aws-home-')), AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('the demo in Chromium', { timeout: 60_000 }, () => {
  it('alice signs in, sees Admin in both accounts, and opens the console as Admin in dev', async () => {
    const page = await freshPage();
    const started = Date.now();
    await signIn(page, 'alice');
    await page.waitForURL(demo.url);
    const atPicker = Date.now() - started;
    await expect.poll(() => page.textContent('[data-testid=signed-in-as]')).toBe('alice@example.com');
    expect(await page.locator('li.role').count()).toBe(2);
    await expect.poll(() => page.isVisible('[data-testid="role-Admin-111111111111"]')).toBe(true);
    await page.click('[data-testid="role-Admin-222222222222"] [data-testid=console]');
    await page.waitForSelector('main[data-testid=console]');
    const atConsole = Date.now() - started;
    expect(await page.textContent('[data-testid=assumed-role]')).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice@example.com');
    expect(await page.textContent('[data-testid=session-name]')).toBe('alice@example.com');
    expect(await page.textContent('[data-testid=source-identity]')).toBe('alice@example.com');
    console.log(`demo login in Chromium: ${atPicker} ms to the role picker, ${atConsole} ms to the console`);
    expect(browser.problems).toEqual([]);
  });

  it('bob sees PowerUser and ReadOnly but not Admin, and the filter narrows the list', async () => {
    const page = await freshPage();
    await signIn(page, 'bob');
    await page.waitForURL(demo.url);
    expect(await page.isVisible('[data-testid="role-PowerUser-222222222222"]')).toBe(true);
    expect(await page.isVisible('[data-testid="role-ReadOnly-111111111111"]')).toBe(true);
    expect(await page.locator('[data-testid^="role-Admin"]').count()).toBe(0);
    await page.fill('#role-filter', 'readonly');
    expect(await page.isVisible('[data-testid="role-PowerUser-222222222222"]')).toBe(false);
    expect(await page.isVisible('[data-testid="role-ReadOnly-111111111111"]')).toBe(true);
    await page.fill('#role-filter', 'nothing-like-this');
    expect(await page.isVisible('#filter-empty')).toBe(true);
  });

  it('a wrong password keeps the person at the provider with an error', async () => {
    const page = await freshPage();
    await signIn(page, 'alice', 'not-her-password');
    await page.waitForSelector('.err');
    expect(new URL(page.url()).origin).toBe(new URL(demo.oidcIssuer).origin);
    expect(await page.isVisible('input[name=password]')).toBe(true);
  });

  it('carla copies keys from the keys page and the real AWS CLI accepts them, in all three forms', async () => {
    const page = await freshPage();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo.url).origin });
    await signIn(page, 'carla');
    await page.waitForURL(demo.url);
    await page.click('[data-testid="role-PowerUser-222222222222"] [data-testid=keys]');
    await page.waitForSelector('[data-testid=env-block]');
    expect(await page.textContent('[data-testid=keys-role]')).toBe('arn:aws:iam::222222222222:role/PowerUser');
    expect(await page.textContent('[data-testid=keys-expiry]')).toMatch(/GMT/);

    // What the Copy button puts on the clipboard is what a person pastes into a shell.
    await page.click('button[data-copy=env-block]');
    await expect.poll(() => page.textContent('button[data-copy=env-block]')).toBe('Copied');
    // Expressions run in the page, written as strings: the test's own types have no DOM.
    const exports = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(exports).toBe(await page.textContent('[data-testid=env-block]'));
    const env = Object.fromEntries([...exports.matchAll(/^export (AWS_[A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']));

    const ok = await callerIdentity({ AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!, AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN! });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).Arn).toBe('arn:aws:sts::222222222222:assumed-role/PowerUser/carla@example.com');

    const wrong = await callerIdentity({ AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: `x${env.AWS_SECRET_ACCESS_KEY!.slice(1)}`, AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN! });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('SignatureDoesNotMatch');

    // The ~/.aws/credentials block, used as a credentials file.
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-keys-'));
    const block = (await page.textContent('[data-testid=file-block]'))!;
    const profile = /^\[([^\]]+)\]/.exec(block)![1]!;
    writeFileSync(join(dir, 'credentials'), block);
    const viaFile = await callerIdentity({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_PROFILE: profile });
    expect(viaFile.code, viaFile.stderr).toBe(0);
    expect(JSON.parse(viaFile.stdout).Arn).toContain('assumed-role/PowerUser/carla@example.com');

    // The credential_process JSON, printed by a program the CLI runs.
    const json = (await page.textContent('[data-testid=json-block]'))!;
    writeFileSync(join(dir, 'creds.json'), json);
    writeFileSync(join(dir, 'print-creds'), `#!/bin/sh\ncat '${join(dir, 'creds.json')}'\n`);
    chmodSync(join(dir, 'print-creds'), 0o755);
    writeFileSync(join(dir, 'config'), `[profile hatrack]\ncredential_process = ${join(dir, 'print-creds')}\nregion = us-east-1\n`);
    const viaProcess = await callerIdentity({ AWS_CONFIG_FILE: join(dir, 'config'), AWS_PROFILE: 'hatrack' });
    expect(viaProcess.code, viaProcess.stderr).toBe(0);
    expect(JSON.parse(viaProcess.stdout).Arn).toContain('assumed-role/PowerUser/carla@example.com');
  });

  it('signing out returns to the sign-in page', async () => {
    const page = await freshPage();
    await signIn(page, 'bob');
    await page.waitForURL(demo.url);
    await page.click('header form button');
    await page.waitForSelector('[data-testid=login-demo]');
  });
});

describe('the pages on a phone', { timeout: 60_000 }, () => {
  let phone: Browser;
  beforeAll(async () => {
    phone = await launchChromium({ viewport: { width: 390, height: 844 } });
  }, 60_000);
  afterAll(async () => {
    await phone?.close();
  });

  const noHorizontalScroll = async (page: Page) => (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) === true;

  it('fit the screen, load nothing from elsewhere, and raise no console or CSP errors', async () => {
    const page = phone.page;
    await page.goto(demo.url);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.click('[data-testid=login-demo]');
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', demo.people.find((p) => p.username === 'alice')!.password);
    await page.press('input[name=password]', 'Enter');
    await page.waitForURL(demo.url);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'hatrack-e2e-roles.png'), fullPage: true });
    await page.click('[data-testid="role-Admin-111111111111"] [data-testid=keys]');
    await page.waitForSelector('[data-testid=env-block]');
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'hatrack-e2e-keys.png'), fullPage: true });

    const origins = new Set(phone.requests.map((u) => new URL(u).origin));
    const ours = new Set([new URL(demo.url).origin, new URL(demo.oidcIssuer).origin, new URL(demo.standinUrl).origin]);
    expect([...origins].filter((o) => !ours.has(o))).toEqual([]);
    expect(phone.problems).toEqual([]);
  });
});
