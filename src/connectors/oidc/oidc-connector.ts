// The OpenID Connect connector: authorization code flow with PKCE (S256, always), state and nonce,
// on openid-client v6. Discovery and algorithm pinning live in discovery.ts, the callback checks in
// callback.ts, claims-to-identity in claims.ts.

import * as client from 'openid-client';
import { systemClock, type Clock } from '../../clock.ts';
import { HatrackError, fail } from '../../errors.ts';
import type { Identity } from '../../identity.ts';
import type { Logger } from '../../log.ts';
import { toPendingLogin, type CallbackInput, type FinishLoginInput, type RedirectConnector, type StartLoginInput, type StartLoginResult } from '../connector.ts';
import type { OidcPendingLogin } from './login-data.ts';
import { checkCallback } from './callback.ts';
import { identityFromClaims, needsUserinfo, type Claims } from './claims.ts';
import { createDiscovery } from './discovery.ts';
import { tokenGrantError, userinfoError } from './errors.ts';
import { resolveOidcOptions, type OidcConnectorOptions, type ResolvedOidcOptions } from './options.ts';

export interface OidcConnectorDeps {
  clock?: Clock;
  log?: Logger;
}

/** What openid-client checks the token response against, from the pending login. */
export interface GrantChecks {
  pkceCodeVerifier: string;
  expectedState: string;
  expectedNonce: string;
  maxAge?: number;
}

export interface OidcConnector extends RedirectConnector {
  readonly type: 'oidc';
  readonly options: Readonly<ResolvedOidcOptions>;
  /** The discovered provider, with the ID-token algorithm pinned and signatures checked (discovery.ts). */
  configuration(): Promise<client.Configuration>;
  /**
   * The authorization request's parameters other than PKCE: the code flow, the scopes, the
   * configured extras, and always a state and a nonce (O14, O15), whatever the provider supports.
   */
  authorizationParameters(input: { redirectUri: string; state: string; nonce: string; reauthenticate?: boolean }): Record<string, string>;
  /** The provider's RP-initiated logout URL (its end_session_endpoint), when it has one. */
  endSessionUrl(postLogoutRedirectUri: string): Promise<string | undefined>;
  /** The pending login a started login leaves behind. */
  pendingLogin(input: StartLoginInput & { state: string; nonce: string; codeVerifier: string }): OidcPendingLogin;
  /** The callback checked against its pending login before any token request (callback.ts); the pending login, or throws. */
  checkCallback(params: URLSearchParams, pending: FinishLoginInput['pending']): Promise<OidcPendingLogin>;
  /** What the token response must match: the PKCE verifier, state, nonce and max_age of the pending login. */
  grantChecks(pending: OidcPendingLogin): GrantChecks;
  /** Who the token response names: an ID token is required, UserInfo is read when the claims need it. */
  identityFromTokens(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<Identity>;
  /** A failure of the token request or of its response's checks, as a HatrackError. */
  grantError(e: unknown): HatrackError;
}

export function createOidcConnector(options: OidcConnectorOptions, deps: OidcConnectorDeps = {}): OidcConnector {
  const o = resolveOidcOptions(options);
  const clock = deps.clock ?? systemClock;
  const discovery = createDiscovery(o, deps.log);

  function authorizationParameters(input: { redirectUri: string; state: string; nonce: string; reauthenticate?: boolean }): Record<string, string> {
    checkRedirectUri(o, input.redirectUri);
    return {
      ...o.authorizationParams,
      // After a sign-out the provider must ask again, so that a shared machine can switch people.
      ...(input.reauthenticate === true && { prompt: 'login' }),
      redirect_uri: input.redirectUri,
      response_type: 'code',
      scope: o.scopes.join(' '),
      state: input.state,
      nonce: input.nonce,
    };
  }

  function pendingLogin(input: StartLoginInput & { state: string; nonce: string; codeVerifier: string }): OidcPendingLogin {
    return {
      connector: o.id,
      state: input.state,
      data: { nonce: input.nonce, codeVerifier: input.codeVerifier },
      redirectUri: input.redirectUri,
      createdAt: clock.now().getTime(),
      ...(input.returnTo !== undefined && { returnTo: input.returnTo }),
    };
  }

  async function startLogin(input: StartLoginInput): Promise<StartLoginResult> {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const parameters = authorizationParameters({ redirectUri: input.redirectUri, state, nonce });
    const url = client.buildAuthorizationUrl(await discovery.get(), {
      ...parameters,
      // PKCE on every login, whether or not the provider advertises it (O16).
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending: pendingLogin({ ...input, state, nonce, codeVerifier }) };
  }

  async function checkPendingAndCallback(params: URLSearchParams, pendingInput: FinishLoginInput['pending']): Promise<OidcPendingLogin> {
    const given = pendingInput === undefined ? undefined : toPendingLogin(pendingInput);
    if (pendingInput !== undefined && given === undefined) {
      throw fail.unauthenticated('oidc_state_mismatch', 'This sign-in could not be completed. Please start again.',
        `connector ${o.id}: the stored pending login is malformed`);
    }
    // A callback without a pending login is refused even while the provider is unreachable.
    if (given === undefined) checkCallback(callbackContext(false), params, undefined);
    const config = await discovery.get();
    return checkCallback(callbackContext(config.serverMetadata().authorization_response_iss_parameter_supported === true), params, given).pending;
  }

  function grantChecks(pending: OidcPendingLogin): GrantChecks {
    return {
      pkceCodeVerifier: pending.data.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.data.nonce,
      ...(o.authorizationParams.max_age !== undefined && { maxAge: Number(o.authorizationParams.max_age) }),
    };
  }

  async function identityFromTokens(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<Identity> {
    const idClaims = tokens.claims() as Claims | undefined;
    if (idClaims === undefined) {
      throw fail.unauthenticated('oidc_id_token_invalid', 'The identity provider’s answer could not be verified.', `connector ${o.id}: token response has no ID token`);
    }
    const config = await discovery.get();
    let userinfo: Claims | undefined;
    if (needsUserinfo(o, idClaims) && config.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        // expectedSubject: UserInfo about anyone but the ID token's subject is refused (O12).
        userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub as string) as Claims;
      } catch (e) {
        throw userinfoError(o.id, e);
      }
    }
    return identityFromClaims(o, idClaims, userinfo);
  }

  async function finishLogin(input: FinishLoginInput): Promise<Identity> {
    const params = input.callback.url.searchParams;
    const pending = await checkPendingAndCallback(params, input.pending);
    // The token request's redirect_uri is the one sent at the start, whatever host or scheme the
    // callback reached us on (proxies); only the callback's parameters are taken from the request.
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = params.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(await discovery.get(), currentUrl, { ...grantChecks(pending), idTokenExpected: true });
    } catch (e) {
      throw tokenGrantError(o.id, e);
    }
    return identityFromTokens(tokens);
  }

  function callbackContext(issParameterRequired: boolean) {
    return { connector: o.id, issuer: o.issuer, issParameterRequired, now: clock.now().getTime(), maxLoginAgeMs: o.maxLoginAgeMs };
  }

  return {
    id: o.id,
    type: 'oidc',
    displayName: o.displayName,
    options: Object.freeze({ ...o, clientSecret: o.clientSecret === undefined ? undefined : '[set]' }),
    startLogin,
    finishLogin,
    callbackState(callback: CallbackInput): string | undefined {
      const states = callback.url.searchParams.getAll('state');
      return states.length === 1 ? states[0] : undefined;
    },
    configuration: () => discovery.get(),
    async endSessionUrl(postLogoutRedirectUri) {
      const config = await discovery.get();
      if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
      return client.buildEndSessionUrl(config, { client_id: o.clientId, post_logout_redirect_uri: postLogoutRedirectUri }).href;
    },
    authorizationParameters,
    pendingLogin,
    checkCallback: checkPendingAndCallback,
    grantChecks,
    identityFromTokens,
    grantError: (e) => tokenGrantError(o.id, e),
    async ready() {
      await discovery.get();
    },
  };
}

function checkRedirectUri(o: ResolvedOidcOptions, redirectUri: string): void {
  let url: URL | undefined;
  try {
    url = new URL(redirectUri);
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && !url.hash && !url.username && !url.password
    && (url.protocol === 'https:' || (url.protocol === 'http:' && (o.allowInsecureHttp || isLoopback(url.hostname))));
  if (!ok) {
    throw new HatrackError('oidc_config_invalid', 500, 'Hatrack is not configured correctly for this sign-in.',
      `connector ${o.id}: redirectUri must be an absolute https URL without fragment or credentials`);
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
