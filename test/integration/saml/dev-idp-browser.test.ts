// The stand-in Google Workspace in headless Chromium, cross-site for real: the IdP on 127.0.0.1
// and a bare ACS on localhost (different sites, so SameSite=Lax cookies behave as they do between
// accounts.google.com and Hatrack). Shows in a real browser what the HTTP layer can rely on (W2):
// - the IdP's page auto-submits its POST with its own external script under its CSP;
// - a Lax cookie the browser holds for the SP is NOT sent with that cross-site POST, and the
//   connector signs the person in without it (state lives in the store);
// - a Lax cookie set on the ACS's 303 answer IS kept and sent with the next top-level GET.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savePendingLogin, takePendingLogin } from '../../../src/http/login-state.ts';
import { createSamlConnector, type SamlConnector } from '../../../src/connectors/saml/index.ts';
import { systemClock } from '../../../src/clock.ts';
import { demoPeople } from '../../../src/dev/demo-people.ts';
import { startDevSamlIdp, type DevSamlIdp } from '../../../src/dev/saml-idp/index.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { launchBrowser, type TestBrowser } from '../../support/browser.ts';

const people = demoPeople();
const alice = people.find((p) => p.username === 'alice')!;

interface Seen { path: string; cookie: string | undefined; email?: string; unsolicited?: boolean; error?: string }

let sp: Server;
let spUrl: string;
let idp: DevSamlIdp;
let connector: SamlConnector;
let store: MemoryStore;
let browser: TestBrowser;
const seen: Seen[] = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  // A bare SP standing in for the broker's routes: /prime sets a Lax cookie, /login starts an
  // SP-initiated login, /saml/demo-google/acs is the ACS, /landed shows what came back.
  sp = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', spUrl).pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (path === '/prime') {
      res.writeHead(200, { 'set-cookie': 'earlier=1; Path=/; HttpOnly; SameSite=Lax', 'content-type': 'text/plain' }).end('primed');
    } else if (path === '/login') {
      const start = await connector.startLogin({ redirectUri: `${spUrl}/saml/demo-google/acs` });
      await savePendingLogin(store, start.pending);
      res.writeHead(303, { location: start.url }).end();
    } else if (path === '/saml/demo-google/acs' && req.method === 'POST') {
      const entry: Seen = { path, cookie: req.headers.cookie };
      seen.push(entry);
      try {
        const callback = { url: new URL(req.url!, spUrl), form: new URLSearchParams(await body(req)) };
        const pending = await takePendingLogin(store, connector.callbackState(callback));
        const result = await connector.acceptResponse({ callback, pending });
        entry.email = result.identity.email;
        entry.unsolicited = result.unsolicited;
        res.writeHead(303, { location: '/landed', 'set-cookie': 'session=fresh; Path=/; HttpOnly; SameSite=Lax' }).end();
      } catch (e) {
        entry.error = isHatrackError(e) ? e.code : String(e);
        res.writeHead(401, { 'content-type': 'text/plain' }).end('refused');
      }
    } else if (path === '/landed') {
      seen.push({ path, cookie: req.headers.cookie });
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>landed</title><h1>Signed in</h1>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => sp.listen(0, '127.0.0.1', r));
  // localhost and 127.0.0.1 are different sites: the POST from the IdP to the ACS is cross-site.
  spUrl = `http://localhost:${(sp.address() as AddressInfo).port}`;
  idp = await startDevSamlIdp({ host: '127.0.0.1', people, sp: { entityId: `${spUrl}/saml/demo-google`, acsUrl: `${spUrl}/saml/demo-google/acs` } });
  store = new MemoryStore({ clock: systemClock, sweepIntervalMs: 0 });
  connector = createSamlConnector({
    id: 'demo-google', entityId: `${spUrl}/saml/demo-google`, acsUrl: `${spUrl}/saml/demo-google/acs`,
    idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, idpCerts: [idp.certPem], allowIdpInitiated: true,
  }, { store });
  browser = await launchBrowser({ viewport: { width: 390, height: 844 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await idp?.close();
  await new Promise((r) => sp?.close(r));
});

async function signInAtIdp(): Promise<void> {
  const page = browser.page;
  await page.fill('#username', 'alice');
  await page.fill('#password', alice.password);
  await page.click('button[type=submit]');
}

describe('dev SAML IdP in Chromium, cross-site', () => {
  it('the tile: sign in at the launcher, click Hatrack, the auto-submitted POST signs in with no cookie at the ACS', async () => {
    await browser.reset();
    seen.length = 0;
    const page = browser.page;
    await page.goto(`${spUrl}/prime`);
    await page.goto(idp.launcherUrl);
    await signInAtIdp();
    await page.waitForURL(`${idp.url}/launcher`);
    await page.click('a.tile');
    await page.waitForURL(`${spUrl}/landed`);
    expect(await page.textContent('h1')).toBe('Signed in');

    const [acs, landed] = seen;
    expect(acs).toMatchObject({ path: '/saml/demo-google/acs', email: alice.email, unsolicited: true });
    // SameSite=Lax held the earlier cookie back from the cross-site POST: the ACS needs none.
    expect(acs!.cookie ?? '').not.toContain('earlier=1');
    // The cookie set on the 303 was kept, and Lax cookies ride along the top-level GET after it.
    expect(landed!.cookie).toContain('session=fresh');
    expect(landed!.cookie).toContain('earlier=1');
    expect(browser.problems).toEqual([]);
  });

  it('the redirect: start at the SP, sign in at the IdP, the POST comes back with RelayState and InResponseTo', async () => {
    await browser.reset();
    seen.length = 0;
    const page = browser.page;
    await page.goto(`${spUrl}/prime`);
    await page.goto(`${spUrl}/login`);
    expect(await page.textContent('main')).toContain('to continue to Hatrack');
    await signInAtIdp();
    await page.waitForURL(`${spUrl}/landed`);

    const [acs] = seen;
    expect(acs).toMatchObject({ path: '/saml/demo-google/acs', email: alice.email, unsolicited: false });
    expect(acs!.cookie ?? '').not.toContain('earlier=1');
    expect(browser.problems).toEqual([]);
  });
});
