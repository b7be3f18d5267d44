// The audit trail of a whole run of the demo on Redis — a browser sign-in with keys, a console
// session and a logout, a refused sign-in, the Google tile, a CLI login approved and one denied,
// keys through the CLI and its logout: one event of each kind, each with who, what, from where,
// the result and the request's id, on the audit log and on the store's bounded audit stream. And
// no secret the run handled — keys, session tokens, sign-in tokens, authorization codes, broker
// tokens, cookies, SAML responses, passwords — appears in any line the broker wrote.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUDIT_STREAM_KEY } from '../../src/audit/audit.ts';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { decide, csrfOf, signInAt } from '../support/device-approval.ts';
import { hatrack, newTerminal, startLogin, type Terminal } from '../support/cli-user.ts';
import { HeadlessBrowser } from '../support/oidc/browser.ts';
import { tileResponse } from '../support/tile.ts';
import { passwordOf } from './flow.ts';

let demo: TestDemo;
const terminals: Terminal[] = [];
/** Every secret the run handled. */
const secrets: string[] = [];
const ADMIN = 'arn:aws:iam::111111111111:role/Admin';

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl'), device: { interval: 1 } });
}, 60_000);
afterAll(async () => {
  await demo?.stop();
  for (const t of terminals) rmSync(t.home, { recursive: true, force: true });
}, 60_000);

type Line = Record<string, unknown>;
const lines = (): Line[] => demo.logLines.map((l) => JSON.parse(l) as Line);
const events = (): Line[] => lines().filter((l) => l.audit === true);

function cookieHeader(browser: HeadlessBrowser): string {
  return [...browser.cookies(new URL(demo.url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function browserRun(): Promise<void> {
  // Sign in by hand, to see the authorization code the provider sends back.
  const browser = new HeadlessBrowser();
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  await start.response.text();
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'alice', password: passwordOf(demo, 'alice') } });
  secrets.push(back.url.searchParams.get('code')!, passwordOf(demo, 'alice'));
  const picker = await browser.follow(back.url, 'http://never.invalid/');
  const page = await picker.response.text();
  secrets.push(...browser.cookies(new URL(demo.url).origin).values());
  const keys = await browser.follow(`${demo.url}aws/credentials`, 'http://never.invalid/', { form: { _csrf: csrfOf(page), role: ADMIN } });
  const keysPage = await keys.response.text();
  const shown = [...keysPage.matchAll(/(?:SecretAccessKey|SessionToken)(?:&quot;|")\s*:\s*(?:&quot;|")([^&"]+)/g)].map((m) => m[1]!);
  expect(shown).toHaveLength(2);
  secrets.push(...shown);
  const toAws = await browser.request(`${demo.url}aws/console`, { form: { _csrf: csrfOf(page), role: ADMIN } });
  secrets.push(new URL(toAws.headers.get('location')!).searchParams.get('SigninToken')!);
  expect((await browser.request(`${demo.url}logout`, { form: { _csrf: csrfOf(page) } })).status).toBe(303);
}

describe('the audit trail of a whole run', () => {
  beforeAll(async () => {
    await browserRun();

    // A callback this browser never began: refused.
    const stranger = await fetch(`${demo.url}oidc/demo/callback?state=${'s'.repeat(43)}&code=stolen-code`, { redirect: 'manual' });
    expect(stranger.status).toBe(401);

    // The tile.
    const tile = await tileResponse(demo.samlIdp, 'bob', passwordOf(demo, 'bob'));
    secrets.push(tile.form.get('SAMLResponse')!, passwordOf(demo, 'bob'));
    const acs = await fetch(tile.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: tile.form });
    expect(acs.status).toBe(303);
    secrets.push(...acs.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=')[1]!));

    // The CLI: a login approved, keys, a logout; and a login denied.
    const t = newTerminal(demo.url);
    terminals.push(t);
    const pending = await startLogin(t);
    const approver = await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'));
    secrets.push(...approver.cookies(new URL(demo.url).origin).values());
    await decide(demo.url, approver, pending.userCode, 'approve');
    expect((await pending.finished).code).toBe(0);
    const login = JSON.parse(readFileSync(join(t.configDir, 'hatrack', 'login.json'), 'utf8')) as { token: string };
    secrets.push(login.token);
    const creds = await hatrack(t, ['creds', '--role', ADMIN]);
    expect(creds.code, creds.stderr).toBe(0);
    const keys = JSON.parse(creds.stdout) as { SecretAccessKey: string; SessionToken: string };
    secrets.push(keys.SecretAccessKey, keys.SessionToken);
    expect((await hatrack(t, ['logout'])).code).toBe(0);

    const other = newTerminal(demo.url);
    terminals.push(other);
    const denied = await startLogin(other);
    await decide(demo.url, approver, denied.userCode, 'deny');
    expect((await denied.finished).code).not.toBe(0);
  }, 120_000);

  it('has one event of each kind, each naming who, from where, the result and its request', () => {
    const byKind = new Map<string, Line[]>();
    for (const e of events()) byKind.set(String(e.event), [...byKind.get(String(e.event)) ?? [], e]);
    expect([...byKind.keys()].sort()).toEqual([
      'config-loaded', 'console', 'credentials', 'device-approved', 'device-denied', 'grants-shown', 'logout', 'sign-in', 'sign-in-refused', 'token-used',
    ]);
    for (const [kind, list] of byKind) {
      if (kind === 'config-loaded') continue;
      for (const e of list) {
        expect(e.requestId, `${kind} has its request id`).toMatch(/^[0-9a-f]{12}$/);
        expect(e.via, `${kind} says its way in`).toMatch(/^(browser|cli|tile)$/);
        expect(e.result, kind).toMatch(/^(ok|refused|issued)$/);
        if (kind !== 'sign-in-refused') expect(e.email, `${kind} names the person`).toMatch(/@example\.com$/);
      }
    }
    expect(byKind.get('sign-in')!.map((e) => e.via).sort()).toEqual(['browser', 'browser', 'tile']);
    expect(byKind.get('credentials')!.filter((e) => e.result === 'issued').map((e) => e.via).sort()).toEqual(['browser', 'cli']);
    expect(byKind.get('credentials')![0]).toMatchObject({ roleArn: ADMIN, accountId: '111111111111', sessionName: 'alice@example.com', sourceIdentity: 'alice@example.com' });
    expect(byKind.get('logout')!.map((e) => e.via).sort()).toEqual(['browser', 'cli']);
    expect(byKind.get('sign-in-refused')![0]).toMatchObject({ connector: 'demo', error: 'login_state_mismatch' });
    expect(byKind.get('config-loaded')![0]).toMatchObject({ source: 'built-in demo' });
  });

  it('puts the same events on the store\'s bounded audit stream, newest first', async () => {
    const stream = (await demo.hatrack.store.readLatest(AUDIT_STREAM_KEY, 1000)).map((e) => JSON.parse(e.entry) as Line);
    const logged = events().map((e) => `${e.event}:${e.result}:${e.requestId ?? ''}`);
    expect(stream.map((e) => `${e.event}:${e.result}:${e.requestId ?? ''}`).reverse()).toEqual(logged);
    expect(stream[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('W12 no secret the run handled appears in any line the broker wrote', () => {
    const all = demo.logLines.join('\n');
    expect(secrets.length).toBeGreaterThan(12);
    for (const secret of secrets) {
      expect(secret.length, 'a secret worth looking for').toBeGreaterThan(8);
      expect(all.includes(secret), `a secret reached the log: ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});
