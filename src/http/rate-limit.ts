// SECURITY.md W13: floods of login, callback and role endpoints get 429. A fixed window per client
// and bucket, counted in the shared store so every process sees the same count.
import { isIPv4, isIPv6 } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/store.ts';
import { fail } from '../errors.ts';

export interface RateLimit {
  bucket: string;
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Who is counted; default the client address (see clientAddressKey). */
  key?: (req: Request) => string;
}

/**
 * The client's address as counted: IPv4 as is, IPv6 by its /64, because one subscriber usually
 * holds a whole /64 and could otherwise rotate through it. `req.ip` honours `trust proxy`.
 */
export function clientAddressKey(req: Request): string {
  const raw = req.ip ?? 'unknown';
  // An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d and is counted as a.b.c.d.
  const ip = raw.startsWith('::ffff:') && isIPv4(raw.slice('::ffff:'.length)) ? raw.slice('::ffff:'.length) : raw;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+/, '') || '0').join(':')}::/64`;
}

export function rateLimit(store: Store, clock: Clock, { bucket, limit, windowMs, key = clientAddressKey }: RateLimit) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const window = Math.floor(clock.now().getTime() / windowMs);
      const count = await store.increment(`rate:${bucket}:${key(req)}:${window}`, windowMs);
      if (count > limit) {
        // For the metrics: which limit refused it (errors.ts counts it).
        res.locals.rateLimitBucket = bucket;
        return next(fail.tooMany('rate_limited', 'Too many requests. Wait a minute and try again.'));
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}
