// `hatrack login` end to end: the compiled command asks the demo for a code, a person approves it
// (from a second HTTP client, and in headless Chromium), and the command keeps the broker token
// in $XDG_CONFIG_HOME/hatrack with mode 0600. Then the commands that use the login, their errors
// and exit codes, and the ways a login ends.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { approveAs, csrfOf, decide, signInAt } from '../support/device-approval.ts';
import { HATRACK_BIN, hatrack, newTerminal, startLogin, type Terminal } from '../support/cli-user.ts';
import { passwordOf, signInFromLoginPage } from './flow.ts';

let demo: TestDemo;
const terminals: Terminal[] = [];

beforeAll(async () => {
  // CLI logins last 30 minutes here, less than alice's 8-hour Admin rule.
  demo = await startTestDemo({ device: { interval: 1, tokenTtl: 1800 } });
}, 60_000);
afterAll(async () => {
  await demo?.stop();
  for (const t of terminals) rmSync(t.home, { recursive: true, force: true });
}, 60_000);

function terminal(): Terminal {
  const t = newTerminal(demo.url);
  terminals.push(t);
  return t;
}

async function loggedIn(name: string): Promise<Terminal> {
  const t = terminal();
  const pending = await startLogin(t);
  await approveAs(demo.url, name, passwordOf(demo, name), pending.userCode);
  const done = await pending.finished;
  expect(done.code, done.stderr).toBe(0);
  return t;
}

const loginFile = (t: Terminal) => join(t.configDir, 'hatrack', 'login.json');

describe('hatrack login', { timeout: 60_000 }, () => {
  it('prints the verification URL and an XXXX-XXXX code on stderr, nothing on stdout, and logs in once approved by a second client', async () => {
    const t = terminal();
    const pending = await startLogin(t);
    expect(pending.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    const approver = await approveAs(demo.url, 'bob', passwordOf(demo, 'bob'), pending.userCode);
    expect(approver.confirmation).toContain(pending.userCode);
    expect(approver.confirmation).toContain('hatrack-cli/');
    const done = await pending.finished;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toBe('');
    expect(done.stderr).toContain('Logged in to');
    expect(done.stderr).toContain('bob@example.com');

    const dir = join(t.configDir, 'hatrack');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(loginFile(t)).mode & 0o777).toBe(0o600);
    const login = JSON.parse(readFileSync(loginFile(t), 'utf8')) as { url: string; token: string; email: string };
    expect(login.url).toBe(demo.url.replace(/\/$/, ''));
    expect(login.token).toMatch(/^hatrack_/);
    expect(login.email).toBe('bob@example.com');
    // The token never reaches a log line.
    expect(demo.logLines.join('\n')).not.toContain(login.token);

    // The URL is remembered: later commands need no HATRACK_URL.
    const roles = await hatrack(t, ['roles'], { env: { HATRACK_URL: '' } });
    expect(roles.code, roles.stderr).toBe(0);
    expect(roles.stdout).toContain('dev/PowerUser');
    expect(roles.stdout).toContain('arn:aws:iam::111111111111:role/ReadOnly');
  });

  it('is approved in headless Chromium: sign in through the link, see the code, press Approve', async () => {
    const browser: TestBrowser = await launchBrowser();
    try {
      const t = terminal();
      const pending = await startLogin(t);
      const page = browser.page;
      await page.goto(pending.link);
      await signInFromLoginPage(page, demo, 'carla');
      await page.waitForSelector('[data-testid=confirm-code]');
      expect(await page.textContent('[data-testid=confirm-code]')).toBe(pending.userCode);
      expect(await page.isVisible('[data-testid=phishing-warning]')).toBe(true);
      // The code came in the link, and still nothing is approved until the click.
      const before = await hatrack(t, ['roles']);
      expect(before.code).toBe(3);
      await page.click('[data-testid=approve]');
      await page.waitForSelector('[data-testid=device-result]');
      expect(await page.textContent('[data-testid=device-result]')).toBe('CLI login approved');
      const done = await pending.finished;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toContain('carla@example.com');
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a code typed into the page is posted, never put in a URL, and still needs Approve', async () => {
    const browser: TestBrowser = await launchBrowser();
    try {
      const t = terminal();
      const pending = await startLogin(t);
      const page = browser.page;
      await page.goto(`${demo.url}device`);
      await signInFromLoginPage(page, demo, 'bob');
      await page.waitForSelector('[data-testid=user-code]');
      // Typed as people type: lower case, no dash.
      await page.fill('[data-testid=user-code]', pending.userCode.replace('-', '').toLowerCase());
      await page.click('button[type=submit]:has-text("Continue")');
      await page.waitForSelector('[data-testid=confirm-code]');
      expect(await page.textContent('[data-testid=confirm-code]')).toBe(pending.userCode);
      const code = pending.userCode.replace('-', '');
      expect(browser.requests.filter((u) => u.toUpperCase().replace(/-|%2D/g, '').includes(code))).toEqual([]);
      expect((await hatrack(t, ['roles'])).code).toBe(3);
      await page.click('[data-testid=approve]');
      await page.waitForSelector('[data-testid=device-result]');
      const done = await pending.finished;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toContain('bob@example.com');
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('on a terminal (a pty from `script`) it also draws the link as a QR code and counts down while it waits', async () => {
    const t = terminal();
    const { spawn } = await import('node:child_process');
    const command = [process.execPath, HATRACK_BIN, 'login', '--no-browser'].map((w) => `'${w}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let shown = '';
    child.stdout.on('data', (d) => { shown += String(d); });
    const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
    await expect.poll(() => /enter the code\s+([A-Z]{4}-[A-Z]{4})/.exec(shown)?.[1], { timeout: 20_000 }).toBeTruthy();
    const code = /enter the code\s+([A-Z]{4}-[A-Z]{4})/.exec(shown)![1]!;
    await expect.poll(() => /waiting for approval… \d+:\d\d left/.test(shown), { timeout: 5_000 }).toBe(true);
    // qrcode-terminal's small mode draws two modules per character with half blocks.
    expect(shown.match(/[▀▄█]/g)?.length ?? 0).toBeGreaterThan(100);
    await approveAs(demo.url, 'alice', passwordOf(demo, 'alice'), code);
    expect(await exited).toBe(0);
    expect(shown).toContain('alice@example.com');
  });

  it('ends with exit 1 and no login when the person presses Deny', async () => {
    const t = terminal();
    const pending = await startLogin(t);
    const browser = await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'));
    const denied = await decide(demo.url, browser, pending.userCode, 'deny');
    expect(denied.result).toContain('CLI login denied');
    const done = await pending.finished;
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('denied');
    expect(() => statSync(loginFile(t))).toThrow();
  });
});

describe('commands without a usable login', { timeout: 60_000 }, () => {
  it('exit 3 with one line on stderr when not logged in, and nothing on stdout', async () => {
    const r = await hatrack(terminal(), ['creds', '--role', 'prod/Admin']);
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exit 6 when the broker cannot be reached, 2 for usage errors', async () => {
    const t = await loggedIn('alice');
    const unreachable = await hatrack(t, ['roles', '--url', 'http://127.0.0.1:9']);
    // Logged in elsewhere: that is "not logged in" to this broker, before any network call.
    expect(unreachable.code).toBe(3);
    const login = JSON.parse(readFileSync(loginFile(t), 'utf8')) as Record<string, string>;
    const moved = newTerminal('http://127.0.0.1:9');
    terminals.push(moved);
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(moved.configDir, 'hatrack'), { recursive: true });
    writeFileSync(join(moved.configDir, 'hatrack', 'login.json'), JSON.stringify({ ...login, url: 'http://127.0.0.1:9' }));
    const down = await hatrack(moved, ['roles']);
    expect(down.code).toBe(6);
    expect(down.stderr).toContain('cannot reach the broker');
    expect((await hatrack(t, ['creds'])).code).toBe(2);
    expect((await hatrack(t, ['creds', '--role', 'x', '--format', 'yaml'])).code).toBe(2);
    expect((await hatrack(t, ['creds', '--bogus'])).code).toBe(2);
  });

  it('exit 5 for a role not granted; exit 2 for an ambiguous name, listing the candidates', async () => {
    const t = await loggedIn('alice');
    const denied = await hatrack(t, ['creds', '--role', 'prod/PowerUser']);
    expect(denied.code).toBe(5);
    expect(denied.stdout).toBe('');
    const ambiguous = await hatrack(t, ['creds', '--role', 'Admin']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('prod/Admin');
    expect(ambiguous.stderr).toContain('dev/Admin');
  });

  it('exit 4 after signing out in the browser: that ends the CLI token approved in the sign-in', async () => {
    const t = terminal();
    const pending = await startLogin(t);
    const approver = await approveAs(demo.url, 'alice', passwordOf(demo, 'alice'), pending.userCode);
    expect((await pending.finished).code).toBe(0);
    expect((await hatrack(t, ['roles'])).code).toBe(0);
    const home = await (await approver.browser.request(demo.url)).text();
    const out = await approver.browser.request(`${demo.url}logout`, { form: { _csrf: csrfOf(home) } });
    expect(out.status).toBe(303);
    const after = await hatrack(t, ['roles']);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('hatrack login');
  });

  it('signing in again as the same person keeps the sign-in: its logout still ends the CLI login approved before', async () => {
    const t = terminal();
    const pending = await startLogin(t);
    const approver = await approveAs(demo.url, 'alice', passwordOf(demo, 'alice'), pending.userCode);
    expect((await pending.finished).code).toBe(0);
    await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'), approver.browser);
    expect((await hatrack(t, ['roles'])).code).toBe(0);
    const home = await (await approver.browser.request(demo.url)).text();
    expect((await approver.browser.request(`${demo.url}logout`, { form: { _csrf: csrfOf(home) } })).status).toBe(303);
    expect((await hatrack(t, ['roles'])).code).toBe(4);
  });

  it('another person signing in on the same browser ends the CLI logins approved in the sign-in it replaces', async () => {
    const t = terminal();
    const pending = await startLogin(t);
    const approver = await approveAs(demo.url, 'alice', passwordOf(demo, 'alice'), pending.userCode);
    expect((await pending.finished).code).toBe(0);
    // The provider still knows alice in this browser: it must be told to forget her first.
    const origin = new URL(demo.oidcIssuer).origin;
    for (const name of approver.browser.cookies(origin).keys()) approver.browser.cookies(origin).delete(name);
    await signInAt(demo.url, 'bob', passwordOf(demo, 'bob'), approver.browser);
    const after = await hatrack(t, ['roles']);
    expect(after.code).toBe(4);
  });

  it('keys never outlive the CLI login by more than AWS\'s 15-minute minimum, whatever duration is asked', async () => {
    const t = await loggedIn('alice');
    for (const asked of [[], ['--duration', '2h']]) {
      const r = await hatrack(t, ['creds', '--role', 'prod/Admin', ...asked]);
      expect(r.code, r.stderr).toBe(0);
      const left = Date.parse((JSON.parse(r.stdout) as { Expiration: string }).Expiration) - Date.now();
      expect(left).toBeGreaterThan(25 * 60_000);
      expect(left).toBeLessThanOrEqual(30 * 60_000 + 5_000);
    }
  });

  it('hatrack logout revokes the token at the broker and forgets it here', async () => {
    const t = await loggedIn('bob');
    const { token } = JSON.parse(readFileSync(loginFile(t), 'utf8')) as { token: string };
    const out = await hatrack(t, ['logout']);
    expect(out.code).toBe(0);
    expect(() => statSync(loginFile(t))).toThrow();
    const res = await fetch(`${demo.url}api/roles`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    expect(res.status).toBe(401);
  });

  it('--version and COMMAND --help work without a login', async () => {
    const t = terminal();
    const version = await hatrack(t, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const command of ['login', 'roles', 'creds', 'console', 'exec', 'serve-credentials', 'configure', 'logout']) {
      const help = await hatrack(t, [command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`hatrack ${command}`);
    }
  });
});
