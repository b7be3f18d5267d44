// The CLI's device login (RFC 8628) and the bearer API, against the real demo over HTTP with the
// store in Redis: the CLI asks for a code, a person signs in at the demo OpenID provider and
// approves it on the confirmation page, the CLI's poll gets a broker token, and the token lists
// roles and gets keys from the demo's AWS stand-in (SECURITY.md D2–D14).
//
// Per-address rate limits (D2, and the 20-a-minute limits on /oauth/device/code and on code
// guesses) would make the tests of this file spend one budget if they all came from 127.0.0.1.
// So each test's terminal and each person's browser talk to the device endpoints from their own
// loopback address (127.0.0.N, a real TCP source address — the demo trusts no proxy headers);
// sign-ins at the provider go through HeadlessBrowser from 127.0.0.1.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClient } from 'redis';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import type { DeviceAuthorization } from '../../../src/device/device-flow.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_ID = 'hatrack-cli';
/** The demo runs with `device.interval` 1 s. */
const INTERVAL_MS = 1000;
/** What the CLI says it is; the markup in it must reach the page as text. */
const CLI_UA = 'hatrack/0.1.0 (linux; x64; <b>test</b>) node/20';
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

const roleArns: Record<string, string[]> = {
  alice: ['arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::222222222222:role/Admin'],
  bob: ['arn:aws:iam::222222222222:role/PowerUser', 'arn:aws:iam::111111111111:role/ReadOnly'],
};

let demo: TestDemo;
let origin: string;
let port: number;

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl'), device: { interval: 1 } });
  const url = new URL(demo.url);
  origin = url.origin;
  port = Number(url.port);
});
afterAll(async () => {
  await demo?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- HTTP from a chosen loopback address ---------------------------------------------------

let lastOctet = 1;
/** A loopback address no other test of this file uses. */
const newAddress = () => `127.0.0.${++lastOctet}`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

interface SendOptions {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Send this browser's cookies for the broker. */
  browser?: HeadlessBrowser;
  from: string;
  userAgent?: string;
}

function send(path: string, o: SendOptions): Promise<Reply> {
  const headers: Record<string, string> = { host: new URL(origin).host, 'user-agent': o.userAgent ?? 'device-http.test', ...o.headers };
  let body: string | undefined;
  if (o.form) {
    body = new URLSearchParams(o.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] = 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const cookies = o.browser?.cookies(origin);
  if (cookies && cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, localAddress: o.from, method: o.method ?? 'GET', path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRNOTAVAIL'
      ? new Error(`this test sends from ${o.from}: it needs the whole 127.0.0.0/8 loopback range (as Linux has)`)
      : e));
    req.end(body);
  });
}

// ---- the CLI's side ------------------------------------------------------------------------

/** A terminal running `hatrack login`: its own address, and polls paced at the interval. */
class Terminal {
  readonly from = newAddress();
  readonly userAgent: string;
  private lastPoll = 0;
  constructor(userAgent = CLI_UA) {
    this.userAgent = userAgent;
  }

  deviceCode(clientId = CLIENT_ID): Promise<Reply> {
    return send('/oauth/device/code', { method: 'POST', form: { client_id: clientId }, from: this.from, userAgent: this.userAgent });
  }

  async start(): Promise<DeviceAuthorization> {
    const r = await this.deviceCode();
    expect(r.status, r.text).toBe(200);
    return r.json<DeviceAuthorization>();
  }

  /** One poll of the token endpoint, no sooner than the interval after the last answer unless `paced` is false. */
  async poll(deviceCode: string, { clientId = CLIENT_ID, paced = true, form = {} as Record<string, string> } = {}): Promise<Reply> {
    const wait = this.lastPoll + INTERVAL_MS - Date.now();
    if (paced && wait > 0) await sleep(wait);
    const r = await send('/oauth/token', {
      method: 'POST',
      form: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId, ...form },
      from: this.from,
      userAgent: this.userAgent,
    });
    this.lastPoll = Date.now();
    return r;
  }

  async token(deviceCode: string): Promise<string> {
    const r = await this.poll(deviceCode);
    expect(r.status, r.text).toBe(200);
    return r.json<{ access_token: string }>().access_token;
  }

  /** The bearer API, as a client that asks for JSON. */
  api(path: string, token: string | undefined, o: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    return send(path, {
      method: o.method ?? (o.json === undefined ? 'GET' : 'POST'),
      json: o.json,
      headers: { accept: 'application/json', ...(token !== undefined && { authorization: `Bearer ${token}` }), ...o.headers },
      from: this.from,
      userAgent: this.userAgent,
    });
  }
}

function expectOAuthError(r: Reply, error: string): void {
  expect(r.status, r.text).toBe(400);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.headers['cache-control']).toContain('no-store');
  const body = r.json();
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(body.error_description).not.toBe('');
}

// ---- the person's side ---------------------------------------------------------------------

interface Person {
  name: string;
  browser: HeadlessBrowser;
  csrf: string;
  /** The address the browser's device-page requests come from. */
  from: string;
}

function password(name: string): string {
  return demo.people.find((p) => p.username === name)!.password;
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const errorCodeOf = (page: string) => /data-testid="error-code">([^<]+)</.exec(page)?.[1];

/** Walks the provider's login form from a page that sent the browser there; returns the page Hatrack lands on. */
async function loginAtProvider(browser: HeadlessBrowser, start: URL | string, name: string): Promise<{ url: URL; page: string }> {
  const login = await browser.follow(start, `${demo.url}oidc/`);
  expect(login.url.pathname).toMatch(/^\/interaction\//);
  await login.response.text();
  const back = await browser.follow(login.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: name, password: password(name) } });
  expect(back.stopped, 'the provider sends the browser back to Hatrack').toBe(true);
  const landed = await browser.follow(back.url, 'http://never.invalid/');
  return { url: landed.url, page: await landed.response.text() };
}

async function signIn(name: string): Promise<Person> {
  const browser = new HeadlessBrowser();
  const { page } = await loginAtProvider(browser, `${demo.url}login/demo`, name);
  expect(page).toContain(`${name}@example.com`);
  const csrf = csrfOf(page);
  expect(csrf).not.toBe('');
  return { name, browser, csrf, from: newAddress() };
}

function viewCode(p: Person, userCode: string, query = ''): Promise<Reply> {
  return send(`/device?user_code=${encodeURIComponent(userCode)}${query}`, { browser: p.browser, from: p.from });
}

/** POST /device as the confirmation page's buttons do; `form` overrides fields (undefined drops one). */
function decide(p: Person, userCode: string, decision: 'approve' | 'deny', form: Record<string, string | undefined> = {}, headers: Record<string, string> = {}): Promise<Reply> {
  const fields = Object.fromEntries(Object.entries({ _csrf: p.csrf, user_code: userCode, decision, ...form }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return send('/device', { method: 'POST', form: fields, browser: p.browser, from: p.from, headers });
}

/** A CLI login of `terminal` approved by `p`; the broker token. */
async function approvedToken(p: Person, terminal = new Terminal()): Promise<string> {
  const a = await terminal.start();
  const r = await decide(p, a.user_code, 'approve');
  expect(r.status, r.text).toBe(200);
  return terminal.token(a.device_code);
}

/** Runs `body` with the process's clock (the demo's too: it runs in this process) moved `ms` ahead. */
async function later<T>(ms: number, body: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
  try {
    return await body();
  } finally {
    vi.useRealTimers();
  }
}

/** Rate limits count in fixed one-minute windows: start a burst well inside one. */
async function inOneRateWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 8_000) await sleep(left + 100);
}

async function redisContent(): Promise<Array<[string, string]>> {
  const client = createClient({ url: inject('redisUrl') });
  await client.connect();
  try {
    const out: Array<[string, string]> = [];
    for (const key of await client.keys(`${demo.keyPrefix}*`)) {
      out.push([key, (await client.type(key)) === 'string' ? (await client.get(key)) ?? '' : '']);
    }
    return out;
  } finally {
    await client.close();
  }
}

function randomUserCode(): string {
  const pick = () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return `${Array.from({ length: 4 }, pick).join('')}-${Array.from({ length: 4 }, pick).join('')}`;
}

async function stsIdentity(creds: Record<string, unknown>): Promise<string | undefined> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: demo.standinUrl,
    credentials: { accessKeyId: String(creds.AccessKeyId), secretAccessKey: String(creds.SecretAccessKey), sessionToken: String(creds.SessionToken) },
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } finally {
    sts.destroy();
  }
}

// ---- the tests -----------------------------------------------------------------------------

describe('the whole device login over HTTP', () => {
  it('D1 D3 D4 D8 D11 D14 hatrack-cli asks, alice signs in and approves on the confirmation page, the poll gets a token, the token lists her roles and gets keys', async () => {
    const terminal = new Terminal();

    // The CLI asks for a code pair.
    const askedAt = Date.now();
    const asked = await terminal.deviceCode();
    const answeredAt = Date.now();
    expect(asked.status, asked.text).toBe(200);
    expect(asked.headers['cache-control']).toContain('no-store');
    const a = asked.json<DeviceAuthorization>();
    expect(a.user_code).toMatch(new RegExp(`^[${ALPHABET}]{4}-[${ALPHABET}]{4}$`));
    expect(Buffer.from(a.device_code, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(a.verification_uri).toBe(`${demo.url}device`);
    expect(a.verification_uri_complete).toBe(`${demo.url}device?user_code=${a.user_code}`);
    expect(a).toMatchObject({ expires_in: 600, interval: 1 });
    expectOAuthError(await terminal.poll(a.device_code), 'authorization_pending');

    // Alice opens the link: first she signs in, then she lands on the confirmation page.
    const browser = new HeadlessBrowser();
    const signInPage = await browser.request(a.verification_uri_complete);
    expect(signInPage.status).toBe(200);
    const signInHtml = await signInPage.text();
    expect(signInHtml).toContain('Sign in to approve a login');
    const loginHref = /data-testid="login-demo" href="([^"]+)"/.exec(signInHtml)?.[1];
    expect(loginHref).toBeDefined();
    const landed = await loginAtProvider(browser, new URL(loginHref!.replaceAll('&amp;', '&'), demo.url), 'alice');
    expect(landed.url.pathname + landed.url.search).toBe(`/device?user_code=${a.user_code}`);
    const page = landed.page;

    // D11: it shows the code, the client, when and from where it asked, and the warning…
    expect(page).toContain(`data-testid="confirm-code">${a.user_code}<`);
    expect(page).toContain(`<code>${CLIENT_ID}</code>`);
    const shownTime = Date.parse(/<time datetime="([^"]+)"/.exec(page)?.[1] ?? '');
    expect(shownTime).toBeGreaterThanOrEqual(askedAt - 1);
    expect(shownTime).toBeLessThanOrEqual(answeredAt + 1);
    expect(page).toContain(`<code>${terminal.from}</code>`);
    expect(page).toContain('<code>hatrack/0.1.0 (linux; x64; &lt;b&gt;test&lt;/b&gt;) node/20</code>');
    expect(page).not.toContain('<b>test</b>');
    expect(page).toMatch(/data-testid="phishing-warning"[^>]*>[\s\S]*Approve only a login you started yourself/);
    expect(page).toContain('alice@example.com');
    // …and approves nothing by itself.
    expectOAuthError(await terminal.poll(a.device_code), 'authorization_pending');

    // Alice presses Approve: the page's own form, with its CSRF token.
    const form = {
      _csrf: csrfOf(page),
      user_code: /name="user_code" value="([^"]+)"/.exec(page)?.[1] ?? '',
      decision: 'approve',
    };
    expect(form._csrf).not.toBe('');
    expect(form.user_code).toBe(a.user_code);
    const decided = await browser.request(new URL('/device', demo.url), { form });
    expect(decided.status).toBe(200);
    const done = await decided.text();
    expect(done).toContain('data-testid="device-result">CLI login approved');
    expect(done).toContain('alice@example.com');

    // D3: in Redis, the pending approval is filed under hashes only.
    const beforeRedeem = await redisContent();
    expect(beforeRedeem.some(([k]) => k.includes('device:'))).toBe(true);

    // The next poll gets the broker token.
    const granted = await terminal.poll(a.device_code);
    expect(granted.status, granted.text).toBe(200);
    expect(granted.headers['cache-control']).toContain('no-store');
    const token = granted.json<{ access_token: string; token_type: string; expires_in: number }>();
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(token.token_type).toBe('Bearer');
    expect(token.access_token).toMatch(/^hatrack_[A-Za-z0-9_-]{40,}$/);
    // The token lives as long as alice's sign-in (8 h, started a moment ago), no longer.
    expect(token.expires_in).toBeLessThanOrEqual(8 * 3600);
    expect(token.expires_in).toBeGreaterThan(8 * 3600 - 120);

    // D8: the code is spent.
    expectOAuthError(await terminal.poll(a.device_code), 'invalid_grant');

    // D14: the token is alice's: her email and exactly her roles.
    const roles = await terminal.api('/api/roles', token.access_token);
    expect(roles.status, roles.text).toBe(200);
    expect(roles.headers['cache-control']).toContain('no-store');
    const listed = roles.json<{ email: string; region: string; loginExpiresAt: string; roles: Array<{ arn: string; name: string }> }>();
    expect(listed.email).toBe('alice@example.com');
    expect(listed.region).toBe('us-east-1');
    expect(Math.abs(Date.parse(listed.loginExpiresAt) - (Date.now() + token.expires_in * 1000))).toBeLessThan(5000);
    expect(listed.roles.map((r) => r.arn).sort()).toEqual([...roleArns.alice!].sort());
    expect(listed.roles.map((r) => r.name).sort()).toEqual(['dev/Admin', 'prod/Admin']);

    // Keys for a role, as credential_process wants them, from the AWS stand-in.
    const keys = await terminal.api('/api/credentials', token.access_token, { json: { role: 'prod/Admin' } });
    expect(keys.status, keys.text).toBe(200);
    const creds = keys.json();
    expect(creds).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/), SecretAccessKey: expect.any(String), SessionToken: expect.any(String) });
    expect(Date.parse(String(creds.Expiration))).toBeGreaterThan(Date.now());
    expect(await stsIdentity(creds)).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');

    // D3: neither the device code nor the token is stored in Redis as itself…
    const afterRedeem = await redisContent();
    expect(afterRedeem.some(([k]) => k.includes('token:'))).toBe(true);
    for (const [key, value] of [...beforeRedeem, ...afterRedeem]) {
      for (const secret of [a.device_code, token.access_token]) {
        expect(key.includes(secret), `Redis key ${key}`).toBe(false);
        expect(value.includes(secret), `value of Redis key ${key}`).toBe(false);
      }
    }
    // …and W12: neither reaches the log, nor does the user code or the keys.
    const log = demo.logLines.join('\n');
    expect(log).toContain('device login completed');
    for (const secret of [a.device_code, token.access_token, a.user_code, a.user_code.replace('-', ''), String(creds.SecretAccessKey), String(creds.SessionToken)]) {
      expect(log.includes(secret), 'a secret reached the log').toBe(false);
    }
  });
});

describe('D4–D8 the token endpoint answers every OAuth error as HTTP 400, RFC JSON, Cache-Control no-store', () => {
  let alice: Person;
  beforeAll(async () => {
    alice = await signIn('alice');
  });

  it('D4 authorization_pending while nobody has decided', async () => {
    const t = new Terminal();
    const a = await t.start();
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');
  });

  it('D5 slow_down for a poll sooner than the interval', async () => {
    const t = new Terminal();
    const a = await t.start();
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');
    const fast = await t.poll(a.device_code, { paced: false });
    expectOAuthError(fast, 'slow_down');
    expect(fast.json().error_description).toContain('6 seconds');
  });

  it('D6 D13 expired_token once the code has lived its 600 s; its page and its approval are refused then', async () => {
    const t = new Terminal();
    const a = await t.start();
    await later(601_000, async () => {
      expectOAuthError(await t.poll(a.device_code), 'expired_token');
      const page = await viewCode(alice, a.user_code);
      expect(page.status).toBe(400);
      expect(errorCodeOf(page.text)).toBe('device_code_refused');
      expect((await decide(alice, a.user_code, 'approve')).status).toBe(400);
      expectOAuthError(await t.poll(a.device_code, { paced: false }), 'expired_token');
    });
  });

  it('D7 access_denied after the person denies', async () => {
    const t = new Terminal();
    const a = await t.start();
    const denied = await decide(alice, a.user_code, 'deny');
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('data-testid="device-result">CLI login denied');
    expectOAuthError(await t.poll(a.device_code), 'access_denied');
    expectOAuthError(await t.poll(a.device_code), 'access_denied');
  });

  it('D8 invalid_grant for an approved code redeemed a second time, also by a concurrent poll', async () => {
    const t = new Terminal();
    const a = await t.start();
    expect((await decide(alice, a.user_code, 'approve')).status).toBe(200);
    const polls = await Promise.all([t.poll(a.device_code, { paced: false }), t.poll(a.device_code, { paced: false }), t.poll(a.device_code, { paced: false })]);
    expect(polls.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of polls.filter((r) => r.status !== 200)) expect(['slow_down', 'invalid_grant']).toContain(r.json().error);
    expectOAuthError(await t.poll(a.device_code), 'invalid_grant');
  });

  it('D4–D8 an approval whose sign-in has ended by the time of the poll gets an RFC 400 error, not a page', async () => {
    const t = new Terminal();
    const p = await signIn('alice');
    // Five minutes before alice's 8-hour sign-in ends, she approves; the CLI polls six minutes later.
    await later(8 * 3600_000 - 5 * 60_000, async () => {
      const a = await t.start();
      expect((await decide(p, a.user_code, 'approve')).status).toBe(200);
      vi.setSystemTime(Date.now() + 6 * 60_000);
      const r = await t.poll(a.device_code, { paced: false });
      expect(r.status, r.text).toBe(400);
      expect(['invalid_grant', 'expired_token', 'access_denied']).toContain(r.json().error);
      expectOAuthError(r, r.json().error as string);
    });
  });

  it('D3 invalid_grant for an unknown device code; invalid_client, unsupported_grant_type and invalid_request in the same shape', async () => {
    const t = new Terminal();
    const a = await t.start();
    // None of these reaches the real request's poll gate, so they need no pacing.
    const paced = false;
    expectOAuthError(await t.poll(`${a.device_code.slice(0, -2)}xx`, { paced }), 'invalid_grant');
    expectOAuthError(await t.poll('x'.repeat(500), { paced }), 'invalid_grant');
    expectOAuthError(await t.poll(a.device_code, { clientId: 'evil-cli', paced }), 'invalid_client');
    expectOAuthError(await t.poll(a.device_code, { form: { grant_type: 'authorization_code' }, paced }), 'unsupported_grant_type');
    expectOAuthError(await t.poll('', { paced }), 'invalid_request');
    expectOAuthError(await t.deviceCode('evil-cli'), 'invalid_client');
    // None of that spent the real request, nor counted as its poll.
    expectOAuthError(await t.poll(a.device_code, { paced }), 'authorization_pending');
  });
});

describe('D11 approval never happens on a GET, and needs the CSRF token', () => {
  it('D11 a GET with decision=approve only shows the page; POSTs without the CSRF token, with a forged one or from another origin → 403 and nothing decided', async () => {
    const t = new Terminal();
    const a = await t.start();
    const carla = await signIn('carla');

    const get = await viewCode(carla, a.user_code, '&decision=approve');
    expect(get.status).toBe(200);
    expect(get.text).toContain('data-testid="approve"');
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');

    const refused = [
      await decide(carla, a.user_code, 'approve', { _csrf: undefined }),
      await decide(carla, a.user_code, 'approve', { _csrf: 'forged' }),
      await decide(carla, a.user_code, 'approve', { _csrf: `${carla.csrf}x` }),
      await decide(carla, a.user_code, 'approve', {}, { origin: 'https://evil.example' }),
    ];
    for (const r of refused) {
      expect(r.status, r.text).toBe(403);
      expect(errorCodeOf(r.text)).toMatch(/^csrf_/);
    }
    // Nothing was decided: the CLI still waits and the code can still be confirmed.
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');
    expect((await viewCode(carla, a.user_code)).status).toBe(200);

    // The very same POST with the token goes through: the 403s were the CSRF check.
    const ok = await decide(carla, a.user_code, 'approve');
    expect(ok.status, ok.text).toBe(200);
    const token = await t.token(a.device_code);
    expect((await t.api('/api/roles', token)).json().email).toBe('carla@example.com');
  });

  it('D11 a POST /device with no session is refused and decides nothing', async () => {
    const t = new Terminal();
    const a = await t.start();
    const r = await send('/device', { method: 'POST', form: { _csrf: 'anything', user_code: a.user_code, decision: 'approve' }, from: newAddress() });
    expect(r.status).toBe(403);
    expectOAuthError(await t.poll(a.device_code), 'authorization_pending');
  });
});

describe('D13 bad codes on the page: an error page and no state change', () => {
  it('D13 malformed, unknown and used codes → 400 error page device_code_refused, on GET and POST; the used code\'s approval stands', async () => {
    const p = await signIn('alice');
    for (const bad of ['AAAA-AAAA', 'BCDF-GHJ1', 'BCDF-GHJ', randomUserCode()]) {
      const r = await viewCode(p, bad);
      expect(r.status, bad).toBe(400);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(errorCodeOf(r.text), bad).toBe('device_code_refused');
      expect(r.text).toContain('That code is not valid');
    }
    const t = new Terminal();
    const a = await t.start();
    expect((await decide(p, a.user_code, 'approve')).status).toBe(200);
    const again = await viewCode(p, a.user_code.toLowerCase());
    expect(again.status).toBe(400);
    expect(errorCodeOf(again.text)).toBe('device_code_refused');
    const deny = await decide(p, a.user_code, 'deny');
    expect(deny.status).toBe(400);
    expect(errorCodeOf(deny.text)).toBe('device_code_refused');
    // The refused denial changed nothing: the CLI gets its token.
    const token = await t.token(a.device_code);
    expect((await t.api('/api/roles', token)).status).toBe(200);
  });
});

describe('D14 tokens belong to the person who approved', () => {
  it('D14 bob approves the code alice\'s terminal shows: the token is bob\'s, with bob\'s roles and not alice\'s', async () => {
    const t = new Terminal();
    const a = await t.start();
    const bob = await signIn('bob');
    const page = await viewCode(bob, a.user_code);
    expect(page.text).toContain('bob@example.com');
    expect((await decide(bob, a.user_code, 'approve')).status).toBe(200);
    const token = await t.token(a.device_code);
    const roles = (await t.api('/api/roles', token)).json<{ email: string; roles: Array<{ arn: string }> }>();
    expect(roles.email).toBe('bob@example.com');
    expect(roles.roles.map((r) => r.arn).sort()).toEqual([...roleArns.bob!].sort());
    for (const arn of roleArns.alice!) expect(roles.roles.map((r) => r.arn)).not.toContain(arn);
    expect((await t.api('/api/credentials', token, { json: { role: 'arn:aws:iam::111111111111:role/Admin' } })).status).toBe(403);
    const keys = await t.api('/api/credentials', token, { json: { role: 'ReadOnly' } });
    expect(keys.status, keys.text).toBe(200);
    expect(await stsIdentity(keys.json())).toBe('arn:aws:sts::111111111111:assumed-role/ReadOnly/bob@example.com');
  });
});

describe('the bearer API', () => {
  let t: Terminal;
  let token: string;
  beforeAll(async () => {
    t = new Terminal();
    token = await approvedToken(await signIn('alice'), t);
  });

  it('/api/* without a live bearer token → 401 JSON invalid_token with a WWW-Authenticate challenge (RFC 6750 §3.1: no error attribute when no token was sent)', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['no Authorization', {}],
      ['a made-up token', { authorization: 'Bearer hatrack_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      ['the token under another scheme', { authorization: `Basic ${token}` }],
      ['the token with a trailing word', { authorization: `Bearer ${token} x` }],
      ['the scheme alone', { authorization: 'Bearer' }],
    ];
    for (const [what, headers] of cases) {
      for (const [method, path] of [['GET', '/api/roles'], ['POST', '/api/credentials'], ['POST', '/api/console'], ['GET', '/api/nothing-here']] as const) {
        const r = await t.api(path, undefined, { method, headers, ...(method === 'POST' && { json: { role: 'prod/Admin' } }) });
        expect(r.status, `${what} ${method} ${path}`).toBe(401);
        const sentOne = /^Bearer \S+$/.test(headers.authorization ?? '');
        expect(r.headers['www-authenticate'], what).toBe(sentOne ? 'Bearer realm="hatrack", error="invalid_token"' : 'Bearer realm="hatrack"');
        expect(r.headers['cache-control']).toContain('no-store');
        expect(r.json().error).toBe('invalid_token');
      }
    }
    // The same token, sent properly, works.
    expect((await t.api('/api/roles', token)).status).toBe(200);
  });

  it('/api/* answers its errors as JSON even to a client that sends no Accept header or */*', async () => {
    for (const accept of [undefined, '*/*']) {
      const r = await send('/api/roles', { from: t.from, headers: accept ? { accept } : {} });
      expect(r.status).toBe(401);
      expect(r.headers['content-type'], `Accept: ${accept ?? '(none)'}`).toMatch(/^application\/json/);
      expect(JSON.parse(r.text).error).toBe('invalid_token');
    }
  });

  it('W6 POST /api/credentials and /api/console for a role not granted → 403 role_not_granted', async () => {
    for (const path of ['/api/credentials', '/api/console']) {
      for (const role of ['arn:aws:iam::222222222222:role/PowerUser', 'ReadOnly', 'prod/BreakGlass']) {
        const r = await t.api(path, token, { json: { role } });
        expect(r.status, `${path} ${role}`).toBe(403);
        expect(r.json().error).toBe('role_not_granted');
      }
    }
  });

  it('an ambiguous role name → 409 with the candidates; a unique one gets keys and a console URL', async () => {
    const r = await t.api('/api/credentials', token, { json: { role: 'Admin' } });
    expect(r.status).toBe(409);
    const body = r.json<{ error: string; candidates: string[] }>();
    expect(body.error).toBe('role_ambiguous');
    expect([...body.candidates].sort()).toEqual(['dev/Admin', 'prod/Admin']);
    expect((await t.api('/api/console', token, { json: { role: 'Admin' } })).status).toBe(409);

    const keys = await t.api('/api/credentials', token, { json: { role: '222222222222/Admin' } });
    expect(keys.status, keys.text).toBe(200);
    expect(await stsIdentity(keys.json())).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice@example.com');
    const consoleUrl = await t.api('/api/console', token, { json: { role: 'dev/Admin' } });
    expect(consoleUrl.status, consoleUrl.text).toBe(200);
    expect(consoleUrl.json<{ url: string }>().url.startsWith(`${demo.standinUrl}/federation?`)).toBe(true);
  });

  it('POST /oauth/revoke ends the token (RFC 7009), and answers 200 for a token it does not know', async () => {
    const mine = new Terminal();
    const revocable = await approvedToken(await signIn('bob'), mine);
    expect((await mine.api('/api/roles', revocable)).status).toBe(200);
    // Another client cannot revoke it; its own can.
    const otherClient = await send('/oauth/revoke', { method: 'POST', form: { token: revocable, client_id: 'nobody' }, from: mine.from });
    expect(otherClient.status).toBe(400);
    expect(otherClient.json().error).toBe('invalid_client');
    expect((await send('/oauth/revoke', { method: 'POST', form: { client_id: 'hatrack-cli' }, from: mine.from })).status).toBe(400);
    expect((await mine.api('/api/roles', revocable)).status).toBe(200);
    const revoked = await send('/oauth/revoke', { method: 'POST', form: { token: revocable, client_id: 'hatrack-cli' }, from: mine.from });
    expect(revoked.status).toBe(200);
    expect(revoked.headers['cache-control']).toContain('no-store');
    expect((await mine.api('/api/roles', revocable)).status).toBe(401);
    expect((await send('/oauth/revoke', { method: 'POST', form: { token: 'hatrack_unknown', client_id: 'hatrack-cli' }, from: mine.from })).status).toBe(200);
    // Someone else's token is untouched.
    expect((await t.api('/api/roles', token)).status).toBe(200);
  });
});

describe('logout in the browser ends CLI tokens', () => {
  async function logout(p: Person, form: Record<string, string> = {}): Promise<void> {
    const r = await send('/logout', { method: 'POST', form: { _csrf: p.csrf, ...form }, browser: p.browser, from: p.from });
    expect(r.status, r.text).toBe(303);
  }

  async function expectEnded(t: Terminal, token: string): Promise<void> {
    const r = await t.api('/api/roles', token);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="hatrack", error="invalid_token"');
    expect(r.json().error).toBe('invalid_token');
  }

  it('logout ends the tokens approved in that sign-in (401 with WWW-Authenticate), not those of another sign-in of the same person', async () => {
    const [inA, inB] = [new Terminal(), new Terminal()];
    const a = await signIn('alice');
    const b = await signIn('alice');
    const tokenA = await approvedToken(a, inA);
    const tokenB = await approvedToken(b, inB);
    expect((await inA.api('/api/roles', tokenA)).status).toBe(200);
    await logout(a);
    await expectEnded(inA, tokenA);
    expect((await inB.api('/api/roles', tokenB)).status).toBe(200);
  });

  it('logout with everywhere=1 ends every token of the person from any sign-in, and not other people\'s; a later sign-in\'s token works', async () => {
    const [inA, inB, bobs, inD] = [new Terminal(), new Terminal(), new Terminal(), new Terminal()];
    const a = await signIn('alice');
    const b = await signIn('alice');
    const bob = await signIn('bob');
    const tokenA = await approvedToken(a, inA);
    const tokenB = await approvedToken(b, inB);
    const tokenBob = await approvedToken(bob, bobs);
    await logout(a, { everywhere: '1' });
    await expectEnded(inA, tokenA);
    await expectEnded(inB, tokenB);
    expect((await bobs.api('/api/roles', tokenBob)).status).toBe(200);
    const d = await signIn('alice');
    const tokenD = await approvedToken(d, inD);
    expect((await inD.api('/api/roles', tokenD)).json().email).toBe('alice@example.com');
  });
});

describe('logout between the approval and the CLI\'s poll', () => {
  /** Whether this poll hands the terminal a token that works. */
  async function liveTokenFrom(t: Terminal, deviceCode: string): Promise<boolean> {
    const r = await t.poll(deviceCode);
    if (r.status !== 200) {
      expect(r.status, r.text).toBe(400);
      return false;
    }
    return (await t.api('/api/roles', r.json<{ access_token: string }>().access_token)).status === 200;
  }

  it('logout of the sign-in that approved, before the CLI polls: the poll yields no live token', async () => {
    const t = new Terminal();
    const a = await t.start();
    const alice = await signIn('alice');
    expect((await decide(alice, a.user_code, 'approve')).status).toBe(200);
    const r = await send('/logout', { method: 'POST', form: { _csrf: alice.csrf }, browser: alice.browser, from: alice.from });
    expect(r.status).toBe(303);
    expect(await liveTokenFrom(t, a.device_code)).toBe(false);
  });

  it('"sign out everywhere" from another sign-in, before the CLI polls an approval: the poll yields no live token', async () => {
    const t = new Terminal();
    const a = await t.start();
    const phone = await signIn('alice');
    const laptop = await signIn('alice');
    // Alice approves on her phone, then thinks better of it and signs out everywhere on her laptop.
    expect((await decide(phone, a.user_code, 'approve')).status).toBe(200);
    const r = await send('/logout', { method: 'POST', form: { _csrf: laptop.csrf, everywhere: '1' }, browser: laptop.browser, from: laptop.from });
    expect(r.status).toBe(303);
    expect(await liveTokenFrom(t, a.device_code), 'an approval made before "sign out everywhere" must not yield a working token').toBe(false);
  });
});

describe('D2 guessing user codes is rate limited', () => {
  it('D2 from one address, the 61st code named within a minute (GET or POST /device) gets 429; other addresses and the empty form are not affected', async () => {
    const guesser = newAddress();
    await inOneRateWindow();
    for (let i = 0; i < 60; i++) {
      // No session: every guess is a fresh session, so only the address is counted.
      const r = i % 2 === 0
        ? await send(`/device?user_code=${randomUserCode()}`, { from: guesser })
        : await send('/device', { method: 'POST', form: { user_code: randomUserCode(), decision: 'approve' }, from: guesser });
      expect(r.status, `guess ${i + 1}`).not.toBe(429);
    }
    expect((await send(`/device?user_code=${randomUserCode()}`, { from: guesser })).status).toBe(429);
    expect((await send('/device', { method: 'POST', form: { user_code: randomUserCode(), decision: 'approve' }, from: guesser })).status).toBe(429);
    expect((await send('/device', { from: guesser })).status).toBe(200);
    expect((await send(`/device?user_code=${randomUserCode()}`, { from: newAddress() })).status).toBe(200);
  });

  it('D2 in one session, the 11th code named within a minute gets 429, from any address, even for a real code', async () => {
    const t = new Terminal();
    const real = await t.start();
    const eve = await signIn('carla');
    await inOneRateWindow();
    for (let i = 0; i < 10; i++) {
      const r = await viewCode(eve, randomUserCode());
      expect(r.status, `guess ${i + 1}`).toBe(400);
    }
    const limited = await viewCode(eve, randomUserCode());
    expect(limited.status).toBe(429);
    expect(errorCodeOf(limited.text)).toBe('rate_limited');
    // The session is what is counted: from another address it is still limited…
    const moved = { ...eve, from: newAddress() };
    expect((await viewCode(moved, real.user_code)).status).toBe(429);
    expect((await decide(moved, real.user_code, 'approve')).status).toBe(429);
    // …while the first address, at 11 of its 20, still serves a fresh session.
    expect((await send(`/device?user_code=${randomUserCode()}`, { from: eve.from })).status).toBe(200);
    // The real code was not decided by the refused POST.
    expectOAuthError(await t.poll(real.device_code), 'authorization_pending');
  });
});
