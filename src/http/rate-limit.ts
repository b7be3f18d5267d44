// SECURITY.md W13: floods of login, callback and role endpoints get 429. A fixed window per client
// address and bucket, counted in the shared store so every process sees the same count.
import type { NextFunction, Request, Response } from 'express';
import type { Store } from '../store/store.ts';
import { fail } from '../errors.ts';

export interface RateLimit {
  bucket: string;
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export function rateLimit(store: Store, { bucket, limit, windowMs }: RateLimit) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      const window = Math.floor(Date.now() / windowMs);
      const count = await store.increment(`rate:${bucket}:${req.ip ?? 'unknown'}:${window}`, windowMs);
      if (count > limit) return next(fail.tooMany('rate_limited', 'Too many requests. Wait a minute and try again.'));
      next();
    } catch (e) {
      next(e);
    }
  };
}
