// A small OpenID provider under the test's full control, for proving that the OIDC connector refuses
// what a broken or malicious provider sends (SECURITY.md O1–O20). It behaves correctly by default:
// discovery, JWKS, an authorization endpoint that redirects straight back with a code, a token
// endpoint that checks client secret, one-time codes, redirect_uri and PKCE S256, and UserInfo.
// Each test then bends one thing through `op.behave({...})`. JWTs are assembled by hand with
// node:crypto so that any header, claim set or signature can be produced.

import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Claims = Record<string, unknown>;

export type Signing =
  | 'rs256' // correct: RS256 with the current published key
  | 'none' // alg none, empty signature
  | 'hs256-client-secret' // HS256 keyed with the client secret
  | 'es256-published' // ES256 with an EC key that is published in the JWKS
  | 'rs256-bad-signature' // RS256, payload changed after signing
  | 'rs256-unpublished-key'; // RS256 by a key that is not in the JWKS, claiming the current kid

export interface Behaviour {
  /** Rewrites the ID token claims (return the new set). */
  idTokenClaims?: (claims: Claims) => Claims;
  /** Rewrites the ID token header after `alg`/`kid` are set. */
  idTokenHeader?: (header: Claims) => Claims;
  signing?: Signing;
  /** Rewrites the UserInfo response. */
  userinfoClaims?: (claims: Claims) => Claims;
  /** Rewrites the discovery document. */
  discovery?: (doc: Claims) => Claims;
  /** Rewrites the parameters of the redirect back to the client. */
  authorizationResponse?: (params: URLSearchParams) => void;
}

export interface Person {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  groups?: unknown;
  amr?: unknown;
  [claim: string]: unknown;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | null;
  used: boolean;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Claims;
}

const b64u = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

export interface HostileOp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The person the next logins are for; change freely. */
  person: Person;
  /** Requests per path, for asserting what the client fetched. */
  readonly hits: Map<string, number>;
  /** Query of the last authorization request. */
  lastAuthorizationRequest?: URLSearchParams;
  behave(b: Behaviour): void;
  reset(): void;
  /** Publishes a new RSA key with a new kid and signs with it from now on (until reset). Returns the kid. */
  rotateKey(options?: { keepOld?: boolean }): string;
  /** Kid of the key ID tokens are signed with now. */
  readonly currentKid: string;
  /** Signs with a key made earlier (published or retired). */
  signWith(kid: string): void;
  /** Plays the browser at the authorization endpoint: returns the URL the OP redirects back to. */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startHostileOp(options: { clientId?: string; clientSecret?: string; path?: string } = {}): Promise<HostileOp> {
  const clientId = options.clientId ?? 'hatrack-test';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const path = options.path ?? '/hostile';
  const firstKey = rsaKey('key-1');
  let signingKey = firstKey;
  const allKeys = new Map<string, SigningKey>([[signingKey.kid, signingKey]]);
  let publishedKeys: SigningKey[] = [signingKey];
  const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecJwk = { ...ecKeys.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig', alg: 'ES256' };
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, Person>();
  const hits = new Map<string, number>();
  let behaviour: Behaviour = {};
  let issuer = '';

  const defaultPerson = (): Person => ({
    sub: 'user-1234',
    email: 'dana@example.com',
    email_verified: true,
    name: 'Dana Scully',
    groups: ['admins', 'auditors'],
    amr: ['pwd', 'mfa'],
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

  const op: HostileOp = {
    issuer,
    clientId,
    clientSecret,
    person: defaultPerson(),
    hits,
    behave(b) {
      behaviour = { ...behaviour, ...b };
    },
    reset() {
      behaviour = {};
      op.person = defaultPerson();
      signingKey = firstKey;
      publishedKeys = [firstKey];
    },
    rotateKey(opts = {}) {
      const next = rsaKey(`key-${allKeys.size + 1}-${randomBytes(4).toString('hex')}`);
      allKeys.set(next.kid, next);
      publishedKeys = opts.keepOld ? [...publishedKeys, next] : [next];
      signingKey = next;
      return next.kid;
    },
    get currentKid() {
      return signingKey.kid;
    },
    signWith(kid) {
      const key = allKeys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      signingKey = key;
    },
    async authorize(authorizationUrl) {
      const res = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`authorization endpoint answered ${res.status}`);
      return new URL(location);
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  function jwt(claims: Claims): string {
    const signing = behaviour.signing ?? 'rs256';
    const alg = { none: 'none', 'hs256-client-secret': 'HS256', 'es256-published': 'ES256' }[signing as string] ?? 'RS256';
    const kid = signing === 'es256-published' ? 'ec-1' : signing === 'none' || signing === 'hs256-client-secret' ? undefined : signingKey.kid;
    let header: Claims = { alg, typ: 'JWT', ...(kid !== undefined && { kid }) };
    if (behaviour.idTokenHeader) header = behaviour.idTokenHeader(header);
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    switch (signing) {
      case 'none':
        return `${input}.`;
      case 'hs256-client-secret':
        return `${input}.${b64u(createHmac('sha256', clientSecret).update(input).digest())}`;
      case 'es256-published':
        return `${input}.${b64u(sign('sha256', Buffer.from(input), { key: ecKeys.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
      case 'rs256-bad-signature': {
        const signature = b64u(sign('sha256', Buffer.from(input), signingKey.privateKey));
        const tampered = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify({ ...claims, groups: ['admins', 'root'] }))}`;
        return `${tampered}.${signature}`;
      }
      case 'rs256-unpublished-key': {
        const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        return `${input}.${b64u(sign('sha256', Buffer.from(input), rogue))}`;
      }
      default:
        return `${input}.${b64u(sign('sha256', Buffer.from(input), signingKey.privateKey))}`;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const route = url.pathname.startsWith(path) ? url.pathname.slice(path.length) : url.pathname;

    if (route === '/.well-known/openid-configuration') {
      let doc: Claims = {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email', 'profile', 'groups'],
      };
      if (behaviour.discovery) doc = behaviour.discovery(doc);
      return json(res, 200, doc);
    }

    if (route === '/jwks') {
      return json(res, 200, { keys: [...publishedKeys.map((k) => k.jwk), ecJwk] });
    }

    if (route === '/authorize') {
      const q = url.searchParams;
      op.lastAuthorizationRequest = q;
      const redirectUri = q.get('redirect_uri');
      if (q.get('client_id') !== clientId || !redirectUri) return json(res, 400, { error: 'invalid_request' });
      const back = new URL(redirectUri);
      const params = new URLSearchParams();
      if (q.get('response_type') !== 'code' || !q.get('code_challenge') || q.get('code_challenge_method') !== 'S256') {
        params.set('error', 'invalid_request');
        params.set('error_description', 'PKCE S256 and response_type=code are required');
      } else {
        const code = randomBytes(32).toString('base64url');
        codes.set(code, {
          clientId,
          redirectUri,
          codeChallenge: q.get('code_challenge'),
          codeChallengeMethod: q.get('code_challenge_method'),
          nonce: q.get('nonce'),
          used: false,
        });
        params.set('code', code);
      }
      const state = q.get('state');
      if (state !== null) params.set('state', state);
      behaviour.authorizationResponse?.(params);
      back.search = params.toString();
      res.writeHead(302, { location: back.href });
      return res.end();
    }

    if (route === '/token' && req.method === 'POST') {
      const body = await readBody(req);
      let id = body.get('client_id');
      let secret = body.get('client_secret');
      const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
      if (basic) {
        const [u = '', p = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':');
        id = decodeURIComponent(u);
        secret = decodeURIComponent(p);
      }
      if (id !== clientId || secret !== clientSecret) return json(res, 401, { error: 'invalid_client' });
      if (body.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
      const issued = codes.get(body.get('code') ?? '');
      if (!issued || issued.used) return json(res, 400, { error: 'invalid_grant', error_description: 'code unknown or already used' });
      issued.used = true; // a code is burnt by its first redemption, successful or not
      if (body.get('redirect_uri') !== issued.redirectUri) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
      const verifier = body.get('code_verifier');
      const challenge = verifier === null ? null : createHash('sha256').update(verifier).digest('base64url');
      if (challenge === null || challenge !== issued.codeChallenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
      const now = Math.floor(Date.now() / 1000);
      const person = op.person;
      let claims: Claims = {
        iss: issuer,
        sub: person.sub,
        aud: clientId,
        iat: now,
        exp: now + 300,
        auth_time: now - 5,
        ...(issued.nonce !== null && { nonce: issued.nonce }),
        ...Object.fromEntries(Object.entries(person).filter(([k]) => k !== 'sub')),
      };
      if (behaviour.idTokenClaims) claims = behaviour.idTokenClaims(claims);
      const accessToken = randomBytes(32).toString('base64url');
      accessTokens.set(accessToken, person);
      return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: jwt(claims) });
    }

    if (route === '/userinfo') {
      const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
      const person = token === undefined ? undefined : accessTokens.get(token);
      if (!person) return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      let claims: Claims = { ...person };
      if (behaviour.userinfoClaims) claims = behaviour.userinfoClaims(claims);
      return json(res, 200, claims);
    }

    return json(res, 404, { error: 'not_found' });
  }

  return op;
}
