// An OIDC connector as a passport Strategy: openid-client's own (`openid-client/passport`), which
// builds the authorization request (PKCE S256 included), redeems the code and validates the token
// response, with Hatrack's connector steps around it. The subclass exists for these cases:
// - O7, O14: the stock strategy sends `state` only to providers without PKCE and `nonce` only in
//   the implicit and hybrid flows; Hatrack sends and checks both on every login
//   (authorizationRequestParams → connector.authorizationParameters).
// - O14, O20, R6: the stock strategy keeps its login state in `req.session`, read and deleted
//   without atomicity, so two racing callbacks of one login both redeem it, and a login only works
//   on the process whose session save won. Hatrack keeps it in the shared Store, bound to the
//   browser and consumed once (login-state.ts); the library is handed that state in the shape it
//   reads, on a request object of its own, and never writes the real session.
// - O14, O15, O17 (state, the issuer parameter, `error=`, repeated or extra parameters, login
//   age): checked by connector.checkCallback before the library sends anything to the token endpoint.
// - A callback without a code is refused: the stock strategy would take it for the start of a new
//   login. Which step a request is comes from its route, never from its parameters.
// - The token request's redirect_uri is the one sent at the start, not one rebuilt from the
//   request's Host header (the stock currentUrl trusts X-Forwarded-Host).
// openid-client's authenticate() runs two methods its type declarations leave out,
// authorizationRequest and authorizationCodeGrant; they are called here the same way.
import type { Request } from 'express';
import * as client from 'openid-client';
import { Strategy as OpenIdStrategy, type AuthenticateOptions } from 'openid-client/passport';
import type { StrategyCreated, StrategyCreatedStatic } from 'passport';
import type { OidcConnector } from '../../connectors/oidc/oidc-connector.ts';
import { HatrackError, isHatrackError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { beginLogin, takeBoundLogin } from '../login-state.ts';
import { callbackUrl } from '../../connectors/upstream.ts';
import type { LoginStep } from './login-step.ts';

function internal(e: unknown): HatrackError {
  return new HatrackError('internal', 500, 'Something went wrong on our side.', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

/** Where the library reads and writes its login state on the request object it is given. */
const LIBRARY_STATE = 'oidc-login';

interface LibraryState {
  code_verifier: string;
  nonce?: string;
  state?: string;
  max_age?: number;
}

interface LibrarySteps {
  authorizationRequest(this: unknown, req: Request, options: AuthenticateOptions): Promise<void>;
  authorizationCodeGrant(this: unknown, req: Request, currentUrl: URL, options: AuthenticateOptions): Promise<void>;
}
const library = OpenIdStrategy.prototype as unknown as LibrarySteps;

export interface OidcStrategyDeps {
  store: Store;
  publicUrl: string;
  publicOrigin: string;
}

type Created = StrategyCreated<OidcLoginStrategy, OidcLoginStrategy & StrategyCreatedStatic>;

/** The request as the library sees it: the real one, with a session of the library's own. */
function withLibrarySession(req: Request, state?: LibraryState): Request & { session: Record<string, LibraryState | undefined> } {
  return Object.create(req, { session: { value: state === undefined ? {} : { [LIBRARY_STATE]: state }, writable: true } });
}

export class OidcLoginStrategy extends OpenIdStrategy {
  // Plain fields, not #private: passport runs each request on Object.create(strategy).
  readonly connector: OidcConnector;
  readonly deps: OidcStrategyDeps;
  readonly redirectUri: string;

  constructor(config: client.Configuration, connector: OidcConnector, deps: OidcStrategyDeps) {
    super({ config, name: connector.id, sessionKey: LIBRARY_STATE }, (tokens, verified) => {
      // A failure here is the identity's (a HatrackError) or a bug (500), never the token request's.
      connector.identityFromTokens(tokens).then((identity) => verified(null, identity), (e: unknown) => verified(isHatrackError(e) ? e : internal(e)));
    });
    this.connector = connector;
    this.deps = deps;
    this.redirectUri = callbackUrl(deps.publicUrl, connector);
  }

  override authorizationRequestParams(_req: Request, options: AuthenticateOptions & Partial<LoginStep>): Record<string, string> {
    const reauthenticate = options.loginStep?.kind === 'start' && options.loginStep.reauthenticate === true;
    return this.connector.authorizationParameters({ redirectUri: this.redirectUri, state: client.randomState(), nonce: client.randomNonce(), reauthenticate });
  }

  override authenticate(req: Request, options: AuthenticateOptions & Partial<LoginStep>): void {
    const self = this as unknown as Created;
    const step = options.loginStep;
    if (!step) return self.error(new Error('the route gave no login step'));
    (step.kind === 'start' ? self.start(req, step.returnTo, step) : self.callback(req)).catch((e: unknown) => self.error(self.asHatrackError(e)));
  }

  asHatrackError(e: unknown): Error {
    return isHatrackError(e) ? e : this.connector.grantError(e);
  }

  async start(this: Created, req: Request, returnTo: string | undefined, step: LoginStep['loginStep']): Promise<void> {
    const forLibrary = withLibrarySession(req);
    // The library ends by redirecting; the login is saved and bound to this browser first.
    const run: Created = Object.create(this);
    run.redirect = (url: string) => {
      const state = forLibrary.session[LIBRARY_STATE];
      if (!state?.state || !state.nonce) return this.error(new Error('openid-client left no state and nonce'));
      const pending = this.connector.pendingLogin({
        redirectUri: this.redirectUri, state: state.state, nonce: state.nonce, codeVerifier: state.code_verifier,
        ...(returnTo !== undefined && { returnTo }),
      });
      beginLogin(req, this.deps.store, pending).then(() => this.redirect(url, 303), (e: unknown) => this.error(e instanceof Error ? e : new Error(String(e))));
    };
    await library.authorizationRequest.call(run, forLibrary, { loginStep: step } as AuthenticateOptions);
  }

  async callback(this: Created, req: Request): Promise<void> {
    const params = new URL(req.originalUrl, this.deps.publicOrigin).searchParams;
    const states = params.getAll('state');
    const stored = await takeBoundLogin(req, this.deps.store, this.connector.id, states.length === 1 ? states[0] : undefined);
    const pending = await this.connector.checkCallback(params, stored);
    const checks = this.connector.grantChecks(pending);
    const forLibrary = withLibrarySession(req, {
      code_verifier: checks.pkceCodeVerifier, nonce: checks.expectedNonce, state: checks.expectedState,
      ...(checks.maxAge !== undefined && { max_age: checks.maxAge }),
    });
    const run: Created = Object.create(this);
    run.success = (identity: Express.User) => this.success(identity, { returnTo: pending.returnTo });
    run.fail = (challenge?: unknown) => this.error(this.asHatrackError(challenge));
    run.error = (e: Error) => this.error(this.asHatrackError(e));
    // The library puts the callback's parameters on `callbackURL`: the redirect URI sent at the start.
    await library.authorizationCodeGrant.call(run, forLibrary, new URL(`${this.deps.publicOrigin}/?${params}`), { callbackURL: pending.redirectUri });
  }
}
