// SECURITY.md O1–O17 and O20: the OIDC connector against a provider that lies. Every case runs a
// real authorization code flow against test/support/oidc/hostile-op.ts with one thing bent, and
// asserts the HatrackError code (and, through `detail`, which check fired).

import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import type { PendingLogin } from '../../../src/connectors/connector.ts';
import type { OidcPendingLogin } from '../../../src/connectors/oidc/login-data.ts';
import { savePendingLogin, takePendingLogin } from '../../../src/http/login-state.ts';
import { createOidcConnector, type OidcConnector, type OidcConnectorOptions } from '../../../src/connectors/oidc/index.ts';
import { HatrackError } from '../../../src/errors.ts';
import type { Identity } from '../../../src/identity.ts';
import { startHostileOp, type HostileOp } from '../../support/oidc/hostile-op.ts';
import { mapStore } from '../../support/oidc/map-store.ts';

let op: HostileOp;
const redirectUri = 'http://127.0.0.1:3999/oidc/hostile/callback';

beforeAll(async () => {
  op = await startHostileOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());
afterEach(() => {
  vi.useRealTimers();
});

function connector(extra: Partial<OidcConnectorOptions> = {}): OidcConnector {
  return createOidcConnector({
    id: 'hostile',
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    allowInsecureHttp: true,
    timeoutMs: 3000,
    ...extra,
  });
}

interface Login {
  c: OidcConnector;
  pending: OidcPendingLogin;
  callbackUrl: URL;
  finish(overrides?: { pending?: PendingLogin | undefined; url?: URL }): Promise<Identity>;
}

/** Starts a login, plays the browser at the OP, and returns what the callback would carry. */
async function login(c: OidcConnector = connector()): Promise<Login> {
  const { url, pending } = await c.startLogin({ redirectUri });
  const callbackUrl = await op.authorize(url);
  return {
    c,
    pending: pending as OidcPendingLogin,
    callbackUrl,
    finish: (o = {}) => c.finishLogin({ callback: { url: o.url ?? callbackUrl }, pending: 'pending' in o ? o.pending : pending }),
  };
}

/** Awaits a rejection and checks it is the HatrackError we expect, without secrets in what it says. */
async function rejects(promise: Promise<unknown>, code: string, detail?: RegExp, secrets: string[] = []): Promise<HatrackError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err, `expected ${code}`).toBeInstanceOf(HatrackError);
  const e = err as HatrackError;
  expect(e.code, e.detail).toBe(code);
  if (detail) expect(e.detail).toMatch(detail);
  for (const secret of [op.clientSecret, ...secrets].filter((x) => x.length > 0)) {
    expect(e.message).not.toContain(secret);
    expect(e.detail ?? '').not.toContain(secret);
  }
  expect(e.cause).toBeUndefined();
  return e;
}

async function rejectsLogin(code: string, detail?: RegExp, c?: OidcConnector): Promise<HatrackError> {
  const l = await login(c);
  return rejects(l.finish(), code, detail, [l.callbackUrl.searchParams.get('code') ?? '', l.pending.data.codeVerifier]);
}

const idClaims = (f: (c: Record<string, unknown>) => Record<string, unknown>) => op.behave({ idTokenClaims: f });

describe('a well-behaved provider', () => {
  it('signs a person in with email, groups, MFA and auth time from the verified ID token', async () => {
    const identity = await (await login()).finish();
    expect(identity).toMatchObject({
      connector: 'hostile',
      subject: 'user-1234',
      email: 'dana@example.com',
      name: 'Dana Scully',
      groups: ['admins', 'auditors'],
      mfa: true,
    });
    expect(identity.authTime).toBeInstanceOf(Date);
    expect(identity.claims.iss).toBe(op.issuer);
  });
});

describe('ID token claims (O1–O7)', () => {
  it('O1 rejects an ID token with a wrong iss', async () => {
    idClaims((c) => ({ ...c, iss: 'http://127.0.0.1:1/evil' }));
    await rejectsLogin('oidc_id_token_invalid', /"iss"/);
  });

  it('O1 rejects an ID token whose iss differs from the issuer only by a trailing slash', async () => {
    idClaims((c) => ({ ...c, iss: `${op.issuer}/` }));
    await rejectsLogin('oidc_id_token_invalid', /"iss"/);
  });

  it('O2 rejects an ID token for another audience', async () => {
    idClaims((c) => ({ ...c, aud: 'some-other-client' }));
    await rejectsLogin('oidc_id_token_invalid', /"aud"/);
  });

  it('O2 rejects an ID token without aud', async () => {
    idClaims(({ aud: _aud, ...c }) => c);
    await rejectsLogin('oidc_id_token_invalid', /"aud"/);
  });

  it('O3 rejects extra audiences without azp', async () => {
    idClaims((c) => ({ ...c, aud: [op.clientId, 'another-client'] }));
    await rejectsLogin('oidc_id_token_invalid', /audiences|"aud"/);
  });

  it('O3 rejects extra audiences with an azp that names another client', async () => {
    idClaims((c) => ({ ...c, aud: [op.clientId, 'another-client'], azp: 'another-client' }));
    await rejectsLogin('oidc_id_token_invalid', /"azp"/);
  });

  it('O3 accepts extra audiences when azp names this client', async () => {
    idClaims((c) => ({ ...c, aud: [op.clientId, 'another-client'], azp: op.clientId }));
    await expect((await login()).finish()).resolves.toMatchObject({ subject: 'user-1234' });
  });

  it('O4 rejects an ID token without iat', async () => {
    idClaims(({ iat: _iat, ...c }) => c);
    await rejectsLogin('oidc_id_token_invalid', /"iat"/);
  });

  it('O5 rejects an ID token without sub', async () => {
    idClaims(({ sub: _sub, ...c }) => c);
    await rejectsLogin('oidc_id_token_invalid', /"sub"/);
  });

  it('O5 rejects an ID token whose sub is not a string', async () => {
    idClaims((c) => ({ ...c, sub: 1234 }));
    await rejectsLogin('oidc_id_token_invalid', /"sub"/);
  });

  it('O5 rejects an ID token whose sub is empty', async () => {
    idClaims((c) => ({ ...c, sub: '' }));
    await rejectsLogin('oidc_id_token_invalid', /"sub"/);
  });

  it('O6 rejects an expired ID token', async () => {
    idClaims((c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 }));
    await rejectsLogin('oidc_id_token_invalid', /"exp"/);
  });

  it('O6 rejects an ID token without exp', async () => {
    idClaims(({ exp: _exp, ...c }) => c);
    await rejectsLogin('oidc_id_token_invalid', /"exp"/);
  });

  it('O6 accepts an ID token that expired within the clock tolerance', async () => {
    idClaims((c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 20 }));
    await expect((await login()).finish()).resolves.toMatchObject({ subject: 'user-1234' });
  });

  it('O6 rejects an ID token that is not yet valid (nbf in the future)', async () => {
    idClaims((c) => ({ ...c, nbf: Math.floor(Date.now() / 1000) + 600 }));
    await rejectsLogin('oidc_id_token_invalid', /"nbf"/);
  });

  it('O7 rejects an ID token without nonce', async () => {
    idClaims(({ nonce: _nonce, ...c }) => c);
    await rejectsLogin('oidc_id_token_invalid', /"nonce"/);
  });

  it('O7 rejects an ID token with a wrong nonce', async () => {
    idClaims((c) => ({ ...c, nonce: 'n-0S6_WzA2Mj' }));
    await rejectsLogin('oidc_id_token_invalid', /"nonce"/);
  });

  it('O7 rejects an ID token carrying the nonce of another login', async () => {
    const other = await connector().startLogin({ redirectUri });
    idClaims((c) => ({ ...c, nonce: (other.pending as OidcPendingLogin).data.nonce }));
    await rejectsLogin('oidc_id_token_invalid', /"nonce"/);
  });
});

describe('ID token signatures (O8–O11)', () => {
  it('O8 rejects alg none even when the provider advertises it', async () => {
    op.behave({ signing: 'none', discovery: (d) => ({ ...d, id_token_signing_alg_values_supported: ['none', 'RS256'] }) });
    await rejectsLogin('oidc_id_token_invalid', /"alg"/);
  });

  it('O8 rejects HS256 keyed with the client secret', async () => {
    op.behave({ signing: 'hs256-client-secret', discovery: (d) => ({ ...d, id_token_signing_alg_values_supported: ['HS256', 'RS256'] }) });
    await rejectsLogin('oidc_id_token_invalid', /"alg"/);
  });

  it('O8 rejects a validly signed ES256 token when RS256 is pinned', async () => {
    op.behave({ signing: 'es256-published', discovery: (d) => ({ ...d, id_token_signing_alg_values_supported: ['ES256', 'RS256'] }) });
    await rejectsLogin('oidc_id_token_invalid', /"alg"/);
  });

  it('O8 refuses at discovery a provider that does not offer the pinned algorithm', async () => {
    op.behave({ discovery: (d) => ({ ...d, id_token_signing_alg_values_supported: ['none', 'HS256'] }) });
    await rejects(connector().startLogin({ redirectUri }), 'oidc_discovery_failed', /RS256/);
  });

  it('O9 rejects an ID token whose payload was changed after signing', async () => {
    op.behave({ signing: 'rs256-bad-signature' });
    await rejectsLogin('oidc_id_token_invalid', /signature/);
  });

  it('O9 rejects an ID token signed by a key the provider does not publish', async () => {
    op.behave({ signing: 'rs256-unpublished-key' });
    await rejectsLogin('oidc_id_token_invalid', /signature/);
  });

  it('O9 rejects an ID token naming a kid the provider does not publish', async () => {
    op.behave({ idTokenHeader: (h) => ({ ...h, kid: 'no-such-key' }) });
    await rejectsLogin('oidc_id_token_invalid', /key/);
  });

  it('O10 accepts a new kid published next to the old key once the cached JWKS is refreshed', async () => {
    const c = connector();
    await (await login(c)).finish();
    const fetched = op.hits.get('/hostile/jwks') ?? 0;
    op.rotateKey({ keepOld: true });
    // openid-client refreshes a cached JWKS for an unknown kid once the copy is a minute old.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    await expect((await login(c)).finish()).resolves.toMatchObject({ subject: 'user-1234' });
    expect(op.hits.get('/hostile/jwks')).toBe(fetched + 1);
  });

  it('O11 accepts the new key after a hard rotation and refuses the retired one', async () => {
    const c = connector();
    const oldKid = op.currentKid;
    await (await login(c)).finish();
    op.rotateKey({ keepOld: false });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    await expect((await login(c)).finish()).resolves.toMatchObject({ subject: 'user-1234' });
    op.signWith(oldKid);
    await rejectsLogin('oidc_id_token_invalid', /key/, c);
  });
});

describe('UserInfo and discovery (O12, O13)', () => {
  it('O12 rejects UserInfo about another subject', async () => {
    op.behave({ userinfoClaims: (u) => ({ ...u, sub: 'someone-else' }) });
    await rejectsLogin('oidc_userinfo_subject_mismatch', /sub/, connector({ groupsFrom: 'userinfo' }));
  });

  it('O12 rejects UserInfo about another subject when it is fetched for a missing email', async () => {
    idClaims(({ email: _e, email_verified: _v, ...c }) => c);
    op.behave({ userinfoClaims: (u) => ({ ...u, sub: 'someone-else', email: 'ceo@example.com' }) });
    await rejectsLogin('oidc_userinfo_subject_mismatch', /sub/);
  });

  it('O12 reads groups from UserInfo when its sub matches', async () => {
    op.behave({ userinfoClaims: (u) => ({ ...u, groups: ['from-userinfo'] }) });
    const identity = await (await login(connector({ groupsFrom: 'userinfo' }))).finish();
    expect(identity.groups).toEqual(['from-userinfo']);
  });

  it('O13 rejects a discovery document naming another issuer', async () => {
    op.behave({ discovery: (d) => ({ ...d, issuer: 'http://127.0.0.1:1/hostile' }) });
    await rejects(connector().startLogin({ redirectUri }), 'oidc_discovery_issuer_mismatch', /issuer/);
  });

  it('O13 rejects a discovered issuer with a trailing slash the configuration lacks', async () => {
    op.behave({ discovery: (d) => ({ ...d, issuer: `${op.issuer}/` }) });
    await rejects(connector().startLogin({ redirectUri }), 'oidc_discovery_issuer_mismatch', /issuer/);
  });

  it('O13 rejects a discovered issuer spelled differently but equal after URL normalisation', async () => {
    op.behave({ discovery: (d) => ({ ...d, issuer: op.issuer.replace('http://', 'HTTP://') }) });
    await rejects(connector().startLogin({ redirectUri }), 'oidc_discovery_issuer_mismatch', /configured/);
  });

  it('O13 refuses the callback too when discovery names another issuer', async () => {
    const l = await login();
    op.behave({ discovery: (d) => ({ ...d, issuer: 'http://127.0.0.1:1/hostile' }) });
    await rejects(connector().finishLogin({ callback: { url: l.callbackUrl }, pending: l.pending }), 'oidc_discovery_issuer_mismatch');
  });
});

describe('the authorization response (O14–O17, O20)', () => {
  it('O14 rejects a callback without state', async () => {
    op.behave({ authorizationResponse: (p) => p.delete('state') });
    await rejectsLogin('oidc_state_mismatch', /no "state"/);
  });

  it('O14 rejects a callback whose state does not match the pending login', async () => {
    op.behave({ authorizationResponse: (p) => p.set('state', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') });
    await rejectsLogin('oidc_state_mismatch', /does not match/);
  });

  it('O14 rejects a callback for which no login is pending (unsolicited)', async () => {
    const l = await login();
    await rejects(l.finish({ pending: undefined }), 'oidc_state_mismatch', /no pending login/);
  });

  it('O14 rejects a replayed state: the pending login is consumed by the first callback', async () => {
    const store = mapStore();
    const c = connector();
    const { url, pending } = await c.startLogin({ redirectUri });
    await savePendingLogin(store, pending);
    const callbackUrl = await op.authorize(url);
    const callback = { url: callbackUrl };

    const first = await takePendingLogin(store, c.callbackState(callback));
    await expect(c.finishLogin({ callback, pending: first })).resolves.toMatchObject({ subject: 'user-1234' });
    const second = await takePendingLogin(store, c.callbackState(callback));
    expect(second).toBeUndefined();
    await rejects(c.finishLogin({ callback, pending: second }), 'oidc_state_mismatch', /no pending login/);
    expect(store.size()).toBe(0);
  });

  it('O14 lets only one of two simultaneous callbacks with the same state take the pending login', async () => {
    const store = mapStore();
    const c = connector();
    const { pending } = await c.startLogin({ redirectUri });
    await savePendingLogin(store, pending);
    const taken = await Promise.all([takePendingLogin(store, pending.state), takePendingLogin(store, pending.state)]);
    expect(taken.filter((p) => p !== undefined)).toHaveLength(1);
  });

  it('O14 rejects a pending login started by another connector', async () => {
    const l = await login();
    await rejects(l.finish({ pending: { ...l.pending, connector: 'other' } }), 'oidc_state_mismatch', /another|other/);
  });

  it('O14 rejects a pending login older than the login lifetime', async () => {
    const l = await login();
    await rejects(l.finish({ pending: { ...l.pending, createdAt: Date.now() - 11 * 60_000 } }), 'oidc_login_expired');
  });

  it('O15 rejects an iss authorization response parameter naming another issuer (mix-up)', async () => {
    op.behave({ authorizationResponse: (p) => p.set('iss', 'https://attacker.example') });
    await rejectsLogin('oidc_issuer_mismatch', /iss/);
  });

  it('O15 rejects a missing iss parameter when the provider promises RFC 9207', async () => {
    op.behave({ discovery: (d) => ({ ...d, authorization_response_iss_parameter_supported: true }) });
    await rejectsLogin('oidc_issuer_mismatch', /no "iss"/);
  });

  it('O15 accepts a matching iss parameter', async () => {
    op.behave({
      discovery: (d) => ({ ...d, authorization_response_iss_parameter_supported: true }),
      authorizationResponse: (p) => p.set('iss', op.issuer),
    });
    await expect((await login()).finish()).resolves.toMatchObject({ subject: 'user-1234' });
  });

  it('O16 always sends a PKCE S256 challenge derived from the stored verifier, even when discovery does not advertise PKCE', async () => {
    op.behave({ discovery: ({ code_challenge_methods_supported: _m, ...d }) => d });
    const { url, pending } = await connector().startLogin({ redirectUri });
    const q = new URL(url).searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    const verifier = (pending as OidcPendingLogin).data.codeVerifier;
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(q.get('code_challenge')).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(q.get('response_type')).toBe('code');
    expect(q.get('state')).toBe(pending.state);
    expect(q.get('nonce')).toBe((pending as OidcPendingLogin).data.nonce);
    expect(url).not.toContain(verifier);
  });

  it('O16 is refused by the provider when the verifier does not match the challenge', async () => {
    const l = await login();
    await rejects(l.finish({ pending: { ...l.pending, data: { ...l.pending.data, codeVerifier: 'x'.repeat(43) } } }), 'oidc_code_rejected', /invalid_grant/);
  });

  it('O16 never redeems a code without a verifier', async () => {
    const l = await login();
    const tokenCalls = op.hits.get('/hostile/token') ?? 0;
    const withoutVerifier = { ...l.pending, data: { nonce: l.pending.data.nonce } };
    await rejects(l.c.finishLogin({ callback: { url: l.callbackUrl }, pending: withoutVerifier as PendingLogin }), 'oidc_state_mismatch', /malformed/);
    expect(op.hits.get('/hostile/token') ?? 0).toBe(tokenCalls);
  });

  it('O17 reports error= in the callback with the provider message as short plain text', async () => {
    const nasty = `<script>alert(1)</script>\u202Eevil\u0000\r\nSet-Cookie: x=1 ${'long '.repeat(200)}`;
    op.behave({
      authorizationResponse: (p) => {
        p.delete('code');
        p.set('error', 'access_denied');
        p.set('error_description', nasty);
      },
    });
    const e = await rejectsLogin('oidc_provider_error', /access_denied/);
    expect(e.status).toBe(401);
    expect(e.message).toContain('access_denied');
    expect(e.message).toContain('<script>alert(1)</script>'); // plain text: the view escapes it
    expect(e.message).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(e.message.length).toBeLessThan(320);
  });

  it('O17 does not show a provider error whose state does not match', async () => {
    op.behave({
      authorizationResponse: (p) => {
        p.delete('code');
        p.set('error', 'access_denied');
        p.set('error_description', 'Call 555-0100 to unlock your account');
        p.set('state', 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
      },
    });
    const e = await rejectsLogin('oidc_state_mismatch');
    expect(e.message).not.toContain('555');
  });

  it('O20 rejects the same callback replayed: the provider refuses a used code', async () => {
    const l = await login();
    await expect(l.finish()).resolves.toMatchObject({ subject: 'user-1234' });
    await rejects(l.finish(), 'oidc_code_rejected', /invalid_grant/, [l.callbackUrl.searchParams.get('code') ?? '']);
  });
});

describe('authentication age', () => {
  it('enforces a configured max_age on auth_time', async () => {
    const c = connector({ authorizationParams: { max_age: '300' } });
    idClaims((claims) => ({ ...claims, auth_time: Math.floor(Date.now() / 1000) - 3600 }));
    await rejectsLogin('oidc_id_token_invalid', /too much time/, c);
    op.behave({ idTokenClaims: ({ auth_time: _t, ...claims }) => claims });
    await rejectsLogin('oidc_id_token_invalid', /auth_time/, c);
  });
});

describe('email and groups from the verified claims', () => {
  it('refuses an email the provider marks unverified', async () => {
    idClaims((c) => ({ ...c, email_verified: false }));
    await rejectsLogin('oidc_email_unverified');
  });

  it('refuses a login with no email anywhere', async () => {
    op.person = { sub: 'user-1234', groups: ['admins'] };
    await rejectsLogin('oidc_email_missing');
  });

  it('reads groups from a dotted path and drops non-string members', async () => {
    op.person = { ...op.person, groups: undefined, realm_access: { roles: ['ops', 7, { a: 1 }, 'dev'] } };
    const identity = await (await login(connector({ groupsClaim: 'realm_access.roles' }))).finish();
    expect(identity.groups).toEqual(['ops', 'dev']);
  });
});

describe('discovery failures fail closed', () => {
  async function closedPort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }

  it('answers 503 when the provider is down, and discovers again on the next attempt', async () => {
    const port = await closedPort();
    const down = createOidcConnector({ id: 'down', issuer: `http://127.0.0.1:${port}`, clientId: 'x', clientSecret: 's', allowInsecureHttp: true, timeoutMs: 2000 });
    const e = await rejects(down.startLogin({ redirectUri }), 'oidc_discovery_failed');
    expect(e.status).toBe(503);

    const up = await startHostileOp({ path: '' });
    try {
      const later = createOidcConnector({ id: 'later', issuer: up.issuer, clientId: up.clientId, clientSecret: up.clientSecret, allowInsecureHttp: true });
      const hits = () => up.hits.get('/.well-known/openid-configuration') ?? 0;
      up.behave({ discovery: () => ({ broken: true }) });
      await rejects(later.startLogin({ redirectUri }), 'oidc_discovery_failed');
      up.reset();
      await expect(later.startLogin({ redirectUri })).resolves.toHaveProperty('url');
      await later.startLogin({ redirectUri });
      expect(hits()).toBe(2); // one failed, one kept
    } finally {
      await up.close();
    }
  });

  it('answers 503 within the timeout when the provider hangs', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hung = createServer((socket) => { sockets.add(socket); /* never answers */ });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as { port: number }).port;
    try {
      const c = createOidcConnector({ id: 'hung', issuer: `http://127.0.0.1:${port}`, clientId: 'x', clientSecret: 's', allowInsecureHttp: true, timeoutMs: 300 });
      const started = Date.now();
      const e = await rejects(c.startLogin({ redirectUri }), 'oidc_discovery_failed', /OAUTH_TIMEOUT/);
      expect(e.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('refuses an http issuer unless insecure http is allowed', async () => {
    await rejects((async () => createOidcConnector({ id: 'x', issuer: op.issuer, clientId: 'x', clientSecret: 's' }))(), 'oidc_config_invalid', /https/);
  });
});
