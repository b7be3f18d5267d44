// The express-session adapter over our Store seam (src/http/session-store.ts), on the memory store
// with a frozen clock, plus one real express-session round trip.
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session, { type SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { HatrackError } from '../../../src/errors.ts';
import { StoreSessionStore } from '../../../src/http/session-store.ts';
import { MemoryStore } from '../../../src/store/memory.ts';

const T0 = new Date('2026-01-01T00:00:00Z');

function sessionData(clock: FixedClock, maxAgeMs: number | null, extra: Record<string, unknown> = {}): SessionData {
  const expires = maxAgeMs === null ? null : new Date(clock.now().getTime() + maxAgeMs);
  return { cookie: { originalMaxAge: maxAgeMs, expires, httpOnly: true, path: '/' }, ...extra } as unknown as SessionData;
}

/** Node-style callback APIs as promises; the error, if any, is what the callback received. */
const get = (s: StoreSessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) => s.get(sid, (err, data) => (err ? reject(err) : resolve(data))));
const set = (s: StoreSessionStore, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) => s.set(sid, data, (err) => (err ? reject(err) : resolve())));
const destroy = (s: StoreSessionStore, sid: string) =>
  new Promise<void>((resolve, reject) => s.destroy(sid, (err) => (err ? reject(err) : resolve())));
const touch = (s: StoreSessionStore, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) => s.touch(sid, data, (err?: unknown) => (err ? reject(err) : resolve())));

describe('StoreSessionStore (express-session over the Store seam)', () => {
  let clock: FixedClock;
  let store: MemoryStore;
  let sessions: StoreSessionStore;

  beforeEach(() => {
    clock = new FixedClock(T0);
    store = new MemoryStore({ clock });
    sessions = new StoreSessionStore(store, { ttlSeconds: 3600, clock });
  });
  afterEach(async () => {
    await store.close();
  });

  it('get after set returns the session', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000, { csrf: 'token-value' }));
    const got = await get(sessions, 'sid-1');
    expect(got).toMatchObject({ csrf: 'token-value', cookie: { originalMaxAge: 60_000 } });
  });

  it('stores the session as JSON under sess:<id>', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000, { loginState: 's' }));
    const raw = await store.get('sess:sid-1');
    expect(JSON.parse(raw!)).toMatchObject({ loginState: 's' });
  });

  it('get of an unknown session id passes neither a session nor an error', async () => {
    expect(await get(sessions, 'nobody')).toBeNull();
  });

  it("a session lives exactly as long as its cookie's maxAge", async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000));
    clock.advance(59_999);
    expect(await get(sessions, 'sid-1')).not.toBeNull();
    clock.advance(1);
    expect(await get(sessions, 'sid-1')).toBeNull();
    expect(await store.get('sess:sid-1')).toBeUndefined();
  });

  it('a session whose cookie has no expiry lives for the default TTL', async () => {
    await set(sessions, 'sid-1', sessionData(clock, null));
    clock.advance(3_599_000);
    expect(await get(sessions, 'sid-1')).not.toBeNull();
    clock.advance(1_000);
    expect(await get(sessions, 'sid-1')).toBeNull();
  });

  it('destroy removes the session', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000));
    await destroy(sessions, 'sid-1');
    expect(await get(sessions, 'sid-1')).toBeNull();
  });

  it('touch extends the TTL to the refreshed cookie expiry, keeping an idle session alive past its first expiry', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000, { csrf: 'c' }));
    clock.advance(50_000);
    await touch(sessions, 'sid-1', sessionData(clock, 60_000, { csrf: 'c' })); // expires at 110 s
    clock.advance(30_000); // 80 s: past the first expiry
    expect(await get(sessions, 'sid-1')).toMatchObject({ csrf: 'c' });
    clock.advance(30_000); // 110 s
    expect(await get(sessions, 'sid-1')).toBeNull();
  });

  it('touch does not bring back a session destroyed meanwhile (a logout racing a request)', async () => {
    const data = sessionData(clock, 60_000, { identity: { subject: 'alice' } });
    await set(sessions, 'sid-1', data);
    await destroy(sessions, 'sid-1'); // logout on another request
    await touch(sessions, 'sid-1', data); // the slower request ends and refreshes its idle timer
    expect(await get(sessions, 'sid-1')).toBeNull();
    expect(await store.get('sess:sid-1')).toBeUndefined();
  });

  it('saving a session whose cookie has already expired removes it instead of writing it', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000));
    await set(sessions, 'sid-1', sessionData(clock, -1));
    expect(await store.get('sess:sid-1')).toBeUndefined();
  });

  it('an unreadable stored session counts as no session', async () => {
    await store.set('sess:sid-1', '{not json', 60_000);
    expect(await get(sessions, 'sid-1')).toBeNull();
    await store.set('sess:sid-2', '"a string"', 60_000);
    expect(await get(sessions, 'sid-2')).toBeNull();
  });

  it('an unavailable store surfaces store_unavailable to the callback of get, set, destroy and touch', async () => {
    await set(sessions, 'sid-1', sessionData(clock, 60_000));
    await store.close();
    const data = sessionData(clock, 60_000);
    for (const call of [get(sessions, 'sid-1'), set(sessions, 'sid-1', data), destroy(sessions, 'sid-1'), touch(sessions, 'sid-1', data)]) {
      const err = await call.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HatrackError);
      expect((err as HatrackError).code).toBe('store_unavailable');
      expect((err as HatrackError).status).toBe(503);
    }
  });
});

describe('StoreSessionStore inside express-session', () => {
  it('keeps a session across requests (saved and touched), and answers 503 through next(err) when the store is down', async () => {
    const store = new MemoryStore({ clock: new FixedClock(new Date()) });
    const app = express();
    app.use(session({
      store: new StoreSessionStore(store, { ttlSeconds: 600 }),
      secret: 'test-secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 600_000 },
    }));
    app.post('/count', (req: Request, res: Response) => {
      const s = req.session as unknown as { n?: number };
      s.n = (s.n ?? 0) + 1;
      res.json({ n: s.n });
    });
    // Reads without modifying: express-session then calls the store's touch().
    app.get('/peek', (req: Request, res: Response) => {
      res.json({ n: (req.session as unknown as { n?: number }).n ?? null });
    });
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const status = err instanceof HatrackError ? err.status : 500;
      res.status(status).json({ code: err instanceof HatrackError ? err.code : 'internal' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = await fetch(`${base}/count`, { method: 'POST' });
      expect(await first.json()).toEqual({ n: 1 });
      const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
      const second = await fetch(`${base}/count`, { method: 'POST', headers: { cookie } });
      expect(await second.json()).toEqual({ n: 2 });
      const touched = vi.spyOn(store, 'touch');
      const peek = await fetch(`${base}/peek`, { headers: { cookie } });
      expect(await peek.json()).toEqual({ n: 2 });
      expect(touched).toHaveBeenCalledTimes(1);

      await store.close();
      const down = await fetch(`${base}/count`, { method: 'POST', headers: { cookie } });
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ code: 'store_unavailable' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
