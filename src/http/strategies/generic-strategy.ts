// A `type: passport` connector's strategy — any installed passport Strategy — wrapped so that
// Hatrack's routes keep their guarantees whatever the strategy does:
// - C4, O14, O20: the login is bound to the browser and used once, whether or not the strategy
//   checks a `state` of its own (passport-oauth2 sends none unless `state: true`): the start keeps a
//   pending login in the store under a state held in the session (login-state.ts), and the
//   callback consumes it before the strategy sees the answer;
// - the strategy's verify callback is Hatrack's: the profile (by default the argument before
//   `done`, where passport strategies put it) becomes an Identity by the connector's paths, or is
//   refused;
// - which step a request is comes from its route: the start is run on a request with no query or
//   body (an answer's `code` on the start URL is not redeemed there), and on the callback route a
//   redirect (the strategy taking an answer that lost its code for a new login) is refused;
// - its `fail` and `error` become HatrackErrors (outcome.ts); the route's options are not passed on.
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { StrategyCreated, StrategyCreatedStatic } from 'passport';
import { Strategy } from 'passport-strategy';
import type { PassportConnector } from '../../connectors/passport/passport-connector.ts';
import { fail } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { beginLogin, takeBoundLogin } from '../login-state.ts';
import type { LoginStepOf } from './login-step.ts';
import { refusal, strategyError } from './outcome.ts';

type Created<T> = StrategyCreated<T, T & StrategyCreatedStatic>;
type Authenticating = { authenticate(req: Request, options?: object): void };

export class GenericLoginStrategy extends Strategy {
  readonly name: string;
  // Plain fields, not #private: passport runs each request on Object.create(strategy).
  readonly inner: Authenticating;
  readonly store: Store;
  readonly callbackUrl: string;

  constructor(connector: PassportConnector, callbackUrl: string, store: Store) {
    super();
    this.name = connector.id;
    this.store = store;
    this.callbackUrl = callbackUrl;
    const verify = (...args: unknown[]) => {
      const done = args.at(-1);
      if (typeof done !== 'function') throw new Error(`connector ${connector.id}: the strategy called verify without a callback`);
      let identity;
      try {
        identity = connector.identityFromProfile(connector.profileOf(args.slice(0, -1)));
      } catch (e) {
        done(e);
        return;
      }
      done(null, identity);
    };
    // Strategies that pick their verify arguments by the callback's declared parameters read `length`.
    if (connector.verifyArity !== undefined) Object.defineProperty(verify, 'length', { value: connector.verifyArity });
    this.inner = new connector.Strategy(connector.strategyOptions(callbackUrl), verify) as Authenticating;
  }

  override authenticate(req: Request, options: { loginStep?: LoginStepOf } = {}): void {
    const self = this as unknown as Created<GenericLoginStrategy>;
    const step = options.loginStep;
    if (!step) return self.error(new Error('the route gave no login step'));
    (step.kind === 'start' ? this.start(self, req, step.returnTo) : this.callback(self, req)).catch((e: unknown) => self.error(strategyError(this.name, e)));
  }

  /** The inner strategy on an object of its own whose outcomes are this request's. */
  private run(self: Created<GenericLoginStrategy>, req: Request, overrides: Partial<Created<Authenticating>>): void {
    const run = Object.assign(Object.create(this.inner) as Created<Authenticating>, {
      success: self.success.bind(self),
      fail: (challenge: unknown) => self.fail(refusal(this.name, challenge)),
      pass: self.pass.bind(self),
      error: (e: unknown) => self.error(strategyError(this.name, e)),
      redirect: self.redirect.bind(self),
    }, overrides);
    run.authenticate(req, {});
  }

  private async start(self: Created<GenericLoginStrategy>, req: Request, returnTo: string | undefined): Promise<void> {
    await beginLogin(req, this.store, {
      connector: this.name, state: randomBytes(32).toString('base64url'), redirectUri: this.callbackUrl, createdAt: Date.now(),
      ...(returnTo !== undefined && { returnTo }), data: {},
    });
    const bare: Request = Object.create(req, { query: { value: {} }, body: { value: {} } });
    this.run(self, bare, { redirect: (url: string) => self.redirect(url, 303) });
  }

  private async callback(self: Created<GenericLoginStrategy>, req: Request): Promise<void> {
    const pending = await takeBoundLogin(req, this.store, this.name, req.session.loginState);
    if (!pending) {
      throw fail.unauthenticated('login_state_mismatch', 'This sign-in could not be completed, or it was already used. Please sign in again.',
        `connector ${this.name}: no pending login for this browser's callback (expired or used)`);
    }
    this.run(self, req, {
      success: (identity: Express.User) => self.success(identity, { returnTo: pending.returnTo }),
      redirect: () => self.error(fail.unauthenticated('passport_callback_invalid', 'This sign-in could not be completed. Please start again.',
        `connector ${this.name}: the strategy took the callback for the start of a new login`)),
    });
  }
}
