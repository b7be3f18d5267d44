// SECURITY.md W5: every state-changing POST carries the session's synchronizer token, and a
// browser's Origin header, when sent, must be our own.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { fail } from '../errors.ts';

export function csrfToken(req: Request): string {
  if (!req.session.csrf) req.session.csrf = randomBytes(24).toString('base64url');
  return req.session.csrf;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function requireCsrf(publicOrigin: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (origin && origin !== publicOrigin) {
      return next(fail.forbidden('csrf_origin', 'This request came from another site and was refused.', `origin ${origin}`));
    }
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    const expected = req.session.csrf;
    if (typeof sent !== 'string' || !expected || !sameToken(sent, expected)) {
      return next(fail.forbidden('csrf_token', 'Your form has expired. Go back, reload the page and try again.'));
    }
    next();
  };
}
