// The moment a verified identity becomes a signed-in browser: a fresh session ID (W3), the
// identity, and the absolute end of the sign-in. Shared by every connector's callback route.
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import type { Identity } from '../identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { RequestMeta } from '../broker/types.ts';
import { isHatrackError } from '../errors.ts';
import { requestMeta, who } from './request-meta.ts';
import { toStored } from '../stored-identity.ts';

export interface SignInDeps {
  sessionTtlSeconds: number;
  audit: AuditLog;
  tokens: BrokerTokens;
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

export async function completeSignIn(req: Request, identity: Identity, deps: SignInDeps, via: RequestMeta['via'] = 'browser'): Promise<void> {
  const before = req.session.identity;
  const earlier = { id: req.session.signInId, expiresAt: req.session.expiresAt };
  const samePerson = before !== undefined && before.connector === identity.connector && before.subject === identity.subject;
  // A sign-in replaced by another person's ends, and so do the CLI logins approved in it: its
  // session is about to be destroyed, and nothing could log it out later.
  if (!samePerson && earlier.id && earlier.expiresAt) await deps.tokens.endSignIn(earlier.id, earlier.expiresAt);
  // W3: a new session ID at login; the pre-login session is gone.
  await regenerate(req);
  req.session.identity = toStored(identity);
  req.session.expiresAt = deps.clock.now().getTime() + deps.sessionTtlSeconds * 1000;
  // The same person signing in again keeps the sign-in's id, so that one logout still ends every
  // CLI login approved in this browser.
  req.session.signInId = samePerson && earlier.id ? earlier.id : randomBytes(16).toString('base64url');
  // Saved before the redirect is sent: express-session saves while the answer is already going out,
  // and the next request, on any broker process, may arrive before a save made then (R6).
  await save(req);
  deps.metrics.login(identity.connector, 'ok');
  // The groups and MFA as signed in: what the admin access page computes each person's roles from.
  deps.audit.record({
    event: 'sign-in', result: 'ok', ...who(identity), ...requestMeta(req, via),
    groups: identity.groups.filter((g): g is string => typeof g === 'string').slice(0, 100), mfa: identity.mfa, emailVerified: identity.emailVerified,
  });
  deps.log.info('signed in', { connector: identity.connector, subject: identity.subject, email: identity.email, groups: identity.groups.length });
}

/** A sign-in that was refused, for the metrics and the audit trail: which connector, and why (the error's code). */
export function signInRefused(req: Request, connector: string, error: unknown, deps: Pick<SignInDeps, 'audit' | 'metrics'>): void {
  deps.metrics.login(connector, 'failed');
  const code = isHatrackError(error) ? error.code : 'internal';
  deps.audit.record({ event: 'sign-in-refused', result: 'refused', connector, error: code, ...requestMeta(req, 'browser') });
}
