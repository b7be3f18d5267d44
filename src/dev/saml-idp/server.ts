// The demo's stand-in Google Workspace: a small SAML IdP on node:http with a throwaway signing key
// made at start. People sign in with the demo accounts; the app launcher shows a Hatrack tile that
// performs an IdP-initiated login (an auto-submitted POST of an unsolicited response to Hatrack's
// ACS); an AuthnRequest arriving at the SSO URL (SP-initiated, HTTP-Redirect) is answered with
// InResponseTo and its RelayState. Responses are signed as Google signs them: the Assertion by
// default, the Response alone when the app's "Signed response" is on (what the demo runs), or both.
// Offline, in memory, one process; never for production.
//
// Routes (Google's shapes where Google has one):
//   GET  /o/saml2/idp?idpid=…&SAMLRequest=…&RelayState=…   SSO URL (SP-initiated)
//   GET  /o/saml2/initsso?idpid=…&spid=hatrack               the tile (IdP-initiated)
//   GET  /signin, POST /signin, POST /signout, GET /launcher
//   GET  /o/saml2/metadata?idpid=…                            IdP metadata (entity ID, SSO URL, certificate)

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPair } from '../../aws/keys.ts';
import { escapeXmlAttr } from '../../aws/xml.ts';
import { systemClock, type Clock } from '../../clock.ts';
import { readCookie } from '../../http/cookies.ts';
import type { Logger } from '../../log.ts';
import type { DemoPerson } from '../demo-people.ts';
import { AuthnRequestRefused, readAuthnRequest } from './authn-request.ts';
import { AUTOPOST_SCRIPT, STYLESHEET, autoPostPage, errorPage, launcherPage, signInPage } from './pages.ts';
import { buildResponse, encodeResponse, signResponse, type SigningKey, type SigningMode } from './response.ts';

/** The authentication context of a sign-in with the second factor (one of the SAML connector's MFA classes). */
const MFA_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract';

export interface DevSamlIdpOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on and to use in URLs; default 127.0.0.1. */
  host?: string;
  /** Who can sign in: the demo people (username or email, and password). */
  people: readonly DemoPerson[];
  /** The one service provider (Hatrack's SAML connector): its entity ID and ACS URL. */
  sp: { entityId: string; acsUrl: string; name?: string };
  /** The IdP's entity ID; default `<url>/o/saml2?idpid=hatrack-demo`, shaped like Google's. */
  issuer?: string;
  /** What to sign: `assertion` (Google's default), `response` (Google with "Signed response" on) or `both`. */
  signing?: SigningMode;
  clock?: Clock;
  log?: Logger;
}

export interface DevSamlIdp {
  /** Base URL, e.g. http://127.0.0.1:4001. */
  url: string;
  /** Entity ID: the Issuer of every response (the connector's idpEntityId). */
  entityId: string;
  /** SSO URL for SP-initiated logins (the connector's idpSsoUrl). */
  ssoUrl: string;
  /** The signing certificate (the connector's idpCerts). */
  certPem: string;
  /** The app launcher with the Hatrack tile. */
  launcherUrl: string;
  /** The IdP's SAML metadata. */
  metadataUrl: string;
  close(): Promise<void>;
}

const IDP_ID = 'hatrack-demo';
const SP_ID = 'hatrack';
const SESSION_COOKIE = 'demo_workspace_session';
const SESSION_TTL_MS = 8 * 3600_000;
const REQUEST_TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;
const MAX_BODY = 16 * 1024;

class Expiring<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  constructor(ttlMs: number, now: () => number) {
    this.ttlMs = ttlMs;
    this.now = now;
  }
  add(value: V): string {
    if (this.#entries.size >= MAX_ENTRIES) this.sweep();
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    const key = randomBytes(24).toString('base64url');
    this.#entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    return key;
  }
  get(key: string | undefined): V | undefined {
    const e = key === undefined ? undefined : this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.#entries.delete(key!);
      return undefined;
    }
    return e.value;
  }
  take(key: string | undefined): V | undefined {
    const v = this.get(key);
    if (key !== undefined) this.#entries.delete(key);
    return v;
  }
  delete(key: string | undefined): void {
    if (key !== undefined) this.#entries.delete(key);
  }
  sweep(): void {
    const now = this.now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }
}

interface PendingRequest {
  id: string;
  relayState: string | undefined;
  forceAuthn?: boolean;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export async function startDevSamlIdp(options: DevSamlIdpOptions): Promise<DevSamlIdp> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const signing = options.signing ?? 'assertion';
  const appName = options.sp.name ?? 'Hatrack';
  const pair = await generateSigningKeyPair({ commonName: 'Hatrack demo Workspace IdP', validityYears: 5 });
  const key: SigningKey = { keyPem: pair.keyPem, certPem: pair.certPem };
  // A session: who signed in, and whether with the second factor (their one-time code).
  const sessions = new Expiring<{ username: string; mfa: boolean }>(SESSION_TTL_MS, now);
  const requests = new Expiring<PendingRequest>(REQUEST_TTL_MS, now);

  let url = '';
  let entityId = '';
  let ssoUrl = '';

  const findPerson = (login: string): DemoPerson | undefined => {
    const l = login.trim().toLowerCase();
    return options.people.find((p) => p.username.toLowerCase() === l || p.email.toLowerCase() === l);
  };
  const signedIn = (req: IncomingMessage): { person: DemoPerson; mfa: boolean } | undefined => {
    const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    const person = session === undefined ? undefined : options.people.find((p) => p.username === session.username);
    return person && session ? { person, mfa: session.mfa } : undefined;
  };

  const csp = (formAction: string | undefined) =>
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';${formAction === undefined ? '' : ` form-action ${formAction};`} base-uri 'none'; frame-ancestors 'none'`;
  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      // Forms here post to this IdP only; the auto-post page overrides this (see respond()).
      'content-security-policy': csp("'self'"),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    res.end(body);
  };
  const html = (res: ServerResponse, status: number, body: string, headers?: Record<string, string>) => send(res, status, 'text/html; charset=utf-8', body, headers);
  const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}) => {
    res.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
    res.end();
  };

  /** The response for `person`, signed, as the auto-submitted form that hands it to the ACS. */
  const respond = (res: ServerResponse, { person, mfa }: { person: DemoPerson; mfa: boolean }, request: PendingRequest | undefined) => {
    const [firstName, ...rest] = person.name.split(' ');
    const xml = buildResponse({
      issuer: entityId,
      acsUrl: options.sp.acsUrl,
      audience: options.sp.entityId,
      nameId: person.email,
      ...(request && { inResponseTo: request.id }),
      attributes: { firstName: [firstName ?? person.name], lastName: rest.length > 0 ? [rest.join(' ')] : [], groups: person.groups },
      // As Google's 2-Step Verification is told to the SP: a multi-factor authentication context.
      ...(mfa && { authnContextClassRef: MFA_CONTEXT }),
      now: clock.now(),
    });
    const samlResponse = encodeResponse(signResponse(xml, signing, key));
    options.log?.info('dev saml idp: signed in', { who: person.username, flow: request ? 'sp-initiated' : 'tile' });
    // No form-action here: browsers apply it to the redirects that follow the POST too, and the
    // ACS may send the person on anywhere (Hatrack, or straight to the AWS console from the tile).
    html(res, 200, autoPostPage({ acsUrl: options.sp.acsUrl, samlResponse, ...(request?.relayState !== undefined && { relayState: request.relayState }), appName }),
      { 'content-security-policy': csp(undefined) });
  };

  const metadata = () => `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${escapeXmlAttr(entityId)}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${key.certPem.replace(/-----[^-]+-----|\s/g, '')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escapeXmlAttr(ssoUrl)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', url);
    const route = `${req.method} ${u.pathname}`;
    switch (route) {
      case 'GET /':
        return redirect(res, '/launcher');
      case 'GET /favicon.ico':
        res.writeHead(204, { 'cache-control': 'max-age=86400' });
        return res.end();
      case 'GET /assets/idp.css':
        return send(res, 200, 'text/css; charset=utf-8', STYLESHEET, { 'cache-control': 'max-age=300' });
      case 'GET /assets/autopost.js':
        return send(res, 200, 'text/javascript; charset=utf-8', AUTOPOST_SCRIPT, { 'cache-control': 'max-age=300' });
      case 'GET /o/saml2/metadata':
        return send(res, 200, 'application/samlmetadata+xml; charset=utf-8', metadata());
      case 'GET /o/saml2/idp': {
        let request: PendingRequest;
        try {
          request = readAuthnRequest(u.searchParams, options.sp);
        } catch (e) {
          if (e instanceof AuthnRequestRefused) return html(res, 400, errorPage(e.message));
          throw e;
        }
        const session = signedIn(req);
        // ForceAuthn: the session is not enough, the person signs in again.
        if (session && !request.forceAuthn) return respond(res, session, request);
        return html(res, 200, signInPage({ request: requests.add(request), appName, usernames: options.people.map((p) => p.username) }));
      }
      case 'GET /o/saml2/initsso': {
        if (u.searchParams.get('spid') !== SP_ID) return html(res, 404, errorPage('There is no such app.'));
        const session = signedIn(req);
        if (session) return respond(res, session, undefined);
        return html(res, 200, signInPage({ continueTo: 'tile', appName, usernames: options.people.map((p) => p.username) }));
      }
      case 'GET /signin':
        return html(res, 200, signInPage({ usernames: options.people.map((p) => p.username) }));
      case 'POST /signin': {
        const form = await readBody(req);
        const requestKey = form.get('request') ?? undefined;
        const continueTo = form.get('continue') ?? undefined;
        const person = findPerson(form.get('username') ?? '');
        // The one-time code is optional: given and right, the sign-in is multi-factor.
        const code = (form.get('otp') ?? '').trim();
        const mfa = code !== '' && person !== undefined && sameSecret(code, person.otp);
        if (!person || !sameSecret(form.get('password') ?? '', person.password) || (code !== '' && !mfa)) {
          const again = signInPage({
            ...(requestKey !== undefined && { request: requestKey }),
            ...(continueTo !== undefined && { continueTo }),
            ...((requestKey !== undefined || continueTo !== undefined) && { appName }),
            error: 'Wrong username or password.',
            usernames: options.people.map((p) => p.username),
          });
          return html(res, 401, again);
        }
        const session = sessions.add({ username: person.username, mfa });
        const cookie = `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax`;
        if (requestKey !== undefined) {
          const request = requests.take(requestKey);
          if (!request) return html(res, 400, errorPage('This sign-in request has expired. Start again at the app.'), { 'set-cookie': cookie });
          res.setHeader('set-cookie', cookie);
          return respond(res, { person, mfa }, request);
        }
        if (continueTo === 'tile') {
          res.setHeader('set-cookie', cookie);
          return respond(res, { person, mfa }, undefined);
        }
        return redirect(res, '/launcher', { 'set-cookie': cookie });
      }
      case 'POST /signout':
        sessions.delete(readCookie(req.headers.cookie, SESSION_COOKIE));
        return redirect(res, '/signin', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
      case 'GET /launcher': {
        const session = signedIn(req);
        if (!session) return redirect(res, '/signin');
        return html(res, 200, launcherPage({
          email: session.person.email,
          name: session.person.name,
          tiles: [{ name: appName, href: `/o/saml2/initsso?idpid=${IDP_ID}&spid=${SP_ID}&forceauthn=false` }],
        }));
      }
      default:
        return html(res, 404, errorPage('Not found.'));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      options.log?.error('dev saml idp: request failed', { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) html(res, 500, errorPage('Something went wrong.'));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  entityId = options.issuer ?? `${url}/o/saml2?idpid=${IDP_ID}`;
  ssoUrl = `${url}/o/saml2/idp?idpid=${IDP_ID}`;

  return {
    url,
    entityId,
    ssoUrl,
    certPem: key.certPem,
    launcherUrl: `${url}/launcher`,
    metadataUrl: `${url}/o/saml2/metadata?idpid=${IDP_ID}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
