// SECURITY.md W2 and R6: Google's POST to the ACS arrives cross-site, so a SameSite=Lax session
// cookie is not sent with it. The connector never sees cookies — its login state lives in the
// shared store — so the ACS works with no cookie at all: shown here through a bare node:http ACS
// (standing in for the broker's route) that reads the form and nothing else, with requests that
// carry no Cookie header, and with the login started on one "process" and finished on another.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { takePendingLogin } from '../../../src/connectors/connector.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { FixedClock } from '../../../src/clock.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { harness, start, type Harness } from '../../support/saml/harness.ts';
import { NOW, SP, makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

let k: Keys;
const servers: Server[] = [];
beforeAll(async () => {
  k = await testKeys();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

interface Seen { cookie: string | undefined }

/** A minimal ACS in front of `h.connector`: body → form → pending login (by RelayState) → identity. */
async function acsServer(h: Harness, seen: Seen[]): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      seen.push({ cookie: req.headers.cookie });
      try {
        const callback = { url: new URL(req.url ?? '/', SP.acsUrl), form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
        const pending = await takePendingLogin(h.store, h.connector.callbackState(callback));
        const result = await h.connector.acceptResponse({ callback, pending });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          email: result.identity.email, unsolicited: result.unsolicited, returnTo: pending?.returnTo ?? '/',
        }));
      } catch (e) {
        res.writeHead(isHatrackError(e) ? e.status : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: isHatrackError(e) ? e.code : 'internal' }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/saml/google/acs`;
}

/** The browser's cross-site form POST, without cookies (SameSite=Lax holds them back). */
async function crossSitePost(acs: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(acs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://accounts.google.com' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

describe('the ACS with no cookie at all', () => {
  it('W2 an unsolicited response (the tile) is accepted with no cookie when allowIdpInitiated', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const seen: Seen[] = [];
    const acs = await acsServer(h, seen);
    const r = makeResponse(k);
    const res = await crossSitePost(acs, { SAMLResponse: r.samlResponse });
    expect(res).toEqual({ status: 200, body: { email: 'alice@corp.example', unsolicited: true, returnTo: '/' } });
    expect(seen).toEqual([{ cookie: undefined }]);
  });

  it('W2 S28 the same unsolicited response is refused without allowIdpInitiated', async () => {
    const h = harness(k);
    const seen: Seen[] = [];
    const acs = await acsServer(h, seen);
    const res = await crossSitePost(acs, { SAMLResponse: makeResponse(k).samlResponse });
    expect(res).toEqual({ status: 401, body: { error: 'saml_unsolicited_refused' } });
    expect(h.store.written().filter((key) => key.startsWith('saml-assertion:'))).toEqual([]);
  });

  it('W2 R6 an SP-initiated login started on one process finishes on another, no cookie, returnTo kept server-side', async () => {
    const clock = new FixedClock(NOW);
    const shared = new MemoryStore({ clock, sweepIntervalMs: 0 });
    const first = harness(k, {}, new MemoryStore({ clock, shareWith: shared, sweepIntervalMs: 0 }));
    const second = harness(k, {}, new MemoryStore({ clock, shareWith: shared, sweepIntervalMs: 0 }));
    const s = await start(first, '/roles?account=prod');
    const seen: Seen[] = [];
    const acs = await acsServer(second, seen);
    const r = makeResponse(k, { spec: { inResponseTo: s.pending.requestId } });
    const res = await crossSitePost(acs, { SAMLResponse: r.samlResponse, RelayState: s.pending.state });
    expect(res).toEqual({ status: 200, body: { email: 'alice@corp.example', unsolicited: false, returnTo: '/roles?account=prod' } });
    expect(seen).toEqual([{ cookie: undefined }]);
  });
});
