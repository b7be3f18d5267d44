// The one place where errors become HTTP: a HatrackError keeps its status and safe message; any
// other error is a 500 with a reference to the log line, never a stack trace.
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HatrackError, isHatrackError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { burstLog } from './burst-log.ts';
import { csrfToken } from './csrf.ts';
import { fromStored } from '../stored-identity.ts';
import type { Renderer } from './render.ts';

const headings: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Sign-in failed',
  403: 'Not allowed',
  404: 'Not found',
  413: 'That request was too large',
  429: 'Slow down',
  502: 'A service Hatrack depends on failed',
  503: 'Hatrack is unavailable right now',
};

/** Errors thrown by Express's own parsers carry `status` and `type`. */
function fromParserError(e: unknown): HatrackError | undefined {
  const err = e as { status?: number; type?: string };
  if (err?.type === 'entity.too.large') return new HatrackError('body_too_large', 413, 'The request body is too large.');
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return new HatrackError('bad_request', 400, 'The request could not be read.', err.type);
  }
  return undefined;
}

export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

export function errorHandler(deps: { log: Logger; render: Renderer; base: string; metrics: Metrics }) {
  const burst = burstLog(deps.log);
  // Express recognises error middleware by its four parameters.
  return (e: unknown, req: Request, res: Response, _next: NextFunction) => {
    // The request's id (request-meta.ts): the reference people quote is the one in this log line and its audit events.
    const reference = typeof res.locals.requestId === 'string' ? res.locals.requestId : randomBytes(6).toString('hex');
    const known = isHatrackError(e) ? e : fromParserError(e);
    const error = known ?? new HatrackError('internal', 500, 'Something went wrong on our side.');
    // `errorCode`, not `code`: the logger redacts fields called `code` (OAuth authorization codes).
    const fields = { reference, errorCode: error.code, status: error.status, method: req.method, path: req.path, detail: error.detail };
    deps.metrics.refused(error.code, error.status);
    if (typeof res.locals.rateLimitBucket === 'string') deps.metrics.rateLimit(res.locals.rateLimitBucket);
    // Identical failures in a burst are summarised (burst-log.ts): the same code, status and detail.
    const key = `${error.code}:${error.status}:${error.detail ?? ''}`;
    if (known && error.status < 500) burst.log('warn', key, 'request refused', fields);
    else if (known) burst.log('error', key, 'request failed', fields);
    else {
      const cause = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      burst.log('error', `${key}:${cause}`, 'request failed', { ...fields, error: cause, stack: e instanceof Error ? e.stack : undefined });
    }

    if (res.headersSent) return;
    res.status(error.status).set('Cache-Control', 'no-store');
    // Routes that answer only JSON (the bearer API) say so in res.locals.json, whatever Accept says.
    if (res.locals.json === true || wantsJson(req)) {
      res.json({ error: error.code, message: error.message, reference });
      return;
    }
    // A signed-in person keeps the header (who they are, sign out) on an error page too.
    const stored = req.session?.identity;
    res.type('html').send(deps.render('error.njk', {
      title: error.heading ?? headings[error.status] ?? 'Error',
      heading: error.heading ?? headings[error.status] ?? 'Something went wrong',
      message: error.message,
      code: error.code,
      reference,
      base: deps.base,
      ...(stored && { user: fromStored(stored), csrf: csrfToken(req) }),
    }));
  };
}
