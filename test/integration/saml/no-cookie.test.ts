// SECURITY.md W2 and R6 through the real broker: two `hatrack serve` processes with one
// configuration, sharing one Redis. Google's POST to the ACS arrives cross-site, so it carries no
// SameSite=Lax cookie; the ACS must work with no cookie at all. A tile (IdP-initiated) login signs
// in at the ACS of either process; an SP-initiated one started on the first process is answered at
// the second one's ACS, finished at its same-site GET (C4), and the session then works on both.
// A CLI login asked of one process is approved and used at the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAuthnRequest } from '../../../src/dev/saml-idp/authn-request.ts';
import { freePort } from '../../support/redis.ts';
import { IDP, makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

const hatrackBin = fileURLToPath(new URL('../../../bin/hatrack.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hatrack-two-processes-'));
const processes: ChildProcess[] = [];
let k: Keys;
let publicUrl: string;
/** Where each process listens: the first one's address is also the public URL. */
let first: string;
let second: string;

async function serve(port: number, config: string, name: string): Promise<string> {
  const cwd = mkdtempSync(join(dir, `${name}-`));
  const child = spawn(process.execPath, [hatrackBin, 'serve', '--config', config], {
    cwd, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  processes.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return url;
    if (child.exitCode !== null) throw new Error(`hatrack serve (${name}) exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hatrack serve (${name}) did not answer /healthz`);
}

beforeAll(async () => {
  k = await testKeys();
  const [p1, p2] = [await freePort(), await freePort()];
  publicUrl = `http://localhost:${p1}`;
  writeFileSync(join(dir, 'idp.pem'), k.idp.certPem);
  const saml = (id: string, allowIdpInitiated: boolean) => [
    `  - id: ${id}`, '    type: saml', `    idpEntityId: "${IDP.entityId}"`, `    idpSsoUrl: "${IDP.ssoUrl}"`,
    `    idpCerts: [${JSON.stringify(join(dir, 'idp.pem'))}]`, `    allowIdpInitiated: ${allowIdpInitiated}`, '    allowInsecureHttp: true',
  ];
  const config = join(dir, 'hatrack.yaml');
  writeFileSync(config, [
    `publicUrl: ${publicUrl}`,
    'store:',
    `  redis: ${inject('redisUrl')}`,
    `  keyPrefix: "hatrack-two-${p1}:"`,
    'session:',
    '  secret: two-processes-share-this-secret-0123456789',
    'connectors:',
    ...saml('google', true),
    ...saml('strict', false),
    'accounts: { prod: "111111111111" }',
    'roles:',
    '  - { group: "aws-admins@corp.example", role: "arn:aws:iam::{prod}:role/Admin" }',
    '',
  ].join('\n'));
  [first, second] = await Promise.all([serve(p1, config, 'first'), serve(p2, config, 'second')]);
}, 60_000);

afterAll(() => {
  for (const p of processes) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** The browser's cross-site form POST: no Cookie header at all, an Origin of another site. */
function crossSitePost(to: string, path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${to}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://accounts.google.com' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** `name=value` of each Set-Cookie, for sending back. */
function cookiesOf(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]).filter(([, v]) => v !== ''));
}

const cookieHeader = (...jars: Map<string, string>[]) => jars.flatMap((j) => [...j]).map(([n, v]) => `${n}=${v}`).join('; ');

async function signedInAs(at: string, cookie: string): Promise<string | undefined> {
  const page = await (await fetch(`${at}/`, { headers: { cookie } })).text();
  return /data-testid="signed-in-as"[^>]*>([^<]+)</.exec(page)?.[1];
}

// The processes run on the real clock, not the test IdP's frozen one.
const forUs = (connector = 'google') => ({ acsUrl: `${publicUrl}/saml/${connector}/acs`, audience: `${publicUrl}/saml/${connector}/metadata`, now: new Date() });

describe('the ACS of the running broker, with no cookie, across two processes', () => {
  it('W2 a tile response is accepted at either process with no cookie, and its session works on both (R6)', async () => {
    const res = await crossSitePost(second, '/saml/google/acs', { SAMLResponse: makeResponse(k, { spec: forUs() }).samlResponse });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${publicUrl}/`);
    const session = cookieHeader(cookiesOf(res));
    expect(session).toMatch(/^hatrack=/);
    expect(await signedInAs(second, session)).toBe('alice@corp.example');
    expect(await signedInAs(first, session)).toBe('alice@corp.example');
  });

  it('W2 S28 the same tile response is refused by a connector without allowIdpInitiated', async () => {
    const res = await crossSitePost(first, '/saml/strict/acs', { SAMLResponse: makeResponse(k, { spec: forUs('strict') }).samlResponse });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('saml_unsolicited_refused');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('W2 R6 C4 an SP-initiated login started on one process is answered at the other with no cookie, and finished in the browser that began it', async () => {
    const start = await fetch(`${first}/login/google?returnTo=${encodeURIComponent('/?from=login')}`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const browser = cookiesOf(start);
    const request = readAuthnRequest(new URL(start.headers.get('location')!).searchParams, { entityId: forUs().audience, acsUrl: forUs().acsUrl });
    const response = makeResponse(k, { spec: { ...forUs(), inResponseTo: request.id } });

    const acs = await crossSitePost(second, '/saml/google/acs', { SAMLResponse: response.samlResponse, RelayState: request.relayState! });
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe(`${publicUrl}/saml/google/finish`);
    const ticket = cookiesOf(acs);
    expect([...ticket.keys()]).toEqual(['hatrack-finish']);

    // The same-site GET that follows carries the browser's cookies: the session from /login and the ticket.
    const finish = await fetch(`${second}/saml/google/finish`, { redirect: 'manual', headers: { cookie: cookieHeader(browser, ticket) } });
    expect(finish.status).toBe(303);
    expect(finish.headers.get('location')).toBe(`${publicUrl}/?from=login`);
    const session = cookieHeader(new Map([...cookiesOf(finish)].filter(([n]) => n === 'hatrack')));
    expect(await signedInAs(first, session)).toBe('alice@corp.example');

    // The ticket was one-time: used again, even with the right session, it signs no one in.
    const again = await fetch(`${first}/saml/google/finish`, { redirect: 'manual', headers: { cookie: cookieHeader(browser, ticket) } });
    expect(again.status).toBe(401);
  });

  it('C4 the answer to an SP-initiated login does not finish in another browser', async () => {
    const start = await fetch(`${first}/login/google`, { redirect: 'manual' });
    const request = readAuthnRequest(new URL(start.headers.get('location')!).searchParams, { entityId: forUs().audience, acsUrl: forUs().acsUrl });
    const acs = await crossSitePost(second, '/saml/google/acs', {
      SAMLResponse: makeResponse(k, { spec: { ...forUs(), inResponseTo: request.id } }).samlResponse, RelayState: request.relayState!,
    });
    expect(acs.status).toBe(303);
    // Another browser: it has the ticket (the ACS answered it) but not the session that began the login.
    const finish = await fetch(`${first}/saml/google/finish`, { redirect: 'manual', headers: { cookie: cookieHeader(cookiesOf(acs)) } });
    expect(finish.status).toBe(401);
    const page = await finish.text();
    expect(page).toContain('login_state_mismatch');
    expect(page).toContain('not started in this browser');
    expect(finish.headers.getSetCookie().some((c) => /^hatrack=[^;]/.test(c))).toBe(false);
  });
});

describe('a CLI login across two processes (R6)', () => {
  it('a device code asked of one process is approved at the other, redeemed at the first, and its token works at both', async () => {
    const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
    const started = await (await fetch(`${first}/oauth/device/code`, form({ client_id: 'hatrack-cli' }))).json() as { device_code: string; user_code: string };

    const tile = await crossSitePost(second, '/saml/google/acs', { SAMLResponse: makeResponse(k, { spec: forUs() }).samlResponse });
    const session = cookieHeader(cookiesOf(tile));
    const confirm = await (await fetch(`${second}/device?user_code=${started.user_code}`, { headers: { cookie: session } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm)![1]!;
    const approved = await fetch(`${second}/device`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session, origin: publicUrl },
      body: new URLSearchParams({ _csrf: csrf, user_code: started.user_code, decision: 'approve' }).toString(),
    });
    expect(approved.status).toBe(200);

    const token = await fetch(`${first}/oauth/token`, form({ client_id: 'hatrack-cli', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.device_code }));
    expect(token.status).toBe(200);
    const { access_token: accessToken } = await token.json() as { access_token: string };
    for (const at of [first, second]) {
      const roles = await fetch(`${at}/api/roles`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(roles.status, at).toBe(200);
      expect(await roles.json()).toMatchObject({ email: 'alice@corp.example', roles: [{ arn: 'arn:aws:iam::111111111111:role/Admin' }] });
    }
    // Revoked at the second, it is dead at the first too.
    expect((await fetch(`${second}/oauth/revoke`, form({ client_id: 'hatrack-cli', token: accessToken }))).status).toBe(200);
    expect((await fetch(`${first}/api/roles`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });
});
