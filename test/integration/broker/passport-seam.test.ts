// passport is the seam of every browser sign-in: the OIDC login runs on openid-client's passport
// Strategy, the SAML ACS on passport-saml, and each keeps what the subclass exists for — state and
// nonce on every login, the login state one-shot in the store and bound to the browser, a callback
// that lost its code refused rather than taken for a new login, RelayState and the AuthnRequest ID
// Hatrack's own, and a response accepted only when Hatrack and the library both accept it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inflateRawSync } from 'node:zlib';
import { Strategy as OpenIdStrategy } from 'openid-client/passport';
import { MultiSamlStrategy } from '@node-saml/passport-saml';
import { SAML } from '@node-saml/node-saml';
import { FixedClock } from '../../../src/clock.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../../support/test-broker.ts';

let k: Keys;
let broker: TestBroker;
const clock = new FixedClock(new Date());

beforeAll(async () => {
  k = await testKeys();
  broker = await startTestBroker(k, { clock });
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function password(name: string): string {
  return broker.people.find((p) => p.username === name)!.password;
}

/** Signs in at the provider and stops at Hatrack's callback, not yet followed. */
async function toCallback(browser: HeadlessBrowser, name = 'alice'): Promise<{ callback: URL; authorization: URL }> {
  const start = await browser.request(`${broker.url}login/demo`);
  expect(start.status).toBe(303);
  const authorization = new URL(start.headers.get('location')!);
  const login = await browser.follow(authorization, `${broker.url}oidc/`);
  await login.response.text();
  const back = await browser.follow(login.url, `${broker.url}oidc/`, { form: { prompt: 'login', login: name, password: password(name) } });
  expect(back.stopped).toBe(true);
  return { callback: back.url, authorization };
}

describe('OIDC on openid-client/passport', () => {
  it('the library builds the authorization request and redeems the code; state, nonce and PKCE S256 are always sent', async () => {
    const request = vi.spyOn(OpenIdStrategy.prototype as unknown as { authorizationRequest: () => Promise<void> }, 'authorizationRequest');
    const grant = vi.spyOn(OpenIdStrategy.prototype as unknown as { authorizationCodeGrant: () => Promise<void> }, 'authorizationCodeGrant');
    const browser = new HeadlessBrowser();
    const { callback, authorization } = await toCallback(browser);
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorization.searchParams.get(p), p).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    const done = await browser.request(callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(broker.url);
    expect(request).toHaveBeenCalledTimes(1);
    expect(grant).toHaveBeenCalledTimes(1);
    expect(await (await browser.request(broker.url)).text()).toContain('alice@example.com');
  });

  it('O14/O20 one callback sent twice at once from the browser that began it signs in once', async () => {
    const browser = new HeadlessBrowser();
    const { callback } = await toCallback(browser);
    const answers = await Promise.all([browser.request(callback), browser.request(callback)]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 401]);
  });

  it('a callback without its code is refused, not taken for the start of a new login', async () => {
    const browser = new HeadlessBrowser();
    const { callback } = await toCallback(browser);
    const withoutCode = new URL(callback);
    withoutCode.searchParams.delete('code');
    const res = await browser.request(withoutCode);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    // The login is used up: the real callback no longer signs in either.
    expect((await browser.request(callback)).status).toBe(401);
  });

  it('a cancel at the provider (access_denied) reads as a cancel', async () => {
    const browser = new HeadlessBrowser();
    const start = await browser.request(`${broker.url}login/demo`);
    const authorization = new URL(start.headers.get('location')!);
    const cancel = new URLSearchParams({ state: authorization.searchParams.get('state')!, iss: authorization.origin, error: 'access_denied' });
    const res = await browser.request(`${broker.url}oidc/demo/callback?${cancel}`);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/<h1[^>]*>Sign-in cancelled<\/h1>/);
  });

  it('the library never writes its login state into the Hatrack session', async () => {
    const browser = new HeadlessBrowser();
    await browser.request(`${broker.url}login/demo`);
    const sid = decodeURIComponent(browser.cookies(new URL(broker.url).origin).get('hatrack')!).replace(/^s:/, '').split('.')[0]!;
    const stored = await broker.hatrack.store.get(`sess:${sid}`);
    expect(stored).toBeDefined();
    expect(stored).not.toContain('code_verifier');
    expect(Object.keys(JSON.parse(stored!) as object).sort()).toEqual(['cookie', 'loginState']);
  });
});

/** A response from the test IdP addressed to this broker, signed now by the broker's clock. */
function samlResponse(nameId: string, inResponseTo?: string): string {
  return makeResponse(k, {
    spec: {
      acsUrl: broker.saml.acsUrl, audience: broker.saml.entityId, now: clock.now(), nameId,
      attributes: { groups: ['aws-admins@corp.example'] }, ...(inResponseTo !== undefined && { inResponseTo }),
    },
  }).samlResponse;
}

function postAcs(form: Record<string, string>): Promise<Response> {
  return fetch(broker.saml.acsUrl, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

describe('SAML on passport-saml', () => {
  it('the library validates each response Hatrack accepted, and only its signed parts', async () => {
    const validate = vi.spyOn(SAML.prototype, 'validatePostResponseAsync');
    const strategy = vi.spyOn(MultiSamlStrategy.prototype, 'authenticate');
    const res = await postAcs({ SAMLResponse: samlResponse('seam-1@corp.example') });
    expect(res.status).toBe(303);
    expect(strategy).toHaveBeenCalledTimes(1);
    expect(validate).toHaveBeenCalledTimes(1);
  });

  it('a response Hatrack accepts but passport-saml refuses signs no one in and uses nothing up', async () => {
    const response = samlResponse('seam-2@corp.example');
    vi.spyOn(SAML.prototype, 'validatePostResponseAsync').mockRejectedValueOnce(new Error('Invalid signature'));
    const refused = await postAcs({ SAMLResponse: response });
    expect(refused.status).toBe(401);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(broker.logLines.some((l) => l.includes('saml_response_rejected'))).toBe(true);
    // The replay key is written only after both accepted: the same response still signs in.
    expect((await postAcs({ SAMLResponse: response })).status).toBe(303);
  });

  it('W1/S27 the AuthnRequest carries Hatrack\'s RelayState and the request ID kept in the store, whatever the query says', async () => {
    const res = await fetch(`${broker.url}login/google?RelayState=evil&SAMLRequest=x`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    const relayState = location.searchParams.get('RelayState')!;
    expect(relayState).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    const id = /\sID="([^"]+)"/.exec(request)![1]!;
    const pending = JSON.parse((await broker.hatrack.store.get(`pending-login:${relayState}`))!) as { data: { requestId: string } };
    expect(pending.data.requestId).toBe(id);
    // Answered with that ID and RelayState, the login completes.
    const acs = await postAcs({ SAMLResponse: samlResponse('seam-3@corp.example', id), RelayState: relayState });
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe(`${broker.url}saml/google/finish`);
  });

  it('a response on the query string (HTTP-Redirect binding) or a logout message never reaches the library', async () => {
    const validate = vi.spyOn(SAML.prototype, 'validateRedirectAsync');
    const logout = vi.spyOn(SAML.prototype, 'validatePostRequestAsync');
    const res = await fetch(`${broker.saml.acsUrl}?SAMLResponse=${encodeURIComponent(samlResponse('seam-4@corp.example'))}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLRequest: 'PHg+' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('saml_response_missing');
    expect(validate).not.toHaveBeenCalled();
    expect(logout).not.toHaveBeenCalled();
  });
});
