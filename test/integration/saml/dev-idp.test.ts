// The demo's stand-in Google Workspace (src/dev/saml-idp), driven headlessly over HTTP with a
// cookie jar: the SP-initiated redirect flow and the app-launcher tile both end in responses the
// SAML connector accepts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takePendingLogin, savePendingLogin } from '../../../src/http/login-state.ts';
import { createSamlConnector, type SamlConnector, type SamlConnectorOptions } from '../../../src/connectors/saml/index.ts';
import { systemClock } from '../../../src/clock.ts';
import { demoPeople } from '../../../src/dev/demo-people.ts';
import { startDevSamlIdp, type DevSamlIdp, type SigningMode } from '../../../src/dev/saml-idp/index.ts';
import { HatrackError } from '../../../src/errors.ts';
import { MemoryStore } from '../../../src/store/memory.ts';

const sp = { entityId: 'http://localhost:3999/saml/demo-google', acsUrl: 'http://localhost:3999/saml/demo-google/acs' };
const people = demoPeople();
const alice = people.find((p) => p.username === 'alice')!;
const idps: DevSamlIdp[] = [];
let idp: DevSamlIdp;

async function startIdp(signing?: SigningMode): Promise<DevSamlIdp> {
  const started = await startDevSamlIdp({ port: 0, host: '127.0.0.1', people, sp, ...(signing && { signing }) });
  idps.push(started);
  return started;
}

beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await Promise.all(idps.map((i) => i.close()));
});

function connectorFor(i: DevSamlIdp, extra: Partial<SamlConnectorOptions> = {}): { connector: SamlConnector; store: MemoryStore } {
  const store = new MemoryStore({ clock: systemClock, sweepIntervalMs: 0 });
  const connector = createSamlConnector({
    id: 'demo-google',
    displayName: 'Google Workspace (demo)',
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    idpEntityId: i.entityId,
    idpSsoUrl: i.ssoUrl,
    idpCerts: [i.certPem],
    allowIdpInitiated: true,
    ...extra,
  }, { store });
  return { connector, store };
}

/** A browser without JavaScript: follows what it is told, keeps cookies per origin. */
class Browser {
  readonly cookies = new Map<string, string>();
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
    const u = new URL(url);
    const cookie = this.cookies.get(u.origin);
    const res = await fetch(u, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        ...(cookie && { cookie }),
        ...(init.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(init.form && { body: new URLSearchParams(init.form).toString() }),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (/Max-Age=0/i.test(c)) this.cookies.delete(u.origin);
      else this.cookies.set(u.origin, pair!);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text(), headers: res.headers };
  }
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function field(html: string, name: string): string | undefined {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return m ? unescape(m[1]!) : undefined;
}

/** The auto-submitted form the IdP hands to the browser: where it posts, and its fields. */
function autoPost(html: string): { action: string; form: URLSearchParams } {
  const action = /<form id="saml-post" method="post" action="([^"]*)"/.exec(html);
  expect(action, 'an auto-submitted POST form').not.toBeNull();
  const form = new URLSearchParams({ SAMLResponse: field(html, 'SAMLResponse')! });
  const relayState = field(html, 'RelayState');
  if (relayState !== undefined) form.set('RelayState', relayState);
  // No inline script: the submit comes from the IdP's own external script.
  expect(html).toContain('<script src="/assets/autopost.js"></script>');
  expect(html).not.toMatch(/<script>/);
  return { action: unescape(action![1]!), form };
}

/** What the broker's ACS does with the POST. */
async function acs(c: { connector: SamlConnector; store: MemoryStore }, post: { action: string; form: URLSearchParams }) {
  expect(post.action).toBe(sp.acsUrl);
  const callback = { url: new URL(post.action), form: post.form };
  const pending = await takePendingLogin(c.store, c.connector.callbackState(callback));
  return c.connector.acceptResponse({ callback, pending });
}

async function signIn(b: Browser, i: DevSamlIdp, extra: Record<string, string> = {}, password = alice.password) {
  return b.request(`${i.url}/signin`, { method: 'POST', form: { username: 'alice', password, ...extra } });
}

describe('dev SAML IdP: SP-initiated (redirect) flow', () => {
  it('signs in at the form and answers the AuthnRequest with InResponseTo and the RelayState; the connector accepts it', async () => {
    const c = connectorFor(idp);
    const start = await c.connector.startLogin({ redirectUri: sp.acsUrl, returnTo: '/roles' });
    await savePendingLogin(c.store, start.pending);
    expect(start.url.startsWith(idp.ssoUrl)).toBe(true);

    const b = new Browser();
    const signInPage = await b.request(start.url);
    expect(signInPage.status).toBe(200);
    expect(signInPage.body).toContain('to continue to <strong>Hatrack</strong>');
    const request = field(signInPage.body, 'request')!;
    expect(request).toBeTruthy();

    const posted = await signIn(b, idp, { request });
    expect(posted.status).toBe(200);
    const post = autoPost(posted.body);
    expect(post.form.get('RelayState')).toBe(start.pending.state);

    const result = await acs(c, post);
    expect(result.unsolicited).toBe(false);
    expect(result.identity).toMatchObject({
      connector: 'demo-google', subject: alice.email, email: alice.email, name: alice.name, groups: alice.groups, mfa: false,
    });
  });

  it('a person already signed in at the IdP is sent straight back', async () => {
    const c = connectorFor(idp);
    const b = new Browser();
    expect((await signIn(b, idp)).location).toBe('/launcher');
    const start = await c.connector.startLogin({ redirectUri: sp.acsUrl });
    await savePendingLogin(c.store, start.pending);
    const result = await acs(c, autoPost((await b.request(start.url)).body));
    expect(result.identity.email).toBe(alice.email);
  });

  it('a wrong password gets the form again (401) and no response', async () => {
    const c = connectorFor(idp);
    const start = await c.connector.startLogin({ redirectUri: sp.acsUrl });
    const b = new Browser();
    const request = field((await b.request(start.url)).body, 'request')!;
    const posted = await signIn(b, idp, { request }, 'not-the-password');
    expect(posted.status).toBe(401);
    expect(posted.body).toContain('Wrong username or password.');
    expect(posted.body).not.toContain('SAMLResponse');
  });

  it('an AuthnRequest from an application the IdP does not know is refused (400)', async () => {
    const { connector } = connectorFor(idp, { entityId: 'http://localhost:3999/saml/someone-else' });
    const start = await connector.startLogin({ redirectUri: sp.acsUrl });
    const res = await new Browser().request(start.url);
    expect(res.status).toBe(400);
    expect(res.body).toContain('does not know');
  });
});

describe('dev SAML IdP: the app launcher tile (IdP-initiated)', () => {
  it('the tile posts an unsolicited response the connector accepts with allowIdpInitiated', async () => {
    const c = connectorFor(idp);
    const b = new Browser();
    await signIn(b, idp);
    const launcher = await b.request(idp.launcherUrl);
    expect(launcher.status).toBe(200);
    expect(launcher.body).toContain('Alice Admin');
    const tile = /<a class="tile" href="([^"]+)"/.exec(launcher.body)![1]!;
    const post = autoPost((await b.request(new URL(unescape(tile), idp.url).href)).body);
    expect(post.form.has('RelayState')).toBe(false);
    const result = await acs(c, post);
    expect(result.unsolicited).toBe(true);
    expect(result.identity.email).toBe(alice.email);
    expect(result.identity.groups).toEqual(alice.groups);
  });

  it('the same tile response is refused by a connector without allowIdpInitiated (saml_unsolicited_refused)', async () => {
    const c = connectorFor(idp, { allowIdpInitiated: false });
    const b = new Browser();
    await signIn(b, idp);
    const post = autoPost((await b.request(`${idp.url}/o/saml2/initsso?idpid=hatrack-demo&spid=hatrack`)).body);
    const err = await acs(c, post).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HatrackError);
    expect((err as HatrackError).code).toBe('saml_unsolicited_refused');
  });

  it('signed out, the tile asks to sign in first, then posts', async () => {
    const c = connectorFor(idp);
    const b = new Browser();
    const page = await b.request(`${idp.url}/o/saml2/initsso?idpid=hatrack-demo&spid=hatrack`);
    expect(field(page.body, 'continue')).toBe('tile');
    const result = await acs(c, autoPost((await signIn(b, idp, { continue: 'tile' })).body));
    expect(result.identity.email).toBe(alice.email);
  });

  it('the launcher needs a signed-in person; signing out ends the IdP session', async () => {
    const b = new Browser();
    expect((await b.request(idp.launcherUrl)).location).toBe('/signin');
    await signIn(b, idp);
    expect((await b.request(idp.launcherUrl)).status).toBe(200);
    await b.request(`${idp.url}/signout`, { method: 'POST' });
    expect((await b.request(idp.launcherUrl)).location).toBe('/signin');
  });
});

describe('dev SAML IdP: how it signs and serves', () => {
  it.each([['both', {}], ['response', { requireSignatureOn: 'response' }]] as const)('signing %s is accepted by a connector configured for it', async (signing, extra) => {
    const other = await startIdp(signing);
    const c = connectorFor(other, extra);
    const b = new Browser();
    await signIn(b, other);
    const result = await acs(c, autoPost((await b.request(`${other.url}/o/saml2/initsso?idpid=hatrack-demo&spid=hatrack`)).body));
    expect(result.identity.email).toBe(alice.email);
  });

  it('pages carry a CSP allowing only its own script, and no external assets; the auto-post page leaves form-action open for the ACS\'s redirects', async () => {
    const b = new Browser();
    const page = await b.request(`${idp.url}/signin`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    await signIn(b, idp);
    const autopost = await b.request(`${idp.url}/o/saml2/initsso?idpid=hatrack-demo&spid=hatrack`);
    expect(autopost.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(autopost.headers.get('content-security-policy')).not.toContain('form-action');
    expect(page.body).toContain('name="viewport"');
    expect(page.body).not.toMatch(/(src|href)="https?:/);
    expect((await b.request(`${idp.url}/assets/autopost.js`)).body).toContain("getElementById('saml-post').submit()");
  });

  it('publishes metadata with its entity ID, SSO URL and signing certificate', async () => {
    const res = await new Browser().request(idp.metadataUrl);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`entityID="${idp.entityId.replace(/&/g, '&amp;')}"`);
    expect(res.body).toContain(idp.certPem.split('\n')[1]!);
    expect(res.body).toContain(`Location="${idp.ssoUrl.replace(/&/g, '&amp;')}"`);
  });
});
