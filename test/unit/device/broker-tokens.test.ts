// Broker tokens, what the CLI holds after a device approval: issued to the approver (D14), stored
// by hash (D3), and ended by their own lifetime, the end of the sign-in that approved them, that
// sign-in's logout, the person's "sign out everywhere", or revocation.
import { beforeEach, describe, expect, it } from 'vitest';
import { BROKER_TOKEN_PREFIX, createBrokerTokens, type BrokerTokens, type IssuedToken } from '../../../src/device/broker-tokens.ts';
import type { Approval } from '../../../src/device/device-flow.ts';
import { secretKey } from '../../../src/device/hash.ts';
import type { Identity } from '../../../src/identity.ts';
import { T0, memoryFixture, mentions, person, rejection, stored, type ScannedStore, type StoreFixture } from './support.ts';

const HOUR = 3600_000;
const CLI = 'hatrack-cli';

let f: StoreFixture;
let store: ScannedStore;

function tokensWith(ttlSeconds: number): BrokerTokens {
  return createBrokerTokens(store, f.clock, { ttlSeconds, approvalTtlSeconds: 600 });
}

/** An approval by `name`, made in the browser sign-in `signInId` that ends `endsInMs` from now. */
/** As POST /device makes it: with the person's sign-out-everywhere generation at the time. */
async function approvalNow(tokens: BrokerTokens, name: string, signInId = `sign-in-${name}`, endsInMs = 8 * HOUR, overrides: Partial<Identity> = {}): Promise<Approval> {
  const identity = stored(name, overrides);
  return { identity, signIn: { id: signInId, expiresAt: f.clock.now().getTime() + endsInMs }, generation: await tokens.generation(identity.connector, identity.subject) };
}

async function expectDead(tokens: BrokerTokens, token: unknown): Promise<void> {
  const e = await rejection(tokens.verify(token));
  expect(e.code).toBe('invalid_token');
  expect(e.status).toBe(401);
}

async function expectLive(tokens: BrokerTokens, issued: IssuedToken, email: string): Promise<void> {
  expect((await tokens.verify(issued.token)).identity.email).toBe(email);
}

beforeEach(() => {
  f = memoryFixture();
  store = f.store;
});

describe('issue and verify', () => {
  it('D14 issue gives an opaque hatrack_ token whose holder is the person who approved, as verified', async () => {
    const tokens = tokensWith(8 * 3600);
    const issued = await tokens.issue(await approvalNow(tokens, 'alice'), CLI);
    expect(issued.token.startsWith(BROKER_TOKEN_PREFIX)).toBe(true);
    expect(issued.token).toMatch(/^hatrack_[A-Za-z0-9_-]{43,}$/);
    const holder = await tokens.verify(issued.token);
    expect(holder.identity).toEqual(person('alice'));
    expect(holder.identity.authTime).toBeInstanceOf(Date);
    expect(holder.clientId).toBe(CLI);
    expect(holder.expiresAt).toEqual(new Date(T0.getTime() + 8 * HOUR));
    // Another approval gives another person's token.
    expect((await tokens.verify((await tokens.issue(await approvalNow(tokens, 'bob'), CLI)).token)).identity).toEqual(person('bob'));
  });

  it('every token is new: 100 issues of one approval give 100 tokens', async () => {
    const tokens = tokensWith(3600);
    const approval = await approvalNow(tokens, 'alice');
    const all = new Set<string>();
    for (let i = 0; i < 100; i++) all.add((await tokens.issue(approval, CLI)).token);
    expect(all.size).toBe(100);
  });

  it('expiry = tokenTtl when the sign-in ends later: live until then, dead from then on', async () => {
    const tokens = tokensWith(3600);
    const issued = await tokens.issue(await approvalNow(tokens, 'alice', 's1', 8 * HOUR), CLI);
    expect(issued.expiresInSeconds).toBe(3600);
    expect((await tokens.verify(issued.token)).expiresAt).toEqual(new Date(T0.getTime() + HOUR));
    f.clock.advance(HOUR - 1);
    await expectLive(tokens, issued, 'alice@example.com');
    f.clock.advance(1);
    await expectDead(tokens, issued.token);
  });

  it('expiry = the end of the sign-in when that comes before tokenTtl', async () => {
    const tokens = tokensWith(8 * 3600);
    const issued = await tokens.issue(await approvalNow(tokens, 'alice', 's1', 90 * 60_000), CLI);
    expect(issued.expiresInSeconds).toBe(90 * 60);
    expect((await tokens.verify(issued.token)).expiresAt).toEqual(new Date(T0.getTime() + 90 * 60_000));
    f.clock.advance(90 * 60_000 - 1);
    await expectLive(tokens, issued, 'alice@example.com');
    f.clock.advance(1);
    await expectDead(tokens, issued.token);
  });

  it('expires_in is whole seconds, never more than the token really has', async () => {
    const tokens = tokensWith(8 * 3600);
    const issued = await tokens.issue(await approvalNow(tokens, 'alice', 's1', 1_500_700), CLI);
    expect(issued.expiresInSeconds).toBe(1500);
  });

  it('a sign-in that has already ended gives no token, and nothing is stored', async () => {
    const tokens = tokensWith(3600);
    for (const endsIn of [0, -1, -HOUR]) {
      // Which error is the HTTP layer's concern (see device-http.test.ts); here: refused, as a HatrackError.
      const e = await rejection(tokens.issue(await approvalNow(tokens, 'alice', 's1', endsIn), CLI));
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(500);
    }
    expect(await store.snapshot()).toEqual([]);
  });

  it('verify refuses anything but a live token it issued: invalid_token, 401', async () => {
    const tokens = tokensWith(3600);
    const { token } = await tokens.issue(await approvalNow(tokens, 'alice'), CLI);
    const random = token.slice(BROKER_TOKEN_PREFIX.length);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [undefined, null, 42, '', 'hatrack_', random, `Bearer ${token}`, ` ${token}`, token.toUpperCase(), flipped,
      `${token}x`, `${BROKER_TOKEN_PREFIX}${'a'.repeat(200)}`, secretKey(token), `${BROKER_TOKEN_PREFIX}${secretKey(token)}`, [token]]) {
      await expectDead(tokens, bad);
    }
    await expectLive(tokens, { token, expiresInSeconds: 0 }, 'alice@example.com');
  });

  it('D3 tokens are stored only by their hash: no key or value of the store holds a token or its random part', async () => {
    const tokens = tokensWith(3600);
    const issued = [await tokens.issue(await approvalNow(tokens, 'alice'), CLI), await tokens.issue(await approvalNow(tokens, 'bob'), CLI)];
    await tokens.endEverywhere('demo', 'demo-carla');
    await tokens.endSignIn('sign-in-bob', T0.getTime() + HOUR);
    const snapshot = await store.snapshot();
    for (const { token } of issued) {
      expect(snapshot.some(([k]) => k.includes(secretKey(token))), 'the record is filed under the hash').toBe(true);
      for (const secret of [token, token.slice(BROKER_TOKEN_PREFIX.length)]) {
        for (const [key, value] of snapshot) {
          expect(mentions(key, secret), `key ${key}`).toBe(false);
          expect(mentions(value, secret), `value of ${key}`).toBe(false);
        }
      }
    }
  });
});

describe('revoke (RFC 7009)', () => {
  it('a revoked token is dead at once; the other tokens of the same sign-in live on', async () => {
    const tokens = tokensWith(3600);
    const approval = await approvalNow(tokens, 'alice');
    const [a, b] = [await tokens.issue(approval, CLI), await tokens.issue(approval, CLI)];
    await tokens.revoke(a.token, CLI);
    await expectDead(tokens, a.token);
    await expectLive(tokens, b, 'alice@example.com');
    // Revoking again, or revoking what was never a token, is not an error (RFC 7009 §2.2).
    await tokens.revoke(a.token, CLI);
    for (const junk of ['', 'hatrack_nope', 'x'.repeat(10_000)]) await tokens.revoke(junk, CLI);
    await expectLive(tokens, b, 'alice@example.com');
  });

  it('a token is revoked only by the client it was issued to', async () => {
    const tokens = tokensWith(3600);
    const issued = await tokens.issue(await approvalNow(tokens, 'alice'), CLI);
    await tokens.revoke(issued.token, 'another-client');
    await expectLive(tokens, issued, 'alice@example.com');
  });
});

describe('ending a sign-in (its logout)', () => {
  it('endSignIn kills every token approved in that sign-in, and only those', async () => {
    const tokens = tokensWith(8 * 3600);
    const inA = [await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), CLI), await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), 'other-cli')];
    const inB = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-B'), CLI);
    const bobs = await tokens.issue(await approvalNow(tokens, 'bob', 'sign-in-C'), CLI);
    f.clock.advance(HOUR);
    await tokens.endSignIn('sign-in-A', T0.getTime() + 8 * HOUR);
    for (const t of inA) await expectDead(tokens, t.token);
    await expectLive(tokens, inB, 'alice@example.com');
    await expectLive(tokens, bobs, 'bob@example.com');
    // Dead for the rest of their lives, not only at once.
    f.clock.advance(7 * HOUR - 1);
    for (const t of inA) await expectDead(tokens, t.token);
    await expectLive(tokens, inB, 'alice@example.com');
  });

  it('endSignIn of a sign-in that is already over does nothing and does not fail', async () => {
    const tokens = tokensWith(3600);
    const live = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), CLI);
    await tokens.endSignIn('sign-in-old', T0.getTime() - 1);
    await tokens.endSignIn('sign-in-now', T0.getTime());
    await expectLive(tokens, live, 'alice@example.com');
  });
});

describe('sign out everywhere', () => {
  it('endEverywhere kills every token of that person (connector + subject), from every sign-in and client, and no one else\'s', async () => {
    const tokens = tokensWith(8 * 3600);
    const alices = [
      await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), CLI),
      await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-B'), 'other-cli'),
      await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-C'), CLI),
    ];
    const bobs = await tokens.issue(await approvalNow(tokens, 'bob', 'sign-in-D'), CLI);
    // The same subject at another connector is another person.
    const elsewhere = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-E', 8 * HOUR, { connector: 'google', email: 'alice@google.example' }), CLI);
    // Same connector, another subject with the same email: another person too.
    const namesake = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-F', 8 * HOUR, { subject: 'demo-alice-2' }), CLI);
    f.clock.advance(HOUR);
    await tokens.endEverywhere('demo', 'demo-alice');
    for (const t of alices) await expectDead(tokens, t.token);
    await expectLive(tokens, bobs, 'bob@example.com');
    await expectLive(tokens, elsewhere, 'alice@google.example');
    await expectLive(tokens, namesake, 'alice@example.com');
    f.clock.advance(6 * HOUR);
    for (const t of alices) await expectDead(tokens, t.token);
  });

  it('tokens issued after endEverywhere work, to their own end, even past the end of the first mark', async () => {
    const tokens = tokensWith(3600);
    const before = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), CLI);
    f.clock.advance(1000);
    await tokens.endEverywhere('demo', 'demo-alice');
    await expectDead(tokens, before.token);
    f.clock.advance(50 * 60_000);
    const after = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-B'), CLI);
    await expectLive(tokens, after, 'alice@example.com');
    // An hour after endEverywhere the mark written then would be gone; the later token still works…
    f.clock.advance(30 * 60_000);
    await expectLive(tokens, after, 'alice@example.com');
    f.clock.advance(30 * 60_000 - 1);
    await expectLive(tokens, after, 'alice@example.com');
    // …to its own end, and no further.
    f.clock.advance(1);
    await expectDead(tokens, after.token);
  });

  it('a second endEverywhere kills the tokens issued since the first', async () => {
    const tokens = tokensWith(8 * 3600);
    await tokens.endEverywhere('demo', 'demo-alice');
    const between = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-A'), CLI);
    await expectLive(tokens, between, 'alice@example.com');
    f.clock.advance(1000);
    await tokens.endEverywhere('demo', 'demo-alice');
    await expectDead(tokens, between.token);
    const later = await tokens.issue(await approvalNow(tokens, 'alice', 'sign-in-B'), CLI);
    await expectLive(tokens, later, 'alice@example.com');
  });
});
