// The federation endpoint (AWS.md §3): getSigninToken, then login, then the console page.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import {
  ACCOUNT, NOW, assumeParams, credentialsOf, makeKey, postSts, signedResponse, startStandin,
  type TestKey, type TestStandin,
} from './helpers.ts';

let key: TestKey;
let env: TestStandin & { clock: FixedClock; creds: ReturnType<typeof credentialsOf> };

beforeAll(async () => {
  key = await makeKey();
});

afterEach(async () => {
  await env?.standin.close();
});

async function setUp(knobs: Parameters<typeof signedResponse>[1] = {}): Promise<void> {
  const clock = new FixedClock(NOW);
  const s = await startStandin(key, { clock });
  const answer = await postSts(s.url, assumeParams(signedResponse(key, knobs)));
  expect(answer.status).toBe(200);
  env = { ...s, clock, creds: credentialsOf(answer.body) };
}

function sessionJson(over: Partial<Record<'sessionId' | 'sessionKey' | 'sessionToken', string>> = {}): string {
  return JSON.stringify({
    sessionId: env.creds.accessKeyId,
    sessionKey: env.creds.secretAccessKey,
    sessionToken: env.creds.sessionToken,
    ...over,
  });
}

async function getSigninToken(session = sessionJson(), extra: Record<string, string> = {}) {
  const qs = new URLSearchParams({ Action: 'getSigninToken', Session: session, ...extra });
  const res = await fetch(`${env.url}/federation?${qs}`);
  return { status: res.status, json: (await res.json()) as { SigninToken?: string; Error?: { Code: string } } };
}

const CONSOLE = 'https://console.aws.amazon.com/console/home?region=eu-west-1';

async function login(token: string, destination = CONSOLE, issuer = 'https://hatrack.example.com/') {
  const qs = new URLSearchParams({ Action: 'login', Issuer: issuer, Destination: destination, SigninToken: token });
  return fetch(`${env.url}/federation?${qs}`, { redirect: 'manual' });
}

/** The text of the element carrying `data-testid="id"`. */
function testId(html: string, id: string): string | undefined {
  return new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1];
}

async function openConsole(location: string) {
  const res = await fetch(new URL(location, env.url));
  return { status: res.status, html: await res.text(), headers: res.headers };
}

describe('getSigninToken', () => {
  test('exchanges live issued credentials for a sign-in token', async () => {
    await setUp();
    const res = await getSigninToken();
    expect(res.status).toBe(200);
    expect(res.json.SigninToken).toMatch(/^[A-Za-z0-9_-]{64,}$/);
  });

  test.each(['sessionKey', 'sessionToken'] as const)('rejects a Session whose %s is wrong (400)', async (field) => {
    await setUp();
    const res = await getSigninToken(sessionJson({ [field]: 'wrong' }));
    expect({ status: res.status, code: res.json.Error?.Code }).toEqual({ status: 400, code: 'InvalidSession' });
  });

  test('rejects credentials it never issued (400)', async () => {
    await setUp();
    const res = await getSigninToken(sessionJson({ sessionId: 'ASIA0000000000000000' }));
    expect(res.status).toBe(400);
  });

  test('rejects a Session that is not JSON (400)', async () => {
    await setUp();
    expect((await getSigninToken('{sessionId')).status).toBe(400);
  });

  test('rejects expired credentials (400)', async () => {
    await setUp();
    env.clock.advance(3600 * 1000);
    const res = await getSigninToken();
    expect({ status: res.status, code: res.json.Error?.Code }).toEqual({ status: 400, code: 'ExpiredToken' });
  });

  test.each(['899', '43201', '1h'])('rejects SessionDuration=%s (400)', async (value) => {
    await setUp();
    expect((await getSigninToken(sessionJson(), { SessionDuration: value })).status).toBe(400);
  });
});

describe('login and the console page', () => {
  test('login with the token redirects to a console page naming the role, session, account and destination', async () => {
    await setUp({ sourceIdentity: 'alice@example.com' });
    const { json } = await getSigninToken();
    const res = await login(json.SigninToken!);
    expect(res.status).toBe(302);
    const page = await openConsole(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.html).toContain('AWS console (offline stand-in)');
    expect(testId(page.html, 'assumed-role')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`);
    expect(testId(page.html, 'role-name')).toBe('Admin');
    expect(testId(page.html, 'session-name')).toBe('alice@example.com');
    expect(testId(page.html, 'account')).toBe(ACCOUNT);
    expect(testId(page.html, 'destination')).toBe(CONSOLE);
    expect(testId(page.html, 'source-identity')).toBe('alice@example.com');
    expect(testId(page.html, 'issuer')).toBe('https://hatrack.example.com/');
  });

  test('the console session lasts as long as the credentials when SessionDuration is not sent', async () => {
    await setUp();
    const { json } = await getSigninToken();
    const page = await openConsole((await login(json.SigninToken!)).headers.get('location')!);
    expect(testId(page.html, 'expires')).toBe('2030-06-01T13:00:00.000Z');
  });

  test('the console session lasts SessionDuration seconds when sent', async () => {
    await setUp();
    const { json } = await getSigninToken(sessionJson(), { SessionDuration: '43200' });
    const page = await openConsole((await login(json.SigninToken!)).headers.get('location')!);
    expect(testId(page.html, 'expires')).toBe('2030-06-02T00:00:00.000Z');
  });

  test('HTML-escapes every value on the console page', async () => {
    await setUp();
    const { json } = await getSigninToken();
    const destination = 'https://console.aws.amazon.com/?q=<script>alert(1)</script>&x="y"';
    const page = await openConsole((await login(json.SigninToken!, destination, '<b>issuer</b>')).headers.get('location')!);
    expect(page.html).not.toContain('<script>');
    expect(page.html).not.toContain('<b>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&amp;x=&quot;y&quot;');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  test('rejects a reused sign-in token with 400', async () => {
    await setUp();
    const { json } = await getSigninToken();
    expect((await login(json.SigninToken!)).status).toBe(302);
    const again = await login(json.SigninToken!);
    expect(again.status).toBe(400);
    const html = await again.text();
    expect(testId(html, 'error-code')).toBe('InvalidSigninToken');
  });

  test('rejects an unknown sign-in token with 400', async () => {
    await setUp();
    expect((await login('not-a-token')).status).toBe(400);
  });

  test('rejects a sign-in token older than 15 minutes with 400', async () => {
    await setUp();
    const { json } = await getSigninToken();
    env.clock.advance(15 * 60_000 + 1000);
    expect((await login(json.SigninToken!)).status).toBe(400);
  });

  test('rejects login without an absolute Destination URL, and keeps the token', async () => {
    await setUp();
    const { json } = await getSigninToken();
    expect((await login(json.SigninToken!, 'javascript:alert(1)')).status).toBe(400);
    expect((await login(json.SigninToken!)).status).toBe(302);
  });

  test('answers 400 for a console session that does not exist', async () => {
    await setUp();
    expect((await openConsole('/console?session=nope')).status).toBe(400);
  });

  test('the console session ends at its expiry', async () => {
    await setUp();
    const { json } = await getSigninToken(sessionJson(), { SessionDuration: '900' });
    const location = (await login(json.SigninToken!)).headers.get('location')!;
    env.clock.advance(901 * 1000);
    expect((await openConsole(location)).status).toBe(400);
  });

  test('answers 404 with a page for paths it does not serve', async () => {
    await setUp();
    expect((await fetch(`${env.url}/nothing-here`)).status).toBe(404);
  });
});
