// When AWS refuses, the person reads a plain sentence on the page, and nothing is issued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';

let demo: TestDemo;

beforeAll(async () => {
  demo = await startTestDemo();
});
afterAll(async () => {
  await demo?.stop();
});

async function signedInAsAlice() {
  const browser = new HeadlessBrowser();
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  await start.response.text();
  const password = demo.people.find((p) => p.username === 'alice')!.password;
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'alice', password } });
  const page = await (await browser.follow(back.url, 'http://never.invalid/')).response.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const cookie = [...browser.cookies(new URL(demo.url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
  return (role: string) => fetch(new URL('/aws/credentials', demo.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf, role }).toString(),
  });
}

describe('STS refusals become plain sentences', () => {
  it('explains a trust policy that does not allow sts:SetSourceIdentity', async () => {
    const role = 'arn:aws:iam::111111111111:role/Admin';
    demo.standin.registerRole(role, { maxSessionDuration: 43200, allowSetSourceIdentity: false });
    const res = await (await signedInAsAlice())(role);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('its trust policy does not accept');
    expect(html).toContain('sts_access_denied');
    expect(demo.logLines.some((l) => l.includes('"result":"refused"') && l.includes('sts_access_denied'))).toBe(true);
  });

  it('explains a role whose maximum session is shorter than the rule', async () => {
    const role = 'arn:aws:iam::222222222222:role/Admin';
    demo.standin.registerRole(role, { maxSessionDuration: 3600 });
    const res = await (await signedInAsAlice())(role);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('maximum session duration is shorter');
  });
});
