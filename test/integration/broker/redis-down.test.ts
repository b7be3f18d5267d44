// SECURITY.md R1 at the HTTP surface: with Redis gone the broker answers a clear 503 page within a
// bounded time, /readyz says not ready, nothing is issued, and service resumes by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServer, type RedisServer } from '../../support/redis.ts';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';

let redis: RedisServer;
let demo: TestDemo;

beforeAll(async () => {
  redis = await redisServer();
  demo = await startTestDemo({ redisUrl: redis.url });
});
afterAll(async () => {
  await demo?.stop();
  await redis?.dispose();
});

async function signIn(name: string) {
  const browser = new HeadlessBrowser();
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  await start.response.text();
  const password = demo.people.find((p) => p.username === name)!.password;
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: name, password } });
  const picker = await browser.follow(back.url, 'http://never.invalid/');
  const page = await picker.response.text();
  return { browser, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
}

function cookieHeader(browser: HeadlessBrowser): string {
  return [...browser.cookies(new URL(demo.url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
}

describe('R1 Redis down', () => {
  it('answers 503 with a clear page, fails readiness, issues nothing, and recovers by itself', async () => {
    const s = await signIn('alice');
    const audits = () => demo.logLines.filter((l) => l.includes('"audit":true')).length;
    const auditsBefore = audits();
    await redis.kill();

    const started = Date.now();
    const page = await fetch(demo.url, { headers: { cookie: cookieHeader(s.browser) } });
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain('The session store is unavailable');
    expect(html).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    // A correctness bound (fail fast, no unbounded queue), not a speed claim.
    expect(Date.now() - started).toBeLessThan(5000);

    const creds = await fetch(new URL('/aws/credentials', demo.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(s.browser), accept: 'application/json' },
      body: new URLSearchParams({ _csrf: s.csrf, role: 'arn:aws:iam::111111111111:role/Admin' }).toString(),
    });
    expect(creds.status).toBe(503);
    expect(await creds.json()).toMatchObject({ error: 'store_unavailable' });
    expect(audits()).toBe(auditsBefore);

    const login = await fetch(`${demo.url}login/demo`, { redirect: 'manual' });
    expect(login.status).toBe(503);

    // A flood during the outage is summarised in the log, not written line for line.
    const linesBefore = demo.logLines.length;
    const flood = await Promise.all(Array.from({ length: 400 }, () => fetch(demo.url, { headers: { cookie: cookieHeader(s.browser) } }).then((r) => r.status)));
    expect(new Set(flood)).toEqual(new Set([503]));
    expect(demo.logLines.length - linesBefore, 'log lines for 400 identical refusals').toBeLessThan(10);

    expect((await fetch(`${demo.url}readyz`)).status).toBe(503);
    expect((await fetch(`${demo.url}healthz`)).status).toBe(200);

    await redis.start();
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = (await fetch(`${demo.url}readyz`)).status;
    }
    expect(ready).toBe(200);
    // Redis kept nothing on disk, so the session is gone: signed out, not an error.
    const after = await fetch(demo.url, { headers: { cookie: cookieHeader(s.browser) } });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('Sign in with');
    await signIn('bob');
  });
});

describe('R1 start-up', () => {
  it('waits (bounded) for the store\'s first answer, so the first request after start is not a 503', async () => {
    const late = await redisServer({ started: false });
    try {
      const starting = startTestDemo({ redisUrl: late.url });
      // Redis comes up while the broker is starting.
      await new Promise((r) => setTimeout(r, 300));
      await late.start();
      const started = await starting;
      try {
        const first = await fetch(`${started.url}oauth/device/code`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=hatrack-cli',
        });
        expect(first.status).toBe(200);
      } finally {
        await started.stop();
      }
    } finally {
      await late.dispose();
    }
  }, 30_000);

  it('starts anyway when the store stays down, answering 503 until it is up', async () => {
    const never = await redisServer({ started: false });
    try {
      const t0 = Date.now();
      const started = await startTestDemo({ redisUrl: never.url });
      try {
        expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
        expect((await fetch(`${started.url}login/demo`, { redirect: 'manual' })).status).toBe(503);
        expect(started.logLines.some((l) => l.includes('the store does not answer yet'))).toBe(true);
      } finally {
        await started.stop();
      }
    } finally {
      await never.dispose();
    }
  }, 30_000);
});
