// An LDAP directory as a sign-in method, end to end: the demo with a `type: ldap` connector at a
// real OpenLDAP (slapd, ldaps:// with its own CA), people signing in on Hatrack's form through
// passport, roles from their LDAP groups, the stand-in AWS console, a CLI login approved after an
// LDAP sign-in, and the refusals: wrong password, filter injection (L1), no CSRF token, floods.
// Every log line of the run is searched for the passwords typed (L2).
import { request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { HeadlessBrowser } from '../support/oidc/browser.ts';
import { csrfOf, decide } from '../support/device-approval.ts';
import { hatrack, newTerminal, startLogin } from '../support/cli-user.ts';
import { launchBrowser } from '../support/browser.ts';
import { LDAP_BASE, LDAP_PEOPLE, LDAP_SERVICE, startSlapd, type Slapd } from '../support/slapd.ts';

let slapd: Slapd;
let demo: TestDemo;
const typedPasswords: string[] = [];

beforeAll(async () => {
  slapd = await startSlapd({ tls: true });
  demo = await startTestDemo({
    device: { interval: 1 },
    moreConnectors: [{
      id: 'corp', type: 'ldap', displayName: 'the corporate directory', url: slapd.ldapsUrl!, ca: slapd.caPem!,
      bindDn: LDAP_SERVICE.dn, bindPassword: LDAP_SERVICE.password, userBase: `ou=people,${LDAP_BASE}`,
      userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    }],
  });
}, 60_000);
afterAll(async () => {
  await demo?.stop();
  await slapd?.stop();
});

const password = (uid: string) => LDAP_PEOPLE.find((p) => p.uid === uid)!.password;

/** Opens the form (getting its CSRF token and a session) and posts it. */
async function signIn(browser: HeadlessBrowser, username: string, typed: string, returnTo?: string) {
  typedPasswords.push(typed);
  const page = await (await browser.request(`${demo.url}login/corp${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`)).text();
  const returned = /name="returnTo" value="([^"]*)"/.exec(page)?.[1] ?? '/';
  return browser.request(`${demo.url}login/corp`, { form: { _csrf: csrfOf(page), returnTo: returned.replace(/&#x2F;|&#47;/g, '/').replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/g, '='), username, password: typed } });
}

describe('signing in with the corporate directory', { timeout: 60_000 }, () => {
  it('the login page offers it; its form carries a CSRF token and no password', async () => {
    const home = await (await fetch(demo.url)).text();
    expect(home).toContain('Sign in with the corporate directory');
    const form = await (await fetch(`${demo.url}login/corp`)).text();
    expect(form).toMatch(/name="_csrf" value="[^"]+"/);
    expect(form).toContain('type="password"');
  });

  it('alice signs in, sees the roles of her LDAP group (admins), and opens the stand-in console as Admin', async () => {
    const browser = new HeadlessBrowser();
    const res = await signIn(browser, 'alice', password('alice'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(demo.url);
    const picker = await (await browser.request(demo.url)).text();
    expect(picker).toContain('alice@example.com');
    const roles = [...new Set([...picker.matchAll(/name="role" value="([^"]+)"/g)].map((m) => m[1]))];
    expect(roles).toEqual(['arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::222222222222:role/Admin']);
    // The break-glass role needs MFA, which a directory never proves.
    expect(picker).not.toContain('BreakGlass');
    const toAws = await browser.request(`${demo.url}aws/console`, { form: { _csrf: csrfOf(picker), role: roles[0]! } });
    expect(toAws.status).toBe(303);
    const consolePage = await browser.follow(toAws.headers.get('location')!, 'http://never.invalid/');
    expect(await consolePage.response.text()).toContain('assumed-role/Admin/alice@example.com');
  });

  it('a wrong password and an unknown person get the form back with one message, 401, and no session', async () => {
    for (const [user, typed] of [['bob', 'not-bobs-password'], ['nobody', 'whatever-1']] as const) {
      const browser = new HeadlessBrowser();
      const res = await signIn(browser, user, typed);
      expect(res.status).toBe(401);
      const page = await res.text();
      expect(page).toContain('The username or password is not right.');
      expect(page).not.toContain(typed);
      expect(await (await browser.request(demo.url)).text()).not.toContain('data-testid="signed-in-as"');
    }
  });

  it('L1 a username that is filter syntax finds nobody, even with a real password', async () => {
    const res = await signIn(new HeadlessBrowser(), '*)(uid=*', password('carla'));
    expect(res.status).toBe(401);
  });

  it('W5 a post without the form\'s CSRF token is refused before the directory is asked', async () => {
    typedPasswords.push(password('bob'));
    const res = await fetch(`${demo.url}login/corp`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'bob', password: password('bob') }).toString(),
    });
    expect(res.status).toBe(403);
  });

  it('in headless Chromium: carla signs in on the form and lands on her roles', async () => {
    const browser = await launchBrowser();
    try {
      const page = browser.page;
      await page.goto(demo.url);
      await page.getByRole('link', { name: 'Sign in with the corporate directory' }).click();
      await page.fill('[data-testid=username]', 'carla');
      typedPasswords.push(password('carla'));
      await page.fill('[data-testid=password]', password('carla'));
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=signed-in-as]');
      expect(await page.textContent('[data-testid=signed-in-as]')).toBe('carla@example.com');
      expect(await page.isVisible('[data-testid="role-PowerUser-222222222222"]')).toBe(true);
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a CLI login is approved after signing in with the directory on the device page', async () => {
    const t = newTerminal(demo.url);
    try {
      const pending = await startLogin(t);
      const browser = new HeadlessBrowser();
      const signedOut = await (await browser.request(`${demo.url}device?user_code=${pending.userCode}`)).text();
      expect(signedOut).toContain('/login/corp?returnTo=');
      const back = await signIn(browser, 'bob', password('bob'), `/device?user_code=${pending.userCode}`);
      expect(back.status).toBe(303);
      expect(back.headers.get('location')).toBe(`${demo.url}device?user_code=${pending.userCode}`);
      const decided = await decide(demo.url, browser, pending.userCode, 'approve');
      expect(decided.result).toContain('CLI login approved');
      const done = await pending.finished;
      expect(done.code, done.stderr).toBe(0);
      const roles = await hatrack(t, ['roles']);
      expect(roles.stdout).toContain('dev/PowerUser');
    } finally {
      rmSync(t.home, { recursive: true, force: true });
    }
  });

  it('W13 guessing is cut off with 429: from one address, and for one username from any address', async () => {
    const post = (from: string, username: string) => new Promise<number>((resolve, reject) => {
      const body = new URLSearchParams({ username, password: 'guess-000' }).toString();
      // From addresses no other test used (the whole 127.0.0.0/8 answers on Linux).
      const req = httpRequest(`${demo.url}login/corp`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    // The limits count per minute of the clock: stay inside one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const fromOne: number[] = [];
    for (let i = 0; i < 11; i++) fromOne.push(await post('127.0.0.77', `guesser-${i}`));
    expect(fromOne.slice(0, 10)).not.toContain(429);
    expect(fromOne[10]).toBe(429);
    const oneName: number[] = [];
    for (let i = 0; i < 11; i++) oneName.push(await post(`127.0.1.${i + 1}`, 'target-person'));
    expect(oneName.slice(0, 10)).not.toContain(429);
    expect(oneName[10]).toBe(429);
  });

  it('L2 no log line of the whole run holds a password that was typed, nor the service account\'s', () => {
    const log = demo.logLines.join('\n');
    for (const p of [...typedPasswords, LDAP_SERVICE.password]) expect(log).not.toContain(p);
    expect(typedPasswords.length).toBeGreaterThan(5);
  });
});
