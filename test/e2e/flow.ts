// Steps shared by the end-to-end tests: what a person does in the browser to sign in to the demo,
// and running the real AWS CLI v2 on the keys they got.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TestDemo } from '../support/demo.ts';
import { AWS_CLI } from '../support/prerequisites.ts';

export function passwordOf(demo: TestDemo, name: string): string {
  const person = demo.people.find((p) => p.username === name);
  if (!person) throw new Error(`no demo person called ${name}`);
  return person.password;
}

/** Opens Hatrack, follows "Sign in with the demo OpenID provider", and waits for the provider's form. */
export async function openProviderForm(page: Page, demo: TestDemo): Promise<void> {
  await page.goto(demo.url);
  await followToProvider(page, demo);
}

/** On a Hatrack login page: signs `name` in at the demo provider, which sends the browser back to where the login began. */
export async function signInFromLoginPage(page: Page, demo: TestDemo, name: string): Promise<void> {
  await followToProvider(page, demo);
  await submitProviderForm(page, name, passwordOf(demo, name));
}

/** From a Hatrack login page, "Sign in with the demo OpenID provider", then the provider's form. */
async function followToProvider(page: Page, demo: TestDemo): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with the demo OpenID provider' }).click();
  await page.waitForURL((u) => u.origin === new URL(demo.oidcIssuer).origin && u.pathname.startsWith('/interaction/'));
  await page.waitForSelector('form input[name=password]');
}

/** Types a username and password into the provider's form and submits it with its button. */
export async function submitProviderForm(page: Page, name: string, password: string): Promise<void> {
  await page.fill('input[name=login]', name);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]:not([name=cancel])');
}

/** The whole sign-in, ending on the role picker (its "signed in as" line names the person). */
export async function signIn(page: Page, demo: TestDemo, name: string): Promise<void> {
  await openProviderForm(page, demo);
  await submitProviderForm(page, name, passwordOf(demo, name));
  await waitForPicker(page, demo);
}

export async function waitForPicker(page: Page, demo: TestDemo): Promise<void> {
  await page.waitForURL(demo.url);
  await page.waitForSelector('[data-testid=signed-in-as]', { state: 'visible' });
  await page.waitForSelector('#role-filter', { state: 'visible' });
}

export interface CliResult { code: number; stdout: string; stderr: string }

/**
 * Runs the AWS CLI v2 (`/usr/bin/aws`, not the pip v1 earlier on PATH) with only the environment
 * given, a fresh HOME, and no config or credentials files unless the caller names some.
 */
export function awsCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'hatrack-e2e-home-'));
  return new Promise((resolve) => {
    execFile(AWS_CLI, args, {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
        ...env,
      },
    }, (error, stdout, stderr) => {
      rmSync(home, { recursive: true, force: true });
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
