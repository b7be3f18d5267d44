// The SAML service-provider side (Google Workspace and any SAML IdP): the Assertion Consumer
// Service and the SP metadata to paste into the IdP. The ACS is reached by a cross-site POST that
// carries no SameSite=Lax cookie (W2), so it never relies on the session for login state: an
// SP-initiated login is found through RelayState in the shared store, a tile login has none.
// A tile login signs in at the ACS: there is no browser it could be bound to. An SP-initiated one
// is parked and finished by the same-site GET that follows, which checks that this browser began
// it (C4, parked-sign-in.ts).
import { Router, urlencoded, type Request, type Response } from 'express';
import type { HatRack } from '../broker/types.ts';
import type { Clock } from '../clock.ts';
import type { PendingLogin } from '../connectors/connector.ts';
import type { UpstreamConnector } from '../connectors/upstream.ts';
import type { SamlConnector } from '../connectors/saml/index.ts';
import { fail } from '../errors.ts';
import { refusal } from './strategies/outcome.ts';
import type { Identity } from '../identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import { readCookie } from './cookies.ts';
import { PARKED_SIGN_IN_TTL_MS, claimSignIn, parkSignIn } from './parked-sign-in.ts';
import { rateLimit } from './rate-limit.ts';
import { safeReturnTo } from './return-to.ts';
import { fromStored, toStored } from '../stored-identity.ts';
import { completeSignIn, signInRefused } from './sign-in.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import type { LoginPassport } from './strategies/login-passport.ts';
import type { LoginStep } from './strategies/login-step.ts';
import { requestMeta } from './request-meta.ts';
import type { AuditLog } from '../audit/audit.ts';

/** What the SAML strategy says besides the identity. */
interface AcsOutcome {
  /** The SP-initiated login this answers; undefined for a tile login. */
  pending: PendingLogin | undefined;
  relayState: string | undefined;
}

export interface SamlRouteDeps {
  audit: AuditLog;
  connectors: ReadonlyMap<string, UpstreamConnector>;
  passport: LoginPassport;
  hats: HatRack;
  store: Store;
  tokens: BrokerTokens;
  publicUrl: string;
  publicOrigin: string;
  sessionTtlSeconds: number;
  /** The session cookie's name (its `-finish` sibling carries a parked login's ticket) and whether it is Secure. */
  cookie: { name: string; secure: boolean };
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

function isSamlConnector(c: UpstreamConnector | undefined): c is SamlConnector {
  return c?.type === 'saml';
}

/**
 * The ACS body parser, mounted before the app's general 16 kB one: SAML responses are larger.
 * The connector enforces its own, smaller limit on the SAMLResponse value itself (S33).
 */
export const acsBodyParser = urlencoded({ extended: false, limit: '512kb', parameterLimit: 10 });

export function samlRoutes(deps: SamlRouteDeps): Router {
  const router = Router();
  const acsLimit = rateLimit(deps.store, deps.clock, { bucket: 'acs', limit: 30, windowMs: 60_000 });
  const finishLimit = rateLimit(deps.store, deps.clock, { bucket: 'callback', limit: 30, windowMs: 60_000 });
  const finishCookie = `${deps.cookie.name}-finish`;
  const finishCookieOptions = { httpOnly: true, secure: deps.cookie.secure, sameSite: 'lax' as const, path: '/' };

  const connectorFor = (id: unknown): SamlConnector => {
    const connector = typeof id === 'string' ? deps.connectors.get(id) : undefined;
    if (!isSamlConnector(connector)) throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    return connector;
  };

  // What to paste into the IdP (Google: "Service provider details").
  router.get('/saml/:connector/metadata', (req, res) => {
    res.type('application/samlmetadata+xml; charset=utf-8').send(connectorFor(req.params.connector).spMetadataXml());
  });

  router.post('/saml/:connector/acs', acsLimit, async (req: Request, res, next) => {
    const connector = connectorFor(req.params.connector);
    const step: LoginStep = { loginStep: { kind: 'callback' } };
    await deps.passport.authenticate(connector.id, step, async (err, identity, info) => {
      try {
        if (err) throw err;
        if (!identity) throw refusal(connector.id, info);
        await signInFromResponse(req, res, connector, identity as Identity, info as AcsOutcome);
      } catch (e) {
        signInRefused(req, connector.id, e, deps);
        next(e);
      }
    }, req, res, next);
  });

  async function signInFromResponse(req: Request, res: Response, connector: SamlConnector, identity: Identity, { pending, relayState }: AcsOutcome): Promise<void> {
    if (pending) {
      // SP-initiated: finished by the GET below, in the browser whose session began it (C4).
      const ticket = await parkSignIn(deps.store, {
        connector: connector.id, state: pending.state, identity: toStored(identity),
        ...(pending.returnTo !== undefined && { returnTo: pending.returnTo }),
      });
      res.cookie(finishCookie, ticket, { ...finishCookieOptions, maxAge: PARKED_SIGN_IN_TTL_MS });
      res.set('Cache-Control', 'no-store').redirect(303, `${deps.publicUrl}/saml/${connector.id}/finish`);
      return;
    }
    await completeSignIn(req, identity, deps, 'tile');

    // From the tile, a person who may wear exactly one role can go straight to the console. The
    // verified assertion in this POST is what authorises it, as a role form's POST would (W5).
    if (connector.options.straightToConsoleWhenOneRole) {
      const grants = deps.hats.grants(identity);
      if (grants.length === 1) {
        const url = await deps.hats.consoleUrl(identity, grants[0]!, requestMeta(req, 'tile'));
        res.set('Cache-Control', 'no-store').redirect(303, url);
        return;
      }
    }
    // An IdP may put a landing path in RelayState of a tile login; only a path on this site (W1).
    res.redirect(303, `${deps.publicUrl}${safeReturnTo(relayState)}`);
  }

  // The same-site GET after an SP-initiated login's ACS: it carries the Lax session cookie.
  router.get('/saml/:connector/finish', finishLimit, async (req, res) => {
    const connector = connectorFor(req.params.connector);
    res.clearCookie(finishCookie, finishCookieOptions);
    const parked = await claimSignIn(deps.store, readCookie(req.get('cookie'), finishCookie));
    try {
      if (!parked || parked.connector !== connector.id) {
        throw fail.unauthenticated('login_state_mismatch', 'This sign-in could not be completed, or it was already used. Please sign in again.',
          'no parked SAML login for this browser (ticket cookie missing, unknown, expired or used)');
      }
      if (!req.session.loginState || req.session.loginState !== parked.state) {
        throw fail.unauthenticated('login_state_mismatch',
          'This sign-in was not started in this browser, so it was not completed: someone may have tried to sign you in as them. Please sign in again.',
          'a SAML login answered in a browser other than the one that started it (login CSRF)');
      }
    } catch (e) {
      signInRefused(req, connector.id, e, deps);
      throw e;
    }
    delete req.session.loginState;
    await completeSignIn(req, fromStored(parked.identity), deps);
    res.set('Cache-Control', 'no-store').redirect(303, `${deps.publicUrl}${safeReturnTo(parked.returnTo)}`);
  });

  return router;
}
