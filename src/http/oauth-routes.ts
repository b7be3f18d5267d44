// The JSON endpoints the CLI calls (no cookies, no pages): device authorization and token
// (RFC 8628 §3.1, §3.4), and token revocation (RFC 7009). Mounted ahead of the session middleware
// (app.ts): a CLI poll carries no cookie, and building and hashing a session for each of them was a
// sixth of what a poll cost (bench/device-poll.ts). Thin: parse → call src/device → answer.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import type { DeviceFlow } from '../device/device-flow.ts';
import { isOAuthError, OAuthError } from '../device/errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import { bodyField } from './body-field.ts';
import { rateLimit } from './rate-limit.ts';
import { requestMeta, who } from './request-meta.ts';

export interface OAuthRouteDeps {
  audit: AuditLog;
  device: DeviceFlow;
  /** The registered public clients (config device.clients). */
  clientIds: readonly string[];
  tokens: BrokerTokens;
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type Handler = (req: Request, res: Response) => Promise<void>;

/** OAuth endpoints answer their errors as RFC 6749 §5.2 JSON, never as a page; other errors go on to the error handler. */
function oauthEndpoint(handler: Handler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    try {
      await handler(req, res);
    } catch (e) {
      if (!isOAuthError(e)) return next(e);
      res.locals.oauthError = e.code;
      res.status(e.status).json({ error: e.code, error_description: e.message });
    }
  };
}

export function oauthRoutes(deps: OAuthRouteDeps): Router {
  const router = Router();
  const codeLimit = rateLimit(deps.store, deps.clock, { bucket: 'device-code', limit: 20, windowMs: 60_000 });
  // Each poll is also paced per device code (slow_down); this bounds a flood of made-up codes.
  const tokenLimit = rateLimit(deps.store, deps.clock, { bucket: 'token', limit: 600, windowMs: 60_000 });

  router.post('/oauth/device/code', codeLimit, oauthEndpoint(async (req, res) => {
    const authorization = await deps.device.start(bodyField(req, 'client_id'), { ip: req.ip, userAgent: req.get('user-agent') });
    res.json(authorization);
  }));

  router.post('/oauth/token', tokenLimit, oauthEndpoint(async (req, res) => {
    // Each poll is counted by its answer: authorization_pending, slow_down, ok, expired_token…
    res.on('finish', () => deps.metrics.devicePoll(res.statusCode === 200 ? 'ok' : String(res.locals.oauthError ?? 'error')));
    const grantType = bodyField(req, 'grant_type');
    if (typeof grantType !== 'string' || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required.');
    if (grantType !== DEVICE_GRANT) throw new OAuthError('unsupported_grant_type', `Only ${DEVICE_GRANT} is supported.`);
    const clientId = bodyField(req, 'client_id');
    const approval = await deps.device.poll(clientId, bodyField(req, 'device_code'));
    const issued = await deps.tokens.issue(approval, clientId as string);
    deps.log.info('device login completed', { connector: approval.identity.connector, subject: approval.identity.subject, email: approval.identity.email, client: clientId });
    res.json({ access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresInSeconds });
  }));

  // RFC 7009: a token of another client, or an unknown one, is answered like a revoked one.
  router.post('/oauth/revoke', tokenLimit, oauthEndpoint(async (req, res) => {
    const clientId = bodyField(req, 'client_id');
    if (typeof clientId !== 'string' || !deps.clientIds.includes(clientId)) throw new OAuthError('invalid_client', 'Unknown client_id.');
    const token = bodyField(req, 'token');
    if (typeof token !== 'string' || token === '') throw new OAuthError('invalid_request', 'token is required.');
    const revoked = await deps.tokens.revoke(token, clientId);
    if (revoked) deps.audit.record({ event: 'logout', result: 'ok', ...who(revoked), ...requestMeta(req, 'cli') });
    res.status(200).end();
  }));

  return router;
}
