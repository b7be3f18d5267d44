// The demo OpenID provider: the certified `oidc-provider` package with a real login step. Its own
// dev interactions accept any password, so this file supplies the interaction: a small login form
// (no external assets, readable on a phone) that checks the person's password. Consent is granted
// automatically, as every client registered here is first-party. Authorization code flow only,
// PKCE required, ID tokens signed RS256 with a key generated at each start. Plain http is fine:
// it is meant for 127.0.0.1 and localhost, never for production.

import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Logger } from '../log.ts';

export interface DevOidcPerson {
  /** What is typed into the login form; the email is accepted too. */
  username: string;
  sub: string;
  email: string;
  name: string;
  groups: readonly string[];
  password: string;
  /** A one-time code that, typed with the password, makes the sign-in multi-factor (amr `otp`). */
  otp?: string;
}

export interface DevOidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** Default client_secret_basic; client_secret_post for client software that sends the secret in the body. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  /**
   * false for client software that cannot send PKCE (passport-openidconnect 0.1, in the generic
   * connector's tests); every other client must.
   */
  pkce?: false;
}

export interface DevOidcProviderOptions {
  /** Issuer URL (origin only, no path). Default `http://<host>:<port>`. */
  issuer?: string;
  /** Port to listen on. Default: the issuer's port when an issuer is given, otherwise a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. With 0.0.0.0 (a phone on the LAN), pass the issuer too. */
  host?: string;
  clients: DevOidcClient[];
  people: readonly DevOidcPerson[];
  log?: Logger;
}

export interface DevOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

/** Failed password attempts allowed per login before it is ended with access_denied. */
const MAX_ATTEMPTS = 5;
const MAX_FORM_BYTES = 16 * 1024;

export async function startDevOidcProvider(options: DevOidcProviderOptions): Promise<DevOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  const issuerUrl = options.issuer === undefined ? undefined : new URL(options.issuer);
  if (issuerUrl && (issuerUrl.pathname !== '/' || issuerUrl.search || issuerUrl.hash)) {
    throw new Error('the dev OpenID provider issuer must be an origin without path');
  }
  const port = options.port ?? (issuerUrl ? Number(issuerUrl.port || (issuerUrl.protocol === 'https:' ? 443 : 80)) : 0);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const issuer = issuerUrl ? issuerUrl.origin : `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${actualPort}`;

  // Imported here, not at the top: oidc-provider warns about Node 20 as it loads, and only the
  // demo needs it.
  const { default: ProviderClass } = await import('oidc-provider');
  const people = new Map(options.people.map((p) => [p.sub, p]));
  const provider = new ProviderClass(issuer, configuration(options, people));
  provider.proxy = false;
  const oidc = provider.callback();
  const attempts = new Map<string, number>();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const uid = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec(path)?.[1];
    if (uid === undefined) {
      oidc(req, res);
      return;
    }
    interaction(provider, req, res, uid).catch((e: unknown) => {
      const expired = e instanceof Error && e.name === 'SessionNotFound';
      if (!expired) options.log?.error('dev oidc provider interaction failed', { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) {
        send(res, expired ? 400 : 500, page('Sign-in', `<p class="err">${expired
          ? 'This sign-in has expired or was already finished. Go back to Hatrack and start again.'
          : 'Something went wrong. Go back to Hatrack and start again.'}</p>`));
      }
    });
  });

  async function interaction(p: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) {
      send(res, 400, page('Sign-in', '<p class="err">This sign-in does not belong to this browser. Start again.</p>'));
      return;
    }
    const prompt = details.prompt.name;
    if (prompt === 'consent') {
      // First-party clients only: consent is implied. loadExistingGrant normally skips this prompt.
      const grant = await firstPartyGrant(p, details.session?.accountId, String(details.params.client_id), String(details.params.scope ?? 'openid'));
      await p.interactionFinished(req, res, { consent: { grantId: grant } }, { mergeWithLastSubmission: true });
      return;
    }
    if (prompt !== 'login') {
      send(res, 400, page('Sign-in', '<p class="err">This sign-in step is not supported.</p>'));
      return;
    }
    if (req.method === 'GET') {
      send(res, 200, loginPage(uid, String(details.params.client_id ?? '')));
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, page('Sign-in', '<p class="err">Method not allowed.</p>'));
      return;
    }

    const form = await readForm(req);
    if (form === undefined) {
      send(res, 400, page('Sign-in', '<p class="err">The form could not be read.</p>'));
      return;
    }
    if (form.has('cancel')) {
      await p.interactionFinished(req, res, { error: 'access_denied', error_description: 'The sign-in was cancelled.' }, { mergeWithLastSubmission: false });
      return;
    }
    const login = (form.get('login') ?? '').trim().toLowerCase();
    const person = options.people.find((x) => x.username.toLowerCase() === login || x.email.toLowerCase() === login);
    // The one-time code is optional: given and right, the sign-in is multi-factor (amr otp).
    const otp = (form.get('otp') ?? '').trim();
    const secondFactor = otp !== '' && person?.otp !== undefined && samePassword(otp, person.otp);
    if (person && samePassword(form.get('password') ?? '', person.password) && (otp === '' || secondFactor)) {
      attempts.delete(uid);
      options.log?.info('dev oidc provider sign-in', { user: person.username, mfa: secondFactor });
      await p.interactionFinished(req, res, { login: { accountId: person.sub, amr: secondFactor ? ['pwd', 'otp'] : ['pwd'], remember: false } }, { mergeWithLastSubmission: false });
      return;
    }
    const failed = (attempts.get(uid) ?? 0) + 1;
    attempts.set(uid, failed);
    // The typed name is not logged: people type passwords into the wrong field.
    options.log?.info('dev oidc provider sign-in refused', { attempt: failed });
    if (failed >= MAX_ATTEMPTS) {
      attempts.delete(uid);
      await p.interactionFinished(req, res, { error: 'access_denied', error_description: 'Too many failed sign-in attempts.' }, { mergeWithLastSubmission: false });
      return;
    }
    send(res, 401, loginPage(uid, String(details.params.client_id ?? ''), 'Wrong username or password.', login));
  }

  return {
    issuer,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function configuration(options: DevOidcProviderOptions, people: Map<string, DevOidcPerson>): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
  const withoutPkce = new Set(options.clients.filter((c) => c.pkce === false).map((c) => c.client_id));
  return {
    adapter: memoryAdapter(),
    clients: options.clients.map(({ pkce: _pkce, ...c }) => ({
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      // auth_time and amr in every ID token: the broker reads how and when the person signed in.
      openid: ['sub', 'auth_time', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
      amr: null,
      acr: null,
      auth_time: null,
      sid: null,
      iss: null,
    },
    responseTypes: ['code'],
    pkce: { required: (_ctx, client) => !withoutPkce.has(client.clientId) },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sign out', `${form}<p>Sign out of the demo identity provider?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Signed out', '<p>You are signed out of the demo identity provider.</p>');
        },
      },
    },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: person.email, email_verified: true, name: person.name, groups: [...person.groups] }),
      };
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return undefined;
      const id = await firstPartyGrant(ctx.oidc.provider, accountId, ctx.oidc.client!.clientId, [...ctx.oidc.requestParamScopes].join(' '));
      return ctx.oidc.provider.Grant.find(id);
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p class="err">${esc(String(out.error))}${out.error_description ? `: ${esc(String(out.error_description))}` : ''}</p>`);
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 10 * 60,
      AuthorizationCode: 60,
      IdToken: 10 * 60,
      Interaction: 10 * 60,
      Session: 8 * 60 * 60,
      Grant: 8 * 60 * 60,
    },
  };
}

async function firstPartyGrant(p: Provider, accountId: string | undefined, clientId: string, scope: string): Promise<string> {
  if (!accountId) throw new Error('consent before login');
  const grant = new p.Grant({ accountId, clientId });
  grant.addOIDCScope(scope.split(' ').filter((s) => ['openid', 'email', 'profile', 'groups'].includes(s)).join(' '));
  return grant.save();
}

function samePassword(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

function loginPage(uid: string, clientId: string, error?: string, login = ''): string {
  return page('Sign in', `${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<p>Sign in to continue to <strong>${esc(clientId)}</strong>.</p>
<form method="post" action="/interaction/${esc(uid)}" autocomplete="on">
<input type="hidden" name="prompt" value="login">
<label for="login">Username or email</label>
<input id="login" name="login" type="text" value="${esc(login)}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time code <span class="tag">(optional: your second factor, for multi-factor sign-in)</span></label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
<button type="submit">Sign in</button>
<button type="submit" name="cancel" value="1" class="secondary" formnovalidate>Cancel</button>
</form>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Demo identity provider</title>
<style>
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.35rem;margin:0 0 .25rem}.tag{color:#6b7280;font-size:.85rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;font-size:1rem;padding:.7rem;border:1px solid #9ca3af;border-radius:.5rem}
button{display:block;width:100%;margin-top:1rem;padding:.75rem;font-size:1rem;font-weight:600;border:0;border-radius:.5rem;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:transparent;color:#1d4ed8;margin-top:.5rem}
.err{background:#fee2e2;color:#991b1b;padding:.6rem .75rem;border-radius:.5rem}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f9fafb}main{background:#1f2937}input[type=text],input[type=password]{background:#111827;color:#f9fafb}}
</style></head>
<body><main><h1>${esc(title)}</h1><p class="tag">Demo identity provider · not for real accounts</p>
${body}
</main></body></html>`;
}

/** Per-provider in-memory storage for oidc-provider, with expiry and one-time consumption. */
function memoryAdapter(): (model: string) => Adapter {
  const items = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();
  const live = (key: string | undefined) => {
    if (key === undefined) return undefined;
    const item = items.get(key);
    if (item && item.expiresAt <= Date.now()) items.delete(key);
    return items.get(key)?.payload;
  };
  const sweep = () => {
    const now = Date.now();
    for (const [k, v] of items) if (v.expiresAt <= now) items.delete(k);
  };
  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        if (items.size > 10_000) sweep();
        items.set(key(id), { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
        if (payload.uid) byUid.set(payload.uid, key(id));
        if (payload.userCode) byUserCode.set(payload.userCode, key(id));
        if (payload.grantId) {
          const members = byGrant.get(payload.grantId) ?? new Set<string>();
          members.add(key(id));
          byGrant.set(payload.grantId, members);
        }
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        return live(byUid.get(uid));
      },
      async findByUserCode(userCode) {
        return live(byUserCode.get(userCode));
      },
      async consume(id) {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        items.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const k of byGrant.get(grantId) ?? []) items.delete(k);
        byGrant.delete(grantId);
      },
    };
  };
}
