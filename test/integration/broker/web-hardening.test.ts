// SECURITY.md W4 and W13 at the running broker, and the broker's own response headers. W4: the
// session cookie and the SP-initiated SAML login's finish cookie are `__Host-`, Secure, HttpOnly,
// SameSite=Lax, Path=/ on https (as a TLS proxy in front makes it, with X-Forwarded-Proto), plain
// `hatrack` and not Secure on http; X-Forwarded-For and -Proto count only from a trusted proxy.
// W13: floods of login, ACS, callback, finish and role endpoints get 429 with a clear answer,
// counted per client address (IPv6 by /64) or, for roles, per signed-in person. Then the headers
// every answer of the broker carries: CSP, nosniff, DENY, referrer and opener policies, HSTS only
// on https, no X-Powered-By, and no-store where the answer depends on the session or is an error.
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { attr, parseSamlXml } from '../../../src/connectors/saml/xml.ts';
import { makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';
import { startTestBroker } from '../../support/test-broker.ts';

const FEDERATION_ORIGIN = 'https://federation.hatrack.test';
const GRANTED_ROLE = 'arn:aws:iam::111111111111:role/Admin';
const UNGRANTED_ROLE = 'arn:aws:iam::111111111111:role/ReadOnly';
const FLOOD_MESSAGE = 'Too many requests. Wait a minute and try again.';

interface Broker {
  /** Where the test connects: the plain-http listener, as a proxy in front would. */
  listenUrl: string;
  /** What the broker is configured as (https for the cases behind a TLS proxy). */
  publicUrl: string;
  https: boolean;
  cookieName: string;
  stop(): Promise<void>;
}

let k: Keys;
// Fixed-window limits: a frozen clock keeps every flood inside one window, so no count restarts
// halfway through a test.
const clock = new FixedClock(new Date());

/** A real broker with the test IdP and the real oidc-provider (test/support/test-broker.ts). */
async function startBroker(o: { https: boolean; trustProxy: false | string }): Promise<Broker> {
  const b = await startTestBroker(k, { https: o.https, trustProxy: o.trustProxy, clock, federationEndpoint: `${FEDERATION_ORIGIN}/federation` });
  return {
    listenUrl: b.listenUrl,
    publicUrl: b.url.slice(0, -1),
    https: o.https,
    cookieName: o.https ? '__Host-hatrack' : 'hatrack',
    stop: () => b.stop(),
  };
}

let httpsBroker: Broker;
let httpBroker: Broker;
let untrustingBroker: Broker;
let otherProxyBroker: Broker;

beforeAll(async () => {
  k = await testKeys();
  [httpsBroker, httpBroker, untrustingBroker, otherProxyBroker] = await Promise.all([
    startBroker({ https: true, trustProxy: 'loopback' }),
    startBroker({ https: false, trustProxy: 'loopback' }),
    startBroker({ https: false, trustProxy: false }),
    // Behind a proxy at another address: this test's loopback connection is not that proxy.
    startBroker({ https: true, trustProxy: '192.0.2.1' }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([httpsBroker, httpBroker, untrustingBroker, otherProxyBroker].map((b) => b?.stop()));
});

// ---- requests ---------------------------------------------------------------------------------

let clients = 0;
/** A client address no other test uses, so that tests never share a rate-limit bucket. */
function freshClient(): string {
  clients++;
  return `198.18.${clients >> 8}.${clients & 255}`;
}

interface Send {
  method?: string;
  client?: string;
  cookies?: string[];
  form?: Record<string, string>;
  accept?: string;
  headers?: Record<string, string>;
}

/**
 * A request as the proxy in front forwards it: X-Forwarded-For names the client, and on an https
 * broker X-Forwarded-Proto says the browser spoke TLS.
 */
function send(b: Broker, path: string, o: Send = {}): Promise<Response> {
  const headers: Record<string, string> = {
    accept: o.accept ?? 'text/html',
    'x-forwarded-for': o.client ?? freshClient(),
    ...(b.https && { 'x-forwarded-proto': 'https' }),
    ...(o.cookies?.length && { cookie: o.cookies.join('; ') }),
    ...(o.form && { 'content-type': 'application/x-www-form-urlencoded' }),
    ...o.headers,
  };
  return fetch(new URL(path, b.listenUrl), {
    method: o.method ?? (o.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers,
    ...(o.form && { body: new URLSearchParams(o.form).toString() }),
  });
}

interface Cookie {
  name: string;
  value: string;
  /** Attribute names in lower case → their values ('' for flags). */
  attributes: Map<string, string>;
  /** `name=value`, for a Cookie header. */
  pair: string;
}

function setCookies(res: Response): Cookie[] {
  return res.headers.getSetCookie().map((line) => {
    const [pair = '', ...rest] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attributes = new Map(rest.map((a) => {
      const i = a.indexOf('=');
      return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    }));
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes, pair };
  });
}

function cookieNamed(res: Response, name: string): Cookie {
  const found = setCookies(res).filter((c) => c.name === name && c.value !== '');
  expect(found.map((c) => c.name), `Set-Cookie of ${name}`).toEqual([name]);
  return found[0]!;
}

/** The W4 flags: HttpOnly, SameSite=Lax, Path=/, no Domain; Secure exactly when on https. */
function expectHardenedCookie(c: Cookie, secure: boolean): void {
  expect(c.attributes.has('httponly'), `${c.name} HttpOnly`).toBe(true);
  expect(c.attributes.get('samesite')?.toLowerCase(), `${c.name} SameSite`).toBe('lax');
  expect(c.attributes.get('path'), `${c.name} Path`).toBe('/');
  expect(c.attributes.has('domain'), `${c.name} Domain`).toBe(false);
  expect(c.attributes.has('secure'), `${c.name} Secure`).toBe(secure);
}

// ---- signing in with SAML ---------------------------------------------------------------------

interface Person {
  nameId: string;
  attributes: Record<string, readonly string[]>;
}

let people = 0;
/** A person no other test signs in as, so that per-person role budgets start at zero. */
function freshPerson(): Person {
  people++;
  return { nameId: `person-${people}@corp.example`, attributes: { groups: ['aws-admins@corp.example'] } };
}

/** A response from the test IdP addressed to this broker, signed now by the broker's clock. */
function samlResponse(b: Broker, person: Person, inResponseTo?: string): string {
  return makeResponse(k, {
    spec: {
      acsUrl: `${b.publicUrl}/saml/google/acs`, audience: `${b.publicUrl}/saml/google/metadata`, now: clock.now(),
      nameId: person.nameId, attributes: person.attributes, ...(inResponseTo !== undefined && { inResponseTo }),
    },
  }).samlResponse;
}

/** The Google tile: an unsolicited response posted with no cookie; the 303 signs the browser in. */
async function tileSignIn(b: Broker, person: Person = freshPerson(), o: Send = {}): Promise<Response> {
  const res = await send(b, '/saml/google/acs', { ...o, form: { SAMLResponse: samlResponse(b, person) } });
  expect(res.status, 'the tile sign-in').toBe(303);
  return res;
}

/** Signed in, on the role page: the session cookie and the page's CSRF token. */
async function signedIn(b: Broker, person: Person = freshPerson()): Promise<{ cookie: string; csrf: string }> {
  const cookie = cookieNamed(await tileSignIn(b, person), b.cookieName).pair;
  const page = await (await send(b, '/', { cookies: [cookie] })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  expect(csrf, 'the role page has a CSRF token').toBeDefined();
  return { cookie, csrf: csrf! };
}

/**
 * An SP-initiated login up to its ACS: GET /login/google, then the IdP's answer to that
 * AuthnRequest posted with its RelayState. Returns the login's session cookie and the ACS answer.
 */
async function spInitiatedAcs(b: Broker): Promise<{ login: Response; acs: Response; session: Cookie; client: string }> {
  const client = freshClient();
  const login = await send(b, '/login/google', { client });
  expect(login.status).toBe(303);
  const session = cookieNamed(login, b.cookieName);
  const sso = new URL(login.headers.get('location')!);
  const request = inflateRawSync(Buffer.from(sso.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  const requestId = attr(parseSamlXml(request).documentElement!, 'ID')!;
  const acs = await send(b, '/saml/google/acs', {
    client,
    form: { SAMLResponse: samlResponse(b, freshPerson(), requestId), RelayState: sso.searchParams.get('RelayState')! },
  });
  expect(acs.status).toBe(303);
  expect(new URL(acs.headers.get('location')!).pathname).toBe('/saml/google/finish');
  return { login, acs, session, client };
}

// ---- floods -----------------------------------------------------------------------------------

/** `count` requests one after another; every body read so no connection is left hanging. */
async function statusesOf(count: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(i);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

/** Exactly `limit` requests are served as usual, and the one after is refused as a flood. */
async function expectLimitedAfter(limit: number, usual: number, request: (i: number) => Promise<Response>): Promise<void> {
  expect(await statusesOf(limit, request)).toEqual(Array(limit).fill(usual));
  await expectFloodRefused(await request(limit));
}

/** 429 with the page that says what happened, and nothing cached. */
async function expectFloodRefused(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  expect(body).toContain('Slow down');
  expect(body).toContain(FLOOD_MESSAGE);
}

const junkAcs = { SAMLResponse: '!!!not base64!!!' };

// ---- W4 ---------------------------------------------------------------------------------------

describe('W4 cookies and trust proxy', () => {
  it('W4 the session cookie on https is __Host-hatrack, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const cookie = cookieNamed(await tileSignIn(httpsBroker), '__Host-hatrack');
    expectHardenedCookie(cookie, true);
    // The pre-login session of an SP-initiated login is the same cookie.
    expectHardenedCookie(cookieNamed(await send(httpsBroker, '/login/google'), '__Host-hatrack'), true);
  });

  it('W4 the SP-initiated SAML ACS\'s finish cookie on https is __Host-hatrack-finish, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const { acs, session, client } = await spInitiatedAcs(httpsBroker);
    const finish = cookieNamed(acs, '__Host-hatrack-finish');
    expectHardenedCookie(finish, true);
    // The finish GET completes the login into a new session cookie with the same flags.
    const done = await send(httpsBroker, '/saml/google/finish', { client, cookies: [session.pair, finish.pair] });
    expect(done.status).toBe(303);
    const signedInCookie = cookieNamed(done, '__Host-hatrack');
    expect(signedInCookie.value).not.toBe(session.value);
    expectHardenedCookie(signedInCookie, true);
  });

  it('W4 on an http publicUrl the cookies are hatrack and hatrack-finish, HttpOnly, SameSite=Lax, Path=/, not Secure', async () => {
    expectHardenedCookie(cookieNamed(await tileSignIn(httpBroker), 'hatrack'), false);
    const { acs, session } = await spInitiatedAcs(httpBroker);
    expectHardenedCookie(session, false);
    expectHardenedCookie(cookieNamed(acs, 'hatrack-finish'), false);
  });

  it('W4 with trustProxy loopback, X-Forwarded-For from the proxy names the client: one client\'s flood does not limit another', async () => {
    const flooder = freshClient();
    await expectLimitedAfter(30, 303, () => send(httpBroker, '/login/google', { client: flooder }));
    const other = await send(httpBroker, '/login/google', { client: freshClient() });
    expect(other.status).toBe(303);
  });

  it('W4 with trustProxy false, X-Forwarded-For is ignored: a flood under ever-changing forwarded addresses is one client and gets 429', async () => {
    await expectLimitedAfter(30, 303, () => send(untrustingBroker, '/login/google', { client: freshClient() }));
  });

  it('W4 with trustProxy false, X-Forwarded-Proto: https does not make the session cookie Secure', async () => {
    // The ACS counts in its own bucket, so the login flood of the test above does not answer here.
    const res = await tileSignIn(untrustingBroker, freshPerson(), { headers: { 'x-forwarded-proto': 'https' } });
    expectHardenedCookie(cookieNamed(res, 'hatrack'), false);
  });

  it('W4 on https, X-Forwarded-Proto from a hop that is not the trusted proxy does not count: no Secure cookie is sent over what is plain http', async () => {
    const res = await tileSignIn(otherProxyBroker);
    expect(setCookies(res).map((c) => c.name)).toEqual([]);
  });

  it('W4 on https, X-Forwarded-For from a hop that is not the trusted proxy is ignored: the flood is one client and gets 429', async () => {
    await expectLimitedAfter(30, 303, () => send(otherProxyBroker, '/login/google', { client: freshClient() }));
  });
});

// ---- W13 --------------------------------------------------------------------------------------

describe('W13 floods get 429', () => {
  it('W13 a flood of GET /login/:connector gets 429 after 30 a minute, and the callback budget is left alone', async () => {
    const client = freshClient();
    await expectLimitedAfter(30, 303, () => send(httpBroker, '/login/demo', { client }));
    // Starting and finishing a login are counted apart: the callback still gets its own answer.
    expect((await send(httpBroker, '/oidc/demo/callback?state=x&code=y', { client })).status).toBe(401);
  });

  it('W13 a flood of POST /saml/:connector/acs gets 429 after 30 a minute', async () => {
    const client = freshClient();
    await expectLimitedAfter(30, 400, () => send(httpBroker, '/saml/google/acs', { client, form: junkAcs }));
    // The limit comes before the response is read: a valid one is refused the same way.
    await expectFloodRefused(await send(httpBroker, '/saml/google/acs', { client, form: { SAMLResponse: samlResponse(httpBroker, freshPerson()) } }));
  });

  it('W13 a flood of GET /oidc/:connector/callback gets 429 after 30 a minute', async () => {
    const client = freshClient();
    await expectLimitedAfter(30, 401, () => send(httpBroker, '/oidc/demo/callback?state=x&code=y', { client }));
  });

  it('W13 a flood of GET /saml/:connector/finish gets 429 after 30 a minute, and shares the callback budget', async () => {
    const client = freshClient();
    await expectLimitedAfter(30, 401, () => send(httpBroker, '/saml/google/finish', { client }));
    await expectFloodRefused(await send(httpBroker, '/oidc/demo/callback?state=x&code=y', { client }));
  });

  it('W13 a flood of POST /aws/console by a signed-in person gets 429 after 60 a minute', async () => {
    const { cookie, csrf } = await signedIn(httpBroker);
    const client = freshClient();
    // A role the person lacks: each request goes through the CSRF and grant checks, and mints nothing.
    await expectLimitedAfter(60, 403, () => send(httpBroker, '/aws/console', { client, cookies: [cookie], form: { _csrf: csrf, role: UNGRANTED_ROLE } }));
  });

  it('W13 a flood of POST /aws/credentials by a signed-in person gets 429 after 60 a minute, in JSON when asked', async () => {
    const { cookie, csrf } = await signedIn(httpBroker);
    const client = freshClient();
    const post = () => send(httpBroker, '/aws/credentials', { client, cookies: [cookie], accept: 'application/json', form: { _csrf: csrf, role: UNGRANTED_ROLE } });
    expect(await statusesOf(60, post)).toEqual(Array(60).fill(403));
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toMatchObject({ error: 'rate_limited', message: FLOOD_MESSAGE });
  });

  it('W13 the role limit counts per person: two people behind one address are counted apart', async () => {
    const [first, second] = [await signedIn(httpBroker), await signedIn(httpBroker)];
    const office = freshClient();
    const post = (who: { cookie: string; csrf: string }) => () =>
      send(httpBroker, '/aws/credentials', { client: office, cookies: [who.cookie], form: { _csrf: who.csrf, role: UNGRANTED_ROLE } });
    await expectLimitedAfter(60, 403, post(first));
    expect(await statusesOf(60, post(second))).toEqual(Array(60).fill(403));
  });

  it('W13 the role limit counts per person: one person is limited even when every request comes from another address', async () => {
    const { cookie, csrf } = await signedIn(httpBroker);
    await expectLimitedAfter(60, 403, () => send(httpBroker, '/aws/console', { client: freshClient(), cookies: [cookie], form: { _csrf: csrf, role: UNGRANTED_ROLE } }));
  });

  it('W13 IPv6 clients are counted by /64: two addresses in one /64 share a bucket, the next /64 does not', async () => {
    const [a, b] = ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:9'];
    expect(await statusesOf(30, (i) => send(httpBroker, '/login/google', { client: i % 2 ? a : b }))).toEqual(Array(30).fill(303));
    await expectFloodRefused(await send(httpBroker, '/login/google', { client: a }));
    await expectFloodRefused(await send(httpBroker, '/login/google', { client: b }));
    expect((await send(httpBroker, '/login/google', { client: '2001:db8:1:3::1' })).status).toBe(303);
  });

  it('W13 an IPv4-mapped IPv6 client ::ffff:203.0.113.9 is counted as 203.0.113.9', async () => {
    const [mapped, plain] = ['::ffff:203.0.113.9', '203.0.113.9'];
    expect(await statusesOf(30, (i) => send(httpBroker, '/login/google', { client: i % 2 ? mapped : plain }))).toEqual(Array(30).fill(303));
    await expectFloodRefused(await send(httpBroker, '/login/google', { client: plain }));
    await expectFloodRefused(await send(httpBroker, '/login/google', { client: mapped }));
  });
});

// ---- security headers -------------------------------------------------------------------------

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  `form-action 'self' ${FEDERATION_ORIGIN}`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

interface Page {
  name: string;
  status: number;
  /** The answer depends on the session or is an error: it must never be cached. */
  noStore: boolean;
  get(b: Broker): Promise<Response>;
}

const PAGES: Page[] = [
  { name: 'the login page', status: 200, noStore: true, get: (b) => send(b, '/') },
  { name: 'a role page', status: 200, noStore: true, get: async (b) => send(b, '/', { cookies: [(await signedIn(b)).cookie] }) },
  { name: 'an HTML error page', status: 404, noStore: true, get: (b) => send(b, '/no-such-page') },
  { name: 'a JSON error answer', status: 404, noStore: true, get: (b) => send(b, '/no-such-page', { accept: 'application/json' }) },
  { name: '/saml/metadata', status: 200, noStore: false, get: (b) => send(b, '/saml/metadata') },
  { name: '/healthz', status: 200, noStore: false, get: (b) => send(b, '/healthz') },
];

describe("the broker's own security headers", () => {
  for (const scheme of ['https', 'http'] as const) {
    for (const page of PAGES) {
      const hsts = scheme === 'https' ? 'with' : 'without';
      it(`${page.name} on ${scheme} carries the CSP, nosniff, DENY, same-origin referrer and opener policies, ${hsts} HSTS, no X-Powered-By${page.noStore ? ', no-store' : ''}`, async () => {
        const res = await page.get(scheme === 'https' ? httpsBroker : httpBroker);
        await res.arrayBuffer();
        expect(res.status).toBe(page.status);
        expect(res.headers.get('content-security-policy')).toBe(CSP);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('referrer-policy')).toBe('same-origin');
        expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(res.headers.get('strict-transport-security')).toBe(scheme === 'https' ? 'max-age=31536000' : null);
        expect(res.headers.has('x-powered-by')).toBe(false);
        if (page.noStore) expect(res.headers.get('cache-control')).toBe('no-store');
      });
    }
  }

  it('no HSTS on an https broker\'s answer to a request that did not come over TLS (RFC 6797 §7.2)', async () => {
    const plain = await fetch(new URL('/healthz', httpsBroker.listenUrl), { headers: { 'x-forwarded-for': freshClient() } });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const untrusted = await send(otherProxyBroker, '/healthz');
    expect(untrusted.headers.get('strict-transport-security')).toBeNull();
  });

  it('the role page is the signed-in one, not the login page', async () => {
    // Guards the table above: "a role page" must really be answered for a signed-in person.
    const html = await (await PAGES[1]!.get(httpBroker)).text();
    expect(html).toContain('Pick a role');
    expect(html).toContain(`value="${GRANTED_ROLE}"`);
  });
});
