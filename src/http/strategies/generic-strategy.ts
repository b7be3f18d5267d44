// A `type: passport` connector's strategy — any installed passport Strategy — wrapped so that
// Hatrack's routes keep their guarantees whatever the strategy does:
// - the strategy's verify callback is Hatrack's: the profile (by default the argument before
//   `done`, where passport strategies put it) becomes an Identity by the connector's paths, or is
//   refused;
// - on the callback route a redirect is refused: a strategy that sees no answer in the request
//   starts a new login, and an answer that lost its code must not become one;
// - the route's `loginStep` option is Hatrack's and is not passed on.
// Login state (OAuth `state`, nonce, PKCE) is the strategy's own: most keep it in the session,
// which binds it to the browser, without Hatrack's atomic one-shot store (README says so).
import type { Request } from 'express';
import type { StrategyCreated, StrategyCreatedStatic } from 'passport';
import { Strategy } from 'passport-strategy';
import type { PassportConnector } from '../../connectors/passport/passport-connector.ts';
import { fail } from '../../errors.ts';
import type { LoginStepOf } from './login-step.ts';

type Created<T> = StrategyCreated<T, T & StrategyCreatedStatic>;
type Authenticating = { authenticate(req: Request, options?: object): void };

export class GenericLoginStrategy extends Strategy {
  readonly name: string;
  // Plain fields, not #private: passport runs each request on Object.create(strategy).
  readonly inner: Authenticating;

  constructor(connector: PassportConnector, callbackUrl: string) {
    super();
    this.name = connector.id;
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
    const { loginStep, ...rest } = options;
    // The inner strategy runs on an object of its own whose outcome functions are this request's.
    const run = Object.assign(Object.create(this.inner) as Created<Authenticating>, {
      success: self.success.bind(self),
      fail: self.fail.bind(self),
      pass: self.pass.bind(self),
      error: self.error.bind(self),
      redirect: loginStep?.kind === 'callback'
        ? () => self.error(fail.unauthenticated('passport_callback_invalid', 'This sign-in could not be completed. Please start again.',
          `connector ${this.name}: the strategy took the callback for the start of a new login`))
        : self.redirect.bind(self),
    });
    run.authenticate(req, rest);
  }
}
