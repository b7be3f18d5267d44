// Headless Chromium for the end-to-end tests, launched exactly as TOOLCHAIN.md says: Debian's
// /usr/bin/chromium driven by playwright-core, in a throwaway persistent profile, with the flags
// that keep it off the network. Every request the page makes is recorded, and so is every console
// error, uncaught page error and Content-Security-Policy violation, so tests can assert on them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './prerequisites.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Every URL requested by a page of this browser, in order. */
  requests: string[];
  /** Console errors, uncaught page errors and CSP violations, in order. */
  problems: string[];
  /** Forgets cookies and storage and what was recorded so far: the next test starts signed out. */
  reset(): Promise<void>;
  /** Closes Chromium and removes its profile. Safe to call twice. */
  close(): Promise<void>;
}

// Runs before any script of every page (in the page, hence a string: the tests' types have no DOM).
// Chromium also prints CSP refusals as console errors; the event makes them unmistakable.
const REPORT_CSP_VIOLATIONS = `
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI);
});`;

export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'hatrack-e2e-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const requests: string[] = [];
  const problems: string[] = [];
  const watch = (p: Page) => {
    p.on('request', (r) => { requests.push(r.url()); });
    p.on('console', (m) => { if (m.type() === 'error') problems.push(`console error at ${p.url()}: ${m.text()}`); });
    p.on('pageerror', (e) => { problems.push(`page error at ${p.url()}: ${e.message}`); });
  };
  await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  // The profile opens with one page already; pages opened later are watched as they appear.
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  return {
    context,
    page,
    requests,
    problems,
    async reset() {
      await context.clearCookies();
      await context.clearPermissions();
      await page.goto('about:blank');
      requests.length = 0;
      problems.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
