// Where a request came from, for the audit trail and the broker: the client address (as `trust
// proxy` allows), the user agent (cut short), the way in, and the request's id — set first thing
// for every request (app.ts), sent back as X-Request-Id and shown as the reference of an error page.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { RequestMeta } from '../broker/types.ts';

export function assignRequestId(_req: Request, res: Response, next: NextFunction): void {
  // 48 random bits: the last group of a v4 UUID. randomUUID draws its randomness in batches, where
  // randomBytes would ask the system for six bytes on every request.
  const id = randomUUID().slice(24);
  res.locals.requestId = id;
  res.set('X-Request-Id', id);
  next();
}

export function requestIdOf(req: Request): string | undefined {
  const id = req.res?.locals.requestId;
  return typeof id === 'string' ? id : undefined;
}

export function requestMeta(req: Request, via: RequestMeta['via']): RequestMeta {
  const userAgent = req.get('user-agent');
  const requestId = requestIdOf(req);
  return {
    ip: req.ip,
    ...(userAgent !== undefined && { userAgent: userAgent.slice(0, 256) }),
    via,
    ...(requestId !== undefined && { requestId }),
  };
}

/** Who an event is about, from a verified identity. */
export function who(identity: { connector: string; subject: string; email: string }): { connector: string; subject: string; email: string } {
  return { connector: identity.connector, subject: identity.subject, email: identity.email };
}
