// The whole browser flow of the demo, driven over HTTP: sign in at the real oidc-provider, pick a
// role, get keys and a console session from the offline AWS stand-in — sessions in the real Redis.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';

let demo: TestDemo;

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl') });
});
afterAll(async () => {
  await demo?.stop();
});

const expected: Record<string, string[]> = {
  alice: ['arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::222222222222:role/Admin'],
  bob: ['arn:aws:iam::222222222222:role/PowerUser', 'arn:aws:iam::111111111111:role/ReadOnly'],
  carla: ['arn:aws:iam::222222222222:role/PowerUser', 'arn:aws:iam::111111111111:role/ReadOnly'],
};

interface SignedIn {
  browser: HeadlessBrowser;
  page: string;
  csrf: string;
  roles: string[];
  callbackUrl: URL;
}

function password(name: string): string {
  return demo.people.find((p) => p.username === name)!.password;
}

/** Walks the login: Hatrack → provider login form → Hatrack callback → role picker. */
async function signIn(name: string, browser = new HeadlessBrowser()): Promise<SignedIn> {
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  expect(start.url.pathname).toMatch(/^\/interaction\//);
  await start.response.text();
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: name, password: password(name) } });
  expect(back.stopped, 'the provider sends the browser back to Hatrack').toBe(true);
  const callbackUrl = back.url;
  const picker = await browser.follow(callbackUrl, 'http://never.invalid/');
  expect(picker.url.href).toBe(demo.url);
  const page = await picker.response.text();
  return { browser, page, csrf: csrfOf(page), roles: [...new Set([...page.matchAll(/name="role" value="([^"]+)"/g)].map((m) => m[1]!))], callbackUrl };
}

function csrfOf(page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

function sessionCookie(browser: HeadlessBrowser): string | undefined {
  return browser.cookies(new URL(demo.url).origin).get('hatrack');
}

async function postForm(browser: HeadlessBrowser, path: string, form: Record<string, string>, accept = 'text/html') {
  const cookies = browser.cookies(new URL(demo.url).origin);
  return fetch(new URL(path, demo.url), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept,
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new URLSearchParams(form).toString(),
  });
}

describe('the demo flow over HTTP, sessions in Redis', () => {
  for (const name of ['alice', 'bob', 'carla']) {
    it(`${name} signs in, sees exactly their roles, and gets working keys for each`, async () => {
      const s = await signIn(name);
      expect(s.page).toContain(`${name}@example.com`);
      expect(s.roles).toEqual(expected[name]);

      for (const role of s.roles) {
        const res = await postForm(s.browser, '/aws/credentials', { _csrf: s.csrf, role }, 'application/json');
        expect(res.status).toBe(200);
        const creds = await res.json() as Record<string, string | number>;
        expect(creds).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
        const sts = new STSClient({
          region: 'us-east-1',
          endpoint: demo.standinUrl,
          credentials: { accessKeyId: String(creds.AccessKeyId), secretAccessKey: String(creds.SecretAccessKey), sessionToken: String(creds.SessionToken) },
        });
        const who = await sts.send(new GetCallerIdentityCommand({}));
        const roleName = role.split('/').pop();
        expect(who.Arn).toBe(`arn:aws:sts::${role.split(':')[4]}:assumed-role/${roleName}/${name}@example.com`);
        sts.destroy();
      }
    });
  }

  it('opens the stand-in console for the chosen role through the federation endpoint', async () => {
    const s = await signIn('bob');
    const res = await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.bob![0]! });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${demo.standinUrl}/federation`);
    expect(location.searchParams.get('Action')).toBe('login');
    expect(location.searchParams.get('Issuer')).toBe(demo.url);
    const consolePage = await new HeadlessBrowser().follow(location, 'http://never.invalid/');
    const html = await consolePage.response.text();
    expect(consolePage.response.status).toBe(200);
    expect(html).toContain('arn:aws:sts::222222222222:assumed-role/PowerUser/bob@example.com');
  });

  it('opens the console in the region asked for, and refuses a region of another partition', async () => {
    const s = await signIn('alice');
    const res = await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.alice![0]!, region: 'eu-west-1' });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('Destination')).toBe('https://console.aws.amazon.com/console/home?region=eu-west-1');
    expect((await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.alice![0]!, region: 'cn-north-1' })).status).toBe(400);
    expect((await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.alice![0]!, region: 'mars' })).status).toBe(400);
    expect((await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.alice![0]!, destination: 'https://evil.example/' })).status).toBe(400);
  });

  it('W6 refuses with 403 a role the person is not granted, and issues nothing', async () => {
    const s = await signIn('bob');
    const before = demo.logLines.filter((l) => l.includes('"audit":true')).length;
    for (const path of ['/aws/credentials', '/aws/console']) {
      const res = await postForm(s.browser, path, { _csrf: s.csrf, role: 'arn:aws:iam::111111111111:role/Admin' });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('You are not allowed to wear that role.');
    }
    expect(demo.logLines.filter((l) => l.includes('"audit":true')).length).toBe(before);
  });

  it('W5 refuses a role POST without the CSRF token, or from another origin', async () => {
    const s = await signIn('alice');
    expect((await postForm(s.browser, '/aws/credentials', { role: expected.alice![0]! })).status).toBe(403);
    expect((await postForm(s.browser, '/aws/credentials', { _csrf: 'forged', role: expected.alice![0]! })).status).toBe(403);
    const cookies = s.browser.cookies(new URL(demo.url).origin);
    const crossSite = await fetch(new URL('/aws/credentials', demo.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ _csrf: s.csrf, role: expected.alice![0]! }).toString(),
    });
    expect(crossSite.status).toBe(403);
  });

  it('W5 never assumes a role on GET', async () => {
    const s = await signIn('alice');
    const res = await s.browser.request(new URL(`/aws/credentials?role=${encodeURIComponent(expected.alice![0]!)}`, demo.url));
    expect(res.status).toBe(404);
  });

  it('W3 gives a new session ID at login and the pre-login one is dead', async () => {
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
    const before = sessionCookie(browser);
    expect(before).toBeDefined();
    await start.response.text();
    const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'carla', password: password('carla') } });
    await browser.follow(back.url, 'http://never.invalid/');
    const after = sessionCookie(browser);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const withOld = await fetch(demo.url, { headers: { cookie: `hatrack=${before}` } });
    expect(await withOld.text()).toContain('Sign in with');
  });

  it('O20 refuses the same callback replayed after a completed login', async () => {
    const s = await signIn('carla');
    const replay = await s.browser.request(s.callbackUrl);
    expect(replay.status).toBe(401);
  });

  it('O14 refuses a callback that arrives in a browser that did not start the login', async () => {
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
    await start.response.text();
    const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'alice', password: password('alice') } });
    const other = await new HeadlessBrowser().request(back.url);
    expect(other.status).toBe(401);
    expect(await other.text()).toContain('not started in this browser');
  });

  it('W1 ignores a returnTo that points off-site', async () => {
    const browser = new HeadlessBrowser();
    const start = await browser.follow(`${demo.url}login/demo?returnTo=${encodeURIComponent('//evil.example/x')}`, `${demo.url}oidc/`);
    await start.response.text();
    const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: 'alice', password: password('alice') } });
    const done = await browser.request(back.url);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(demo.url);
  });

  it('signs out on POST /logout and the session is gone', async () => {
    const s = await signIn('alice');
    const res = await postForm(s.browser, '/logout', { _csrf: s.csrf });
    expect(res.status).toBe(303);
    const page = await fetch(demo.url, { headers: { cookie: `hatrack=${sessionCookie(s.browser)}` } });
    expect(await page.text()).toContain('Sign in with');
  });

  it('keeps sessions in Redis under its own key prefix', async () => {
    await signIn('alice');
    const { createClient } = await import('redis');
    const client = createClient({ url: inject('redisUrl') });
    await client.connect();
    const keys = await client.keys(`${demo.keyPrefix}*`);
    await client.close();
    expect(keys.some((k) => k.includes('sess:'))).toBe(true);
  });

  it('W12 writes no key, token, code, password or sign-in URL to the log', async () => {
    const s = await signIn('alice');
    const res = await postForm(s.browser, '/aws/credentials', { _csrf: s.csrf, role: expected.alice![0]! }, 'application/json');
    const creds = await res.json() as Record<string, string>;
    const consoleRes = await postForm(s.browser, '/aws/console', { _csrf: s.csrf, role: expected.alice![0]! });
    const signinToken = new URL(consoleRes.headers.get('location')!).searchParams.get('SigninToken')!;
    const code = s.callbackUrl.searchParams.get('code')!;
    const secrets = [creds.SecretAccessKey!, creds.SessionToken!, signinToken, code, password('alice'), sessionCookie(s.browser)!];
    const log = demo.logLines.join('\n');
    for (const secret of secrets) expect(log.includes(secret), 'a secret reached the log').toBe(false);
    expect(log).toContain('"audit":true');
  });

  it('the audit line of an issuance names the assertion AWS was shown, and the session name it signed', async () => {
    const s = await signIn('bob');
    const res = await postForm(s.browser, '/aws/credentials', { _csrf: s.csrf, role: expected.bob![0]! }, 'application/json');
    const creds = await res.json() as Record<string, string>;
    const line = demo.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.audit === true && l.accessKeyId === creds.AccessKeyId)!;
    expect(line).toMatchObject({ event: 'credentials', result: 'issued', sessionName: 'bob@example.com', sourceIdentity: 'bob@example.com' });
    expect(line.mintedId).toMatch(/^_[0-9a-f]{32,}$/);
  });
});
