// Browser sign-in: start a login at a connector, finish it at the callback, sign out.
// Thin: parse → call the connector → keep the identity in a fresh session.
import { Router, type Request } from 'express';
import type { Clock } from '../clock.ts';
import { PENDING_LOGIN_TTL_MS } from '../connectors/connector.ts';
import { savePendingLogin, takePendingLogin } from './login-state.ts';
import { callbackUrl, type UpstreamConnector } from '../connectors/upstream.ts';
import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import { requireCsrf } from './csrf.ts';
import { safeReturnTo } from './return-to.ts';
import { completeSignIn, countLogin } from './sign-in.ts';
import { rateLimit } from './rate-limit.ts';

export interface AuthRouteDeps {
  connectors: ReadonlyMap<string, UpstreamConnector>;
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

export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();
  // Starting and finishing a login are counted apart, so a flood of one cannot block the other.
  const loginLimit = rateLimit(deps.store, deps.clock, { bucket: 'login', limit: 30, windowMs: 60_000 });
  const callbackLimit = rateLimit(deps.store, deps.clock, { bucket: 'callback', limit: 30, windowMs: 60_000 });

  const connectorFor = (id: unknown): UpstreamConnector => {
    const connector = typeof id === 'string' ? deps.connectors.get(id) : undefined;
    if (!connector) throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    return connector;
  };

  router.get('/login/:connector', loginLimit, async (req, res) => {
    const connector = connectorFor(req.params.connector);
    const returnTo = safeReturnTo(req.query.returnTo);
    const start = await connector.startLogin({ redirectUri: callbackUrl(deps.publicUrl, connector), returnTo });
    // Kept server-side in the shared store, so the callback may land on any broker process (R6).
    await savePendingLogin(deps.store, start.pending);
    // Binds the login to this browser: the callback must come back to the same session (O14).
    // Until then the session only holds that state, so it lives no longer than the login may take.
    req.session.loginState = start.pending.state;
    req.session.cookie.maxAge = PENDING_LOGIN_TTL_MS;
    res.set('Cache-Control', 'no-store').redirect(303, start.url);
  });

  router.get('/oidc/:connector/callback', callbackLimit, async (req, res) => {
    const connector = connectorFor(req.params.connector);
    if (connector.type !== 'oidc') throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    const callback = { url: new URL(req.originalUrl, deps.publicOrigin) };
    const state = connector.callbackState(callback);
    if (!state || state !== req.session.loginState) {
      throw fail.unauthenticated('login_state_mismatch', 'This sign-in was not started in this browser, or it was already used. Please sign in again.');
    }
    delete req.session.loginState;
    // Consumed once, atomically: a replayed callback finds nothing (O14, O20).
    const pending = await takePendingLogin(deps.store, state);
    if (pending && pending.connector !== connector.id) {
      throw fail.unauthenticated('login_state_mismatch', 'This sign-in was started with another sign-in method. Please sign in again.');
    }
    try {
      await completeSignIn(req, await connector.finishLogin({ callback, pending }), deps);
    } catch (e) {
      countLogin(deps.metrics, connector.id, 'failed');
      throw e;
    }
    res.redirect(303, `${deps.publicUrl}${safeReturnTo(pending?.returnTo)}`);
  });

  // Signing out ends the CLI tokens approved in this sign-in; "everywhere" ends every token of the person.
  router.post('/logout', requireCsrf(deps.publicOrigin), async (req, res) => {
    const who = req.session.identity;
    const { signInId, expiresAt } = req.session;
    if (who && signInId && expiresAt) await deps.tokens.endSignIn(signInId, expiresAt);
    if (who && (req.body as Record<string, unknown> | undefined)?.everywhere === '1') await deps.tokens.endEverywhere(who.connector, who.subject);
    await destroy(req);
    res.clearCookie(deps.cookie.name, { path: '/', httpOnly: true, secure: deps.cookie.secure, sameSite: 'lax' });
    if (who) deps.log.info('signed out', { email: who.email });
    res.redirect(303, `${deps.publicUrl}/`);
  });

  return router;
}
