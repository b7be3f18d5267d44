// The moment a verified identity becomes a signed-in browser: a fresh session ID (W3), the
// identity, and the absolute end of the sign-in. Shared by every connector's callback route.
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Identity } from '../identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { toStored } from '../stored-identity.ts';

export interface SignInDeps {
  sessionTtlSeconds: number;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
}

export async function completeSignIn(req: Request, identity: Identity, deps: SignInDeps): Promise<void> {
  // W3: a new session ID at login; the pre-login session is gone.
  await regenerate(req);
  req.session.identity = toStored(identity);
  req.session.expiresAt = deps.clock.now().getTime() + deps.sessionTtlSeconds * 1000;
  req.session.signInId = randomBytes(16).toString('base64url');
  // Saved before the redirect is sent: express-session saves while the answer is already going out,
  // and the next request, on any broker process, may arrive before a save made then (R6).
  await save(req);
  countLogin(deps.metrics, identity.connector, 'ok');
  deps.log.info('signed in', { connector: identity.connector, subject: identity.subject, email: identity.email, groups: identity.groups.length });
}

export function countLogin(metrics: Metrics, connector: string, result: 'ok' | 'failed'): void {
  metrics.inc('logins_total', 'Completed and failed sign-ins.', { connector, result });
}
