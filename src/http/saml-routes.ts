// The SAML service-provider side (Google Workspace and any SAML IdP): the Assertion Consumer
// Service and the SP metadata to paste into the IdP. The ACS is reached by a cross-site POST that
// carries no SameSite=Lax cookie (W2), so it never relies on the session for login state: an
// SP-initiated login is found through RelayState in the shared store, a tile login has none.
import { Router, urlencoded, type Request } from 'express';
import type { HatRack } from '../broker/types.ts';
import type { Clock } from '../clock.ts';
import { isWellFormedState, takePendingLogin, type RedirectConnector } from '../connectors/connector.ts';
import type { SamlConnector } from '../connectors/saml/index.ts';
import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import { rateLimit } from './rate-limit.ts';
import { safeReturnTo } from './return-to.ts';
import { completeSignIn, countLogin } from './sign-in.ts';

export interface SamlRouteDeps {
  connectors: ReadonlyMap<string, RedirectConnector>;
  hats: HatRack;
  store: Store;
  publicUrl: string;
  publicOrigin: string;
  sessionTtlSeconds: number;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

function isSamlConnector(c: RedirectConnector | undefined): c is SamlConnector {
  return c?.type === 'saml' && 'acceptResponse' in c;
}

/** The POSTed fields, repeated ones kept repeated (the connector refuses those). */
function formOf(body: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (body === null || typeof body !== 'object') return form;
  for (const [key, value] of Object.entries(body)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') form.append(key, v);
  }
  return form;
}

/**
 * The ACS body parser, mounted before the app's general 16 kB one: SAML responses are larger.
 * The connector enforces its own, smaller limit on the SAMLResponse value itself (S33).
 */
export const acsBodyParser = urlencoded({ extended: false, limit: '512kb', parameterLimit: 10 });

export function samlRoutes(deps: SamlRouteDeps): Router {
  const router = Router();
  const acsLimit = rateLimit(deps.store, deps.clock, { bucket: 'acs', limit: 30, windowMs: 60_000 });

  const connectorFor = (id: unknown): SamlConnector => {
    const connector = typeof id === 'string' ? deps.connectors.get(id) : undefined;
    if (!isSamlConnector(connector)) throw fail.notFound('unknown_connector', 'There is no such sign-in method.');
    return connector;
  };

  // What to paste into the IdP (Google: "Service provider details").
  router.get('/saml/:connector/metadata', (req, res) => {
    res.type('application/samlmetadata+xml; charset=utf-8').send(connectorFor(req.params.connector).spMetadataXml());
  });

  router.post('/saml/:connector/acs', acsLimit, async (req: Request, res) => {
    const connector = connectorFor(req.params.connector);
    const callback = { url: new URL(req.originalUrl, deps.publicOrigin), form: formOf(req.body) };
    const relayState = connector.callbackState(callback);
    // Consumed once, atomically: a second POST of the same SP-initiated response finds nothing.
    const pending = isWellFormedState(relayState) ? await takePendingLogin(deps.store, relayState) : undefined;
    if (pending && pending.connector !== connector.id) {
      throw fail.unauthenticated('login_state_mismatch', 'This sign-in was started with another sign-in method. Please sign in again.');
    }
    let result;
    try {
      result = await connector.acceptResponse({ callback, pending });
    } catch (e) {
      countLogin(deps.metrics, connector.id, 'failed');
      throw e;
    }
    const { identity } = result;
    await completeSignIn(req, identity, deps);

    // From the tile, a person who may wear exactly one role can go straight to the console. The
    // verified assertion in this POST is what authorises it, as a role form's POST would (W5).
    if (result.unsolicited && connector.options.straightToConsoleWhenOneRole) {
      const grants = deps.hats.grants(identity);
      if (grants.length === 1) {
        const url = await deps.hats.consoleUrl(identity, grants[0]!, { ip: req.ip, userAgent: req.get('user-agent'), via: 'browser' });
        res.set('Cache-Control', 'no-store').redirect(303, url);
        return;
      }
    }
    // An IdP may put a landing path in RelayState of a tile login; only a path on this site (W1).
    const returnTo = pending ? safeReturnTo(pending.returnTo) : safeReturnTo(relayState);
    res.redirect(303, `${deps.publicUrl}${returnTo}`);
  });

  return router;
}
