// The verification page of the CLI's login (RFC 8628 §3.3), where a signed-in person confirms a
// code; the JSON endpoints the CLI itself calls are oauth-routes.ts. Thin: parse → call src/device →
// answer. Approval needs a POST with the session's CSRF token (D11); a code arriving in the link is
// only pre-filled, never approved without the person's click (§5.4).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import type { DeviceFlow } from '../device/device-flow.ts';
import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { bodyField } from './body-field.ts';
import { csrfToken, requireCsrf } from './csrf.ts';
import { clientAddressKey, rateLimit } from './rate-limit.ts';
import type { Renderer } from './render.ts';
import type { LoginChoice } from './password-routes.ts';
import { fromStored } from '../stored-identity.ts';
import type { AuditLog } from '../audit/audit.ts';
import { requestMeta, who } from './request-meta.ts';

export interface DeviceRouteDeps {
  audit: AuditLog;
  device: DeviceFlow;
  tokens: BrokerTokens;
  store: Store;
  render: Renderer;
  /** The sign-in methods the login page offers. */
  loginChoices: readonly LoginChoice[];
  base: string;
  publicOrigin: string;
  clock: Clock;
  log: Logger;
}

export function deviceRoutes(deps: DeviceRouteDeps): Router {
  const router = Router();
  const csrf = requireCsrf(deps.publicOrigin);
  // D2: guessing user codes. 20^8 codes, at most 60 tries a minute from an address (an office
  // behind one NAT approves a few logins a minute) and 10 from a session: with 1 000 codes
  // pending, a whole 10-minute lifetime of guessing from one session hits one with odds of about
  // 1 in 2.5 million, from one address's sessions together 1 in 430 000.
  const guessByAddress = rateLimit(deps.store, deps.clock, { bucket: 'user-code', limit: 60, windowMs: 60_000, key: clientAddressKey });
  const guessBySession = rateLimit(deps.store, deps.clock, { bucket: 'user-code-session', limit: 10, windowMs: 60_000, key: (req) => `session:${req.sessionID}` });

  // Only a request that names a code is a guess; the empty form costs nothing.
  const forCode = (limit: ReturnType<typeof rateLimit>) => (req: Request, res: Response, next: NextFunction) =>
    req.query.user_code === undefined ? next() : limit(req, res, next);

  router.get('/device', forCode(guessByAddress), forCode(guessBySession), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const typed = typeof req.query.user_code === 'string' ? req.query.user_code.slice(0, 32) : undefined;
    const stored = req.session.identity;
    if (!stored) {
      // Sign in first, through any connector, then come back to this page with the code still filled in.
      const returnTo = typed ? `/device?user_code=${encodeURIComponent(typed)}` : '/device';
      res.send(deps.render('login.njk', { title: 'Sign in to approve a CLI login', base: deps.base, connectors: deps.loginChoices, returnTo, purpose: 'device' }));
      return;
    }
    const user = fromStored(stored);
    if (typed === undefined) {
      res.send(deps.render('device.njk', { title: 'Approve a CLI login', base: deps.base, user, csrf: csrfToken(req) }));
      return;
    }
    const request = await deps.device.pending(typed);
    res.send(deps.render('device-confirm.njk', { title: 'Confirm the CLI login', base: deps.base, user, csrf: csrfToken(req), request }));
  });

  router.post('/device', guessByAddress, guessBySession, csrf, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const stored = req.session.identity;
    if (!stored) throw fail.unauthenticated('signed_out', 'You are not signed in (or your session has ended). Please sign in again.');
    const decision = bodyField(req, 'decision');
    if (decision === undefined) {
      // The code typed into the form: posted rather than put in a URL (history, proxy logs, W12);
      // the person still confirms on the page that follows.
      const request = await deps.device.pending(bodyField(req, 'user_code'));
      res.send(deps.render('device-confirm.njk', { title: 'Confirm the CLI login', base: deps.base, user: fromStored(stored), csrf: csrfToken(req), request }));
      return;
    }
    if (decision !== 'approve' && decision !== 'deny') throw fail.badRequest('device_decision_missing', 'Choose Approve or Deny.');
    // Sessions from before device logins existed have no sign-in id: they get one now.
    req.session.signInId ??= randomBytes(16).toString('base64url');
    const signIn = { id: req.session.signInId, expiresAt: req.session.expiresAt ?? 0 };
    const generation = await deps.tokens.generation(stored.connector, stored.subject);
    const request = await deps.device.decide(bodyField(req, 'user_code'), decision === 'approve'
      ? { decision: 'approved', approval: { identity: stored, signIn, generation } }
      : { decision: 'denied' });
    deps.log.info(decision === 'approve' ? 'device login approved' : 'device login denied', {
      connector: stored.connector, subject: stored.subject, email: stored.email, client: request.clientId,
    });
    deps.audit.record({ event: decision === 'approve' ? 'device-approved' : 'device-denied', result: 'ok', ...who(stored), ...requestMeta(req, 'browser') });
    res.send(deps.render('device-done.njk', {
      title: decision === 'approve' ? 'CLI login approved' : 'CLI login denied',
      base: deps.base, user: fromStored(stored), csrf: csrfToken(req), approved: decision === 'approve', request,
    }));
  });

  return router;
}
