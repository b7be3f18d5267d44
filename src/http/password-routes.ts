// Sign-in with a password on Hatrack's own form (LDAP), through passport: the form's POST runs
// passport.authenticate(id, { session: false }, callback) with the connector's PasswordStrategy
// (strategies/password-strategy.ts); Hatrack's own sign-in completion (a fresh session, its
// absolute end, the log line) runs in that callback. The password is handed to the connector and
// to nothing else: never logged, stored or put back into the page (L2).
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.ts';
import type { PasswordConnector } from '../connectors/ldap/ldap-connector.ts';
import { fail, isHatrackError, type HatrackError } from '../errors.ts';
import type { LoginPassport } from './strategies/login-passport.ts';
import type { Identity } from '../identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import { secretKey } from '../device/hash.ts';
import { csrfToken, requireCsrf } from './csrf.ts';
import { rateLimit } from './rate-limit.ts';
import type { Renderer } from './render.ts';
import { safeReturnTo } from './return-to.ts';
import { completeSignIn, signInRefused } from './sign-in.ts';
import type { AuditLog } from '../audit/audit.ts';

/** A sign-in method as the login page lists it. */
export interface LoginChoice {
  id: string;
  displayName: string;
}

export interface PasswordRouteDeps {
  audit: AuditLog;
  connectors: ReadonlyMap<string, PasswordConnector>;
  passport: LoginPassport;
  store: Store;
  tokens: BrokerTokens;
  render: Renderer;
  base: string;
  publicUrl: string;
  publicOrigin: string;
  sessionTtlSeconds: number;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

const field = (req: Request, name: string): string | undefined => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

export function passwordRoutes(deps: PasswordRouteDeps): Router {
  const router = Router();
  const csrf = requireCsrf(deps.publicOrigin);
  // Password guessing: per client address, and per username tried (hashed: people type passwords
  // into the username field, and the key must not keep one).
  const byAddress = rateLimit(deps.store, deps.clock, { bucket: 'password-login', limit: 10, windowMs: 60_000 });
  const byUsername = rateLimit(deps.store, deps.clock, {
    bucket: 'password-login-user', limit: 10, windowMs: 60_000,
    key: (req) => `${req.params.connector}:${secretKey((field(req, 'username') ?? '').toLowerCase().slice(0, 256))}`,
  });

  const connectorOf = (req: Request) => deps.connectors.get(String(req.params.connector));
  const onlyPassword = (req: Request, _res: Response, next: NextFunction) => (connectorOf(req) ? next() : next('route'));

  const form = (req: Request, res: Response, connector: PasswordConnector, error?: HatrackError) => {
    res.set('Cache-Control', 'no-store').status(error?.status ?? 200).send(deps.render('password-login.njk', {
      title: `Sign in with ${connector.displayName}`,
      base: deps.base,
      connector: { id: connector.id, displayName: connector.displayName },
      returnTo: safeReturnTo(req.method === 'GET' ? req.query.returnTo : field(req, 'returnTo')),
      // The username comes back into the form after a refusal; the password never does.
      username: error ? field(req, 'username')?.slice(0, 256) : undefined,
      error: error?.message,
      csrf: csrfToken(req),
    }));
  };

  router.get('/login/:connector', onlyPassword, (req, res) => form(req, res, connectorOf(req)!));

  router.post('/login/:connector', onlyPassword, byAddress, byUsername, csrf, async (req, res, next) => {
    const connector = connectorOf(req)!;
    await deps.passport.authenticate(connector.id, {}, async (err, identity, challenge) => {
      if (!err && !identity) {
        // Refused: the form again, with the one message for every cause.
        const refusal = isHatrackError(challenge) ? challenge : fail.unauthenticated('ldap_invalid_credentials', 'The username or password is not right.');
        signInRefused(req, connector.id, refusal, deps);
        deps.log.warn('password sign-in refused', { connector: connector.id, errorCode: refusal.code, detail: refusal.detail });
        try {
          form(req, res, connector, refusal);
        } catch (e) {
          next(e);
        }
        return;
      }
      try {
        if (err) throw err;
        const returnTo = safeReturnTo(field(req, 'returnTo'));
        await completeSignIn(req, identity as Identity, deps);
        res.redirect(303, `${deps.publicUrl}${returnTo}`);
      } catch (e) {
        signInRefused(req, connector.id, e, deps);
        next(e);
      }
    }, req, res, next);
  });

  return router;
}
