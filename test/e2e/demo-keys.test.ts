// The keys page in headless Chromium: carla takes temporary keys for PowerUser, copies them the way a
// person would, and the real AWS CLI v2 (/usr/bin/aws) accepts them in all three forms the page
// offers — shell exports, a ~/.aws/credentials block, and credential_process JSON.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { awsCli, signIn } from './flow.ts';

let demo: TestDemo;
let browser: TestBrowser;
const scratch = mkdtempSync(join(tmpdir(), 'hatrack-e2e-keys-'));

/** What the page showed, read once by the first test and used by the others. */
const shown = { env: '', file: '', json: '' };

beforeAll(async () => {
  demo = await startTestDemo();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const CARLA_POWERUSER = 'arn:aws:sts::222222222222:assumed-role/PowerUser/carla@example.com';

/** Undoes POSIX single-quoting ('…' with ' written as '\''), as a shell would. */
function shellUnquote(quoted: string): string {
  if (!quoted.startsWith("'") || !quoted.endsWith("'")) throw new Error(`not single-quoted: ${quoted}`);
  return quoted.slice(1, -1).split(`'\\''`).join("'");
}

function parseExports(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\n').filter(Boolean)) {
    const m = /^export (AWS_[A-Z_]+)=(.*)$/.exec(line);
    if (!m) throw new Error(`unexpected line in the export block: ${line.slice(0, 40)}`);
    out[m[1]!] = shellUnquote(m[2]!);
  }
  return out;
}

function callerIdentity(env: Record<string, string>, extra: string[] = []) {
  return awsCli(['sts', 'get-caller-identity', '--endpoint-url', demo.standinUrl, '--output', 'json', ...extra], env);
}

describe('the keys page and the real AWS CLI', { timeout: 60_000 }, () => {
  it('carla takes keys for PowerUser: the page shows the role and expiry, and Copy puts the exports on the clipboard', async () => {
    await browser.reset();
    const page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo.url).origin });
    await signIn(page, demo, 'carla');
    await page.click('[data-testid="role-PowerUser-222222222222"] [data-testid=keys]');
    await page.waitForSelector('[data-testid=env-block]');

    expect(await page.textContent('[data-testid=keys-role]')).toBe('arn:aws:iam::222222222222:role/PowerUser');
    const expiry = await page.getAttribute('[data-testid=keys-expiry] time', 'datetime');
    expect(expiry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // PowerUser's session lasts 4 h in the demo's mapping.
    const left = Date.parse(expiry!) - Date.now();
    expect(left).toBeGreaterThan(4 * 3600_000 - 5 * 60_000);
    expect(left).toBeLessThanOrEqual(4 * 3600_000 + 60_000);
    expect((await page.textContent('[data-testid=keys-expiry]'))!.trim()).not.toBe('');

    shown.env = (await page.textContent('[data-testid=env-block]'))!;
    shown.file = (await page.textContent('[data-testid=file-block]'))!;
    shown.json = (await page.textContent('[data-testid=json-block]'))!;
    expect(parseExports(shown.env).AWS_CREDENTIAL_EXPIRATION).toBe(expiry);

    // The Copy button, then what a paste would give.
    await page.click('button[data-copy=env-block]');
    await expect.poll(() => page.textContent('button[data-copy=env-block]')).toBe('Copied');
    // Page expressions are strings: the tests' own types have no DOM.
    const selectedByPage = String(await page.evaluate('String(window.getSelection())'));
    let copied: string;
    let via: string;
    try {
      copied = String(await page.evaluate('navigator.clipboard.readText()'));
      via = 'navigator.clipboard.readText()';
    } catch (e) {
      copied = selectedByPage;
      via = `the selection (the clipboard could not be read: ${(e as Error).message.split('\n')[0]})`;
    }
    console.log(`copy button: read back through ${via}; the page ${selectedByPage === '' ? 'wrote with the Clipboard API (nothing selected)' : 'fell back to selecting the text'}`);
    expect(copied).toBe(shown.env);
  });

  it('the real AWS CLI accepts the exported keys as carla in PowerUser, and refuses an altered secret', async () => {
    expect(shown.env, 'the first test read the page').not.toBe('');
    const env = parseExports(shown.env);
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA[A-Z0-9]{12,}$/);
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    const keys = { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!, AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN! };

    const ok = await callerIdentity(keys);
    expect(ok.code, ok.stderr).toBe(0);
    const who = JSON.parse(ok.stdout) as { Arn: string; Account: string };
    expect(who.Arn).toBe(CARLA_POWERUSER);
    expect(who.Account).toBe('222222222222');

    const secret = keys.AWS_SECRET_ACCESS_KEY;
    const altered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const refused = await callerIdentity({ ...keys, AWS_SECRET_ACCESS_KEY: altered });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).not.toContain(CARLA_POWERUSER);
    expect(refused.stderr).toContain('SignatureDoesNotMatch');
  });

  it('the ~/.aws/credentials block works as a credentials file, under the profile it names', async () => {
    expect(shown.file, 'the first test read the page').not.toBe('');
    const profile = /^\[([^\]\s]+)\]$/m.exec(shown.file)?.[1];
    expect(profile).toBeDefined();
    expect(profile).toContain('PowerUser');
    const file = join(scratch, 'credentials');
    writeFileSync(file, shown.file, { mode: 0o600 });

    const ok = await callerIdentity({ AWS_SHARED_CREDENTIALS_FILE: file }, ['--profile', profile!]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).Arn).toBe(CARLA_POWERUSER);
  });

  it('the credential_process JSON works when a script prints it for a profile in the AWS config file', async () => {
    expect(shown.json, 'the first test read the page').not.toBe('');
    const parsed = JSON.parse(shown.json) as Record<string, unknown>;
    expect(parsed).toMatchObject({ Version: 1, AccessKeyId: parseExports(shown.env).AWS_ACCESS_KEY_ID });
    expect(typeof parsed.Expiration).toBe('string');

    const script = join(scratch, 'print-hatrack-keys');
    writeFileSync(script, `#!/bin/sh\ncat <<'HATRACK_JSON'\n${shown.json}\nHATRACK_JSON\n`);
    chmodSync(script, 0o700);
    const config = join(scratch, 'config');
    writeFileSync(config, `[profile hatrack-e2e]\ncredential_process = ${script}\nregion = us-east-1\n`);

    const ok = await callerIdentity({ AWS_CONFIG_FILE: config }, ['--profile', 'hatrack-e2e']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).Arn).toBe(CARLA_POWERUSER);
  });
});
