// Browser sign-in: start a login at a connector, finish it at the OIDC or passport callback, sign out.
// Thin: each step is passport.authenticate of the connector's strategy (strategies/), and the
// identity it yields is kept in a fresh session.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.ts';
import type { UpstreamConnector } from '../connectors/upstream.ts';
import { fail } from '../errors.ts';
import { refusal } from './strategies/outcome.ts';
import type { Identity } from '../identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import { requireCsrf } from './csrf.ts';
import { safeReturnTo } from './return-to.ts';
import { completeSignIn, signInRefused } from './sign-in.ts';
import { rateLimit } from './rate-limit.ts';
import type { LoginPassport } from './strategies/login-passport.ts';
import type { LoginStep } from './strategies/login-step.ts';
import type { AuditLog } from '../audit/audit.ts';
import { requestMeta, who as whoOf } from './request-meta.ts';
import { readCookie } from './cookies.ts';
import type { Renderer } from './render.ts';
import { notStartedHere } from './login-state.ts';

export interface AuthRouteDeps {
  audit: AuditLog;
  connectors: ReadonlyMap<string, UpstreamConnector>;
  passport: LoginPassport;
  render: Renderer;
  base: string;
  store: Store;
  tokens: BrokerTokens;
  publicUrl: string;
  publicOrigin: string;
  sessionTtlSeconds: number;
  /** The session cookie, so logout can remove it from the browser too. */
  cookie: { name: string; secure: boolean };
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

function destroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((e) => (e ? reject(e) : resolve())));
}

/** How long a sign-out makes the next sign-in in that browser ask the provider again. */
const REAUTH_COOKIE_MS = 7 * 86_400_000;

export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();
  const reauthCookie = `${deps.cookie.name}-reauth`;
  const cookieOptions = { path: '/', httpOnly: true, secure: deps.cookie.secure, sameSite: 'lax' as const };
  // Starting and finishing a login are counted apart, so a flood of one cannot block the other.
  const loginLimit = rateLimit(deps.store, deps.clock, { bucket: 'login', limit: 30, windowMs: 60_000 });
  const callbackLimit = rateLimit(deps.store, deps.clock, { bucket: 'callback', limit: 30, windowMs: 60_000 });

  const connectorFor = (id: unknown): UpstreamConnector => {
    const connector = typeof id === 'string' ? deps.connectors.get(id) : undefined;
    if (!connector) throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    return connector;
  };

  router.get('/login/:connector', loginLimit, async (req, res, next) => {
    const connector = connectorFor(req.params.connector);
    const returnTo = safeReturnTo(req.query.returnTo);
    // Once, after a sign-out in this browser: the provider must ask again.
    const reauthenticate = readCookie(req.get('cookie'), reauthCookie) !== undefined;
    if (reauthenticate) res.clearCookie(reauthCookie, cookieOptions);
    const step: LoginStep = { loginStep: { kind: 'start', returnTo, reauthenticate } };
    res.set('Cache-Control', 'no-store');
    // The strategy saves the login, binds it to this browser and redirects to the provider.
    await deps.passport.authenticate(connector.id, step, (err, _identity, info) => next(err ?? refusal(connector.id, info)), req, res, next);
  });

  /** The provider's answer: the strategy verifies it, then the identity is signed in here. */
  const callback = (type: 'oidc' | 'passport') => async (req: Request, res: Response, next: NextFunction) => {
    const connector = connectorFor(req.params.connector);
    if (connector.type !== type) throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    const step: LoginStep = { loginStep: { kind: 'callback' } };
    const refused = (e: unknown) => {
      signInRefused(req, connector.id, e, deps);
      next(e);
    };
    try {
      // Cheap refusal first (C2): an OIDC answer this browser did not ask for is refused before
      // the provider's configuration is needed, even while the provider is down.
      if (type === 'oidc') {
        const states = new URL(req.originalUrl, deps.publicOrigin).searchParams.getAll('state');
        if (states.length !== 1 || states[0] !== req.session.loginState) {
          throw notStartedHere();
        }
      }
      await deps.passport.authenticate(connector.id, step, async (err, identity, info) => {
        try {
          if (err) throw err;
          if (!identity) throw refusal(connector.id, info);
          await completeSignIn(req, identity as Identity, deps);
          res.redirect(303, `${deps.publicUrl}${safeReturnTo((info as { returnTo?: string } | undefined)?.returnTo)}`);
        } catch (e) {
          refused(e);
        }
      }, req, res, next);
    } catch (e) {
      refused(e);
    }
  };
  router.get('/oidc/:connector/callback', callbackLimit, callback('oidc'));
  router.get('/auth/:connector/callback', callbackLimit, callback('passport'));

  // Signing out ends the CLI tokens approved in this sign-in; "everywhere" ends every token of the person.
  router.post('/logout', requireCsrf(deps.publicOrigin), async (req, res) => {
    const who = req.session.identity;
    const { signInId, expiresAt } = req.session;
    if (who && signInId && expiresAt) await deps.tokens.endSignIn(signInId, expiresAt);
    if (who && (req.body as Record<string, unknown> | undefined)?.everywhere === '1') await deps.tokens.endEverywhere(who.connector, who.subject);
    if (who) deps.audit.record({ event: 'logout', result: 'ok', ...whoOf(who), ...requestMeta(req, 'browser') });
    await destroy(req);
    res.clearCookie(deps.cookie.name, cookieOptions);
    // The next sign-in in this browser asks the provider to authenticate again (a shared machine
    // can switch people); the cookie also names the connector, for the provider's own logout.
    if (who) res.cookie(reauthCookie, who.connector, { ...cookieOptions, maxAge: REAUTH_COOKIE_MS });
    if (who) deps.log.info('signed out', { email: who.email });
    res.redirect(303, `${deps.publicUrl}/signed-out`);
  });

  router.get('/signed-out', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const connector = deps.connectors.get(readCookie(req.get('cookie'), reauthCookie) ?? '');
    // RP-initiated logout at the provider, when it offers one (OpenID Connect RP-Initiated Logout 1.0).
    let providerLogout: string | undefined;
    if (connector?.type === 'oidc') providerLogout = await connector.endSessionUrl(`${deps.publicUrl}/signed-out`).catch(() => undefined);
    res.send(deps.render('signed-out.njk', {
      title: 'Signed out', base: deps.base, provider: connector?.displayName, providerLogout, signedIn: req.session.identity !== undefined,
    }));
  });

  return router;
}
