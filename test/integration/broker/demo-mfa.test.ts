// The demo can show a multi-factor sign-in: each demo person has a one-time code (printed with the
// password); typed in at the dev OpenID provider (amr otp) or at the stand-in Google (a two-factor
// AuthnContext), it makes the sign-in multi-factor, and alice's break-glass role appears, marked
// MFA. A wrong code is refused like a wrong password; the stand-in Google honours ForceAuthn.
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { tileResponse } from '../../support/tile.ts';

let demo: TestDemo;
beforeAll(async () => {
  demo = await startTestDemo();
}, 60_000);
afterAll(async () => {
  await demo?.stop();
});

const alice = () => demo.people.find((p) => p.username === 'alice')!;

/** Signs in at the dev provider with the password and, when given, the one-time code; the picker's HTML, or the provider's answer. */
async function signIn(otp?: string): Promise<{ status: number; page: string }> {
  const browser = new HeadlessBrowser();
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  await start.response.text();
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'alice', password: alice().password, ...(otp !== undefined && { otp }) } });
  if (!back.stopped) return { status: back.response.status, page: await back.response.text() };
  const picker = await browser.follow(back.url, 'http://never.invalid/');
  return { status: picker.response.status, page: await picker.response.text() };
}

describe('a multi-factor sign-in in the demo', () => {
  it('with the one-time code at the dev provider, the break-glass role appears, marked MFA', async () => {
    const { page } = await signIn(alice().otp);
    expect(page).toContain('data-testid="role-BreakGlass-111111111111"');
    expect(page).toContain('data-testid="mfa-badge"');
    expect(page).not.toContain('data-testid="more-with-mfa"');
  });

  it('without it, the role is not there and the picker says so', async () => {
    const { page } = await signIn();
    expect(page).not.toContain('BreakGlass');
    expect(page).toContain('to see 1 more role.');
  });

  it('a wrong code is refused like a wrong password', async () => {
    const wrong = alice().otp === '000000' ? '111111' : '000000';
    const { status, page } = await signIn(wrong);
    expect(status).toBe(401);
    expect(page).toContain('Wrong username or password.');
  });

  it('at the stand-in Google, the code makes the tile\'s sign-in multi-factor', async () => {
    const res = async (otp?: string) => {
      const tile = await tileResponse(demo.samlIdp, 'alice', alice().password, otp);
      const acs = await fetch(tile.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: tile.form });
      const cookie = acs.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      return (await fetch(demo.url, { headers: { cookie } })).text();
    };
    expect(await res(alice().otp)).toContain('data-testid="role-BreakGlass-111111111111"');
    expect(await res()).not.toContain('BreakGlass');
  });

  it('the stand-in Google asks again when the AuthnRequest says ForceAuthn', async () => {
    const idp = new HeadlessBrowser();
    await idp.request(`${demo.samlIdp.url}/signin`, { form: { username: 'alice', password: alice().password } });
    const sso = async (force: boolean) => {
      const hatrack = new HeadlessBrowser();
      const start = await hatrack.request(`${demo.url}login/google`);
      const url = new URL(start.headers.get('location')!);
      const request = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      const changed = force ? request.replace('<samlp:AuthnRequest ', '<samlp:AuthnRequest ForceAuthn="true" ') : request;
      const { deflateRawSync } = await import('node:zlib');
      url.searchParams.set('SAMLRequest', deflateRawSync(changed).toString('base64'));
      return (await idp.request(url)).text();
    };
    expect(await sso(false)).toContain('id="saml-post"');
    expect(await sso(true)).toContain('name="password"');
  });
});
