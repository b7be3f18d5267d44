// Bookmarkable role links (`/r/<account>/<role>`): opened by the person's own navigation — a
// bookmark or a typed URL, `Sec-Fetch-Site: none` — they go straight to the console; from anywhere
// else (another site's link, a browser that sends no such header) they ask first, with a
// CSRF-protected POST, so no cross-site GET ever assumes a role (W5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import { signInAt } from '../../support/device-approval.ts';
import type { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { passwordOf } from '../../e2e/flow.ts';

let demo: TestDemo;
let alice: HeadlessBrowser;
let links: string[];
beforeAll(async () => {
  demo = await startTestDemo();
  alice = await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'));
  const page = await (await alice.request(demo.url)).text();
  links = [...page.matchAll(/class="role-link"[^>]* href="([^"]+)"/g)].map((m) => m[1]!);
}, 60_000);
afterAll(async () => {
  await demo?.stop();
});

const consoleIssuances = () => demo.logLines.filter((l) => l.includes('"msg":"audit console issued"')).length;

function open(browser: HeadlessBrowser, path: string, site?: string): Promise<Response> {
  const cookie = [...browser.cookies(new URL(demo.url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
  return fetch(new URL(path, demo.url), { redirect: 'manual', headers: { cookie, ...(site !== undefined && { 'sec-fetch-site': site }) } });
}

describe('role links', () => {
  it('each role on the picker offers its link', () => {
    expect(links).toEqual(expect.arrayContaining(['/r/prod/Admin']));
    expect(links.every((l) => /^\/r\/[^/]+\/[^/]+$/.test(l))).toBe(true);
  });

  it('W5 opened from a bookmark or the address bar (Sec-Fetch-Site: none), it goes straight to the console', async () => {
    const before = consoleIssuances();
    const res = await open(alice, '/r/prod/Admin', 'none');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')!.startsWith(demo.standinUrl)).toBe(true);
    expect(consoleIssuances()).toBe(before + 1);
  });

  for (const site of ['cross-site', 'same-site', 'same-origin', undefined]) {
    it(`W5 opened from ${site ?? 'a browser that sends no Sec-Fetch-Site'}, it asks first and assumes nothing`, async () => {
      const before = consoleIssuances();
      const res = await open(alice, '/r/prod/Admin', site);
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('data-testid="role-link-confirm"');
      expect(page).toMatch(/<form method="post" action="\/aws\/console"/);
      expect(page).toContain('name="_csrf"');
      expect(consoleIssuances()).toBe(before);
    });
  }

  it('signed out, it goes to sign-in and comes back to the link', async () => {
    const res = await fetch(new URL('/r/prod/Admin', demo.url), { redirect: 'manual', headers: { 'sec-fetch-site': 'none' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/?returnTo=%2Fr%2Fprod%2FAdmin');
    const login = await (await fetch(new URL(res.headers.get('location')!, demo.url))).text();
    expect(login).toContain('/login/demo?returnTo=%2Fr%2Fprod%2FAdmin');
  });

  it('a role that is not the person\'s is refused, however it is opened', async () => {
    const bob = await signInAt(demo.url, 'bob', passwordOf(demo, 'bob'));
    for (const site of ['none', 'cross-site']) expect((await open(bob, '/r/prod/Admin', site)).status).toBe(403);
  });
});

describe('the keys page', () => {
  it('follows POST-redirect-GET: the keys are in no URL, shown once, and only to the browser that asked', async () => {
    const page = await (await alice.request(demo.url)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = await alice.request(`${demo.url}aws/credentials`, { form: { _csrf: csrf, role: 'arn:aws:iam::111111111111:role/Admin' } });
    expect(post.status).toBe(303);
    const location = post.headers.get('location')!;
    expect(location).toMatch(/^\/aws\/keys\?ticket=[A-Za-z0-9_-]{32}$/);
    const shown = await alice.request(new URL(location, demo.url));
    expect(shown.status).toBe(200);
    const html = await shown.text();
    const secret = /SecretAccessKey(?:&quot;|")\s*:\s*(?:&quot;|")([^&"]+)/.exec(html)![1]!;
    expect(location).not.toContain(secret);
    expect(demo.logLines.join('\n')).not.toContain(secret);
    // Back, or reload: not shown again, and no new keys.
    const again = await alice.request(new URL(location, demo.url));
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('data-testid="keys-gone"');
  });

  it('C4 a keys ticket opened in another browser shows nothing', async () => {
    const page = await (await alice.request(demo.url)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = await alice.request(`${demo.url}aws/credentials`, { form: { _csrf: csrf, role: 'arn:aws:iam::111111111111:role/Admin' } });
    const other = await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'));
    const res = await other.request(new URL(post.headers.get('location')!, demo.url));
    expect(res.status).toBe(410);
    expect(await res.text()).not.toMatch(/SecretAccessKey/);
  });
});

describe('the picker', () => {
  it('shows each role\'s description and, to a sign-in without MFA, how many more roles MFA would show', async () => {
    const page = await (await alice.request(demo.url)).text();
    expect(page).toContain('Administrators wear Admin in every account');
    expect(page).toContain('data-testid="more-with-mfa"');
    expect(page).toContain('to see 1 more role.');
    expect(page).not.toContain('data-testid="mfa-badge"');
    // ARNs break after their colons and slashes only.
    expect(page).toContain('arn:<wbr>aws:<wbr>iam:<wbr>:<wbr>111111111111:<wbr>role/<wbr>Admin');
  });

  it('puts the roles worn last first, and remembers the console region a person picks', async () => {
    const order = (html: string) => [...html.matchAll(/data-testid="role-(\w+)-(\d+)"/g)].map((m) => m[2]);
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    let page = await (await alice.request(demo.url)).text();
    const last = order(page).at(-1)!;
    await alice.request(`${demo.url}aws/console`, { form: { _csrf: csrfOf(page), role: `arn:aws:iam::${last}:role/Admin` } });
    page = await (await alice.request(demo.url)).text();
    expect(order(page)[0]).toBe(last);

    expect((await alice.request(`${demo.url}preferences/region`, { form: { _csrf: csrfOf(page), region: 'mars-1' } })).status).toBe(400);
    expect((await alice.request(`${demo.url}preferences/region`, { form: { _csrf: csrfOf(page), region: 'eu-west-1' } })).status).toBe(303);
    page = await (await alice.request(demo.url)).text();
    expect(page).toMatch(/name="region" value="eu-west-1"/);
    const res = await alice.request(`${demo.url}aws/console`, { form: { _csrf: csrfOf(page), role: `arn:aws:iam::${last}:role/Admin` } });
    expect(decodeURIComponent(res.headers.get('location')!)).toContain('region=eu-west-1');
  });
});

describe('error pages', () => {
  it('keep the signed-in header: who you are, and sign out', async () => {
    const bob = await signInAt(demo.url, 'bob', passwordOf(demo, 'bob'));
    const res = await open(bob, '/r/prod/Admin', 'none');
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain('data-testid="signed-in-as">bob@example.com');
    expect(page).toContain('action="/logout"');
  });
});
