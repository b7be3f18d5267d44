// The device authorization grant (RFC 8628) as a state machine over a MemoryStore with a clock the
// test moves (SECURITY.md D3–D8, D13): what each poll hears, what a person's decision does, and
// that a refused code changes nothing.
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeviceFlow, type Approval, type DeviceAuthorization, type DeviceFlow, type DeviceFlowSettings } from '../../../src/device/device-flow.ts';
import { OAuthError } from '../../../src/device/errors.ts';
import { secretKey } from '../../../src/device/hash.ts';
import { USER_CODE_ALPHABET } from '../../../src/device/user-code.ts';
import type { HatrackError } from '../../../src/errors.ts';
import { T0, memoryFixture, mentions, rejection, stored, type ScannedStore, type StoreFixture } from './support.ts';

const CLI = 'hatrack-cli';
const OTHER_CLI = 'hatrack-other';
const settings: DeviceFlowSettings = {
  clientIds: [CLI, OTHER_CLI],
  codeTtlSeconds: 600,
  intervalSeconds: 5,
  verificationUri: 'https://hatrack.example/device',
};
const ORIGIN = { ip: '198.51.100.7', userAgent: 'hatrack/0.1.0 (linux; x64) node/24' };

function approvalOf(name: string): Approval {
  return { identity: stored(name), signIn: { id: `sign-in-of-${name}`, expiresAt: T0.getTime() + 8 * 3600_000 }, generation: '' };
}
const approve = (name = 'alice') => ({ decision: 'approved' as const, approval: approvalOf(name) });
const deny = { decision: 'denied' as const };

let f: StoreFixture;
let clock: StoreFixture['clock'];
let store: ScannedStore;
let flow: DeviceFlow;

beforeEach(() => {
  f = memoryFixture();
  clock = f.clock;
  store = f.store;
  flow = createDeviceFlow(store, clock, settings);
});

/** The OAuth error code a poll is answered with (always an OAuthError with HTTP 400). */
async function pollErrorAs(clientId: unknown, deviceCode: unknown, on: DeviceFlow = flow): Promise<string> {
  const e = await rejection<OAuthError>(on.poll(clientId, deviceCode));
  expect(e).toBeInstanceOf(OAuthError);
  expect(e.status).toBe(400);
  expect(e.message.length).toBeGreaterThan(0);
  return e.code;
}
const pollError = (deviceCode: unknown, on: DeviceFlow = flow) => pollErrorAs(CLI, deviceCode, on);

/** A refusal of pending()/decide(): D13's one answer. */
async function expectRefused(promise: Promise<unknown>): Promise<void> {
  const e = await rejection<HatrackError>(promise);
  expect(e).not.toBeInstanceOf(OAuthError);
  expect(e.code).toBe('device_code_refused');
  expect(e.status).toBe(400);
}

const seconds = (s: number) => clock.advance(s * 1000);

describe('starting a device login', () => {
  it('D1 D3 start answers RFC 8628 §3.2: codes, the verification URIs, expires_in and interval', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(a.user_code).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
    expect(a.verification_uri).toBe('https://hatrack.example/device');
    const complete = new URL(a.verification_uri_complete);
    expect(complete.origin + complete.pathname).toBe('https://hatrack.example/device');
    expect(complete.searchParams.get('user_code')).toBe(a.user_code);
    expect(a.expires_in).toBe(600);
    expect(a.interval).toBe(5);
    expect(Object.keys(a).sort()).toEqual(['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete']);
  });

  it('D3 device codes carry at least 128 random bits, and every start draws new codes', async () => {
    const starts: DeviceAuthorization[] = [];
    for (let i = 0; i < 100; i++) starts.push(await flow.start(CLI, ORIGIN));
    for (const { device_code } of starts) {
      expect(device_code).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(device_code, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    }
    expect(new Set(starts.map((s) => s.device_code)).size).toBe(100);
    expect(new Set(starts.map((s) => s.user_code)).size).toBe(100);
  });

  it('an unregistered client cannot start a device login (invalid_client), and nothing is stored', async () => {
    for (const client of ['evil-cli', 'HATRACK-CLI', 'hatrack-cli ', '', undefined, 42, ['hatrack-cli']]) {
      const e = await rejection<OAuthError>(flow.start(client, ORIGIN));
      expect(e).toBeInstanceOf(OAuthError);
      expect(e.code).toBe('invalid_client');
    }
    expect(await store.snapshot()).toEqual([]);
  });
});

describe('D3 codes are stored only by their hash', () => {
  /** The store's content at each step of a login that is slowed down, viewed, approved and redeemed. */
  async function wholeLifeSnapshots(): Promise<{ a: DeviceAuthorization; snapshots: Array<Array<[string, string]>> }> {
    const snapshots: Array<Array<[string, string]>> = [];
    const a = await flow.start(CLI, ORIGIN);
    snapshots.push(await store.snapshot());
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    expect(await pollError(a.device_code)).toBe('slow_down');
    snapshots.push(await store.snapshot());
    await flow.pending(a.user_code);
    await flow.decide(a.user_code.toLowerCase(), approve());
    snapshots.push(await store.snapshot());
    seconds(30);
    await flow.poll(CLI, a.device_code);
    snapshots.push(await store.snapshot());
    return { a, snapshots };
  }

  it('D3 no key or value of the store ever holds the device code', async () => {
    const { a, snapshots } = await wholeLifeSnapshots();
    // The scan does see the request: it is filed under the code's hash.
    expect(snapshots[0]!.some(([k]) => k.includes(secretKey(a.device_code)))).toBe(true);
    for (const snapshot of snapshots) {
      for (const [key, value] of snapshot) {
        expect(mentions(key, a.device_code), `key ${key}`).toBe(false);
        expect(mentions(value, a.device_code), `value of ${key}`).toBe(false);
      }
    }
  });

  it('D3 no key or value of the store ever holds the user code, in either spelling', async () => {
    const { a, snapshots } = await wholeLifeSnapshots();
    const plain = a.user_code.replace('-', '');
    expect(snapshots[0]!.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) {
      for (const [key, value] of snapshot) {
        for (const spelling of [plain, a.user_code]) {
          expect(mentions(key, spelling), `key ${key}`).toBe(false);
          expect(mentions(value, spelling), `value of ${key} holds the user code`).toBe(false);
        }
      }
    }
  });

  it('D3 an unknown device code is invalid_grant, however it is spelled; a missing one is invalid_request', async () => {
    const a = await flow.start(CLI, ORIGIN);
    const lookalike = Buffer.from(Buffer.from(a.device_code, 'base64url').map((b) => b ^ 1)).toString('base64url');
    expect(await pollError(lookalike)).toBe('invalid_grant');
    expect(await pollError(a.device_code.toUpperCase() === a.device_code ? `${a.device_code}x` : a.device_code.toUpperCase())).toBe('invalid_grant');
    expect(await pollError(a.user_code)).toBe('invalid_grant');
    expect(await pollError(secretKey(a.device_code))).toBe('invalid_grant');
    expect(await pollError('x'.repeat(129))).toBe('invalid_grant');
    expect(await pollError('x'.repeat(1_000_000))).toBe('invalid_grant');
    for (const missing of ['', undefined, null, 42, [a.device_code]]) expect(await pollError(missing)).toBe('invalid_request');
    // None of that touched the real request.
    expect(await pollError(a.device_code)).toBe('authorization_pending');
  });
});

describe('polling (RFC 8628 §3.5)', () => {
  it('D4 authorization_pending: until a decision, every poll at the interval is pending, however often the page is viewed', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    for (let i = 0; i < 5; i++) {
      seconds(5);
      await flow.pending(a.user_code);
      expect(await pollError(a.device_code)).toBe('authorization_pending');
    }
  });

  it('D5 slow_down: a poll before the interval has passed is told to slow down, and to wait 5 s more', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    seconds(1);
    const e = await rejection<OAuthError>(flow.poll(CLI, a.device_code));
    expect(e.code).toBe('slow_down');
    expect(e.message).toContain('10 seconds');
  });

  it('D5 slow_down: after a slow_down, a poll after the old interval (5 s) but before the new one (10 s) is still slow_down', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    seconds(1);
    expect(await pollError(a.device_code)).toBe('slow_down');
    // RFC 8628 §3.5: the interval "MUST be increased by 5 seconds for this and all subsequent
    // requests" — so 6 s after the slow_down (more than 5, less than 10) is still too fast.
    seconds(6);
    expect(await pollError(a.device_code), 'a poll 6 s after slow_down, with the interval now 10 s').toBe('slow_down');
  });

  it('D5 slow_down: once the grown interval (10 s) has passed since the slow_down, the poll is answered normally', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    seconds(1);
    expect(await pollError(a.device_code)).toBe('slow_down');
    seconds(10);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
  });

  it('D5 slow_down: each slow_down adds 5 s more, and the grown interval holds for later polls', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    seconds(1);
    expect((await rejection<OAuthError>(flow.poll(CLI, a.device_code))).message).toContain('10 seconds');
    seconds(1);
    const second = await rejection<OAuthError>(flow.poll(CLI, a.device_code));
    expect(second.code).toBe('slow_down');
    expect(second.message).toContain('15 seconds');
    seconds(15);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    // The interval is 15 s now: 10 s later is too soon (and makes it 20 s); 20 s later is fine.
    seconds(10);
    expect(await pollError(a.device_code)).toBe('slow_down');
    seconds(20);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
  });

  it('D5 a client that keeps to the interval never hears slow_down', async () => {
    const a = await flow.start(CLI, ORIGIN);
    for (let i = 0; i < 20; i++) {
      expect(await pollError(a.device_code)).toBe('authorization_pending');
      seconds(5);
    }
  });

  it('D6 expired_token: the code works until codeTtl, and from then on the poll hears expired_token', async () => {
    const a = await flow.start(CLI, ORIGIN);
    clock.advance(600_000 - 1);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    clock.advance(1);
    expect(await pollError(a.device_code)).toBe('expired_token');
    seconds(300);
    expect(await pollError(a.device_code)).toBe('expired_token');
  });

  it('D6 expired_token: an approval not redeemed before the code expires gives no token', async () => {
    const a = await flow.start(CLI, ORIGIN);
    await flow.decide(a.user_code, approve());
    seconds(600);
    expect(await pollError(a.device_code)).toBe('expired_token');
    seconds(10);
    expect(await pollError(a.device_code)).toBe('expired_token');
  });

  it('D7 access_denied: after a denial the poll hears access_denied, and keeps hearing it', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
    await flow.decide(a.user_code, deny);
    seconds(5);
    expect(await pollError(a.device_code)).toBe('access_denied');
    seconds(5);
    expect(await pollError(a.device_code)).toBe('access_denied');
  });

  it('D8 an approved code is redeemed once: the first poll gets the approval, every later one invalid_grant', async () => {
    const a = await flow.start(CLI, ORIGIN);
    await flow.decide(a.user_code, approve('alice'));
    expect(await flow.poll(CLI, a.device_code)).toEqual(approvalOf('alice'));
    seconds(5);
    expect(await pollError(a.device_code)).toBe('invalid_grant');
    seconds(60);
    expect(await pollError(a.device_code)).toBe('invalid_grant');
  });

  it('D8 concurrent polls of an approved code, on two broker processes: exactly one gets the approval', async () => {
    const a = await flow.start(CLI, ORIGIN);
    await flow.decide(a.user_code, approve('alice'));
    const flows = [flow, createDeviceFlow(f.sibling(), clock, settings)];
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => flows[i % 2]!.poll(CLI, a.device_code)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<Approval>).value).toEqual(approvalOf('alice'));
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(OAuthError);
    }
    seconds(30);
    for (const on of flows) expect(await pollError(a.device_code, on)).toBe('invalid_grant');
  });

  it('a device code polled by another registered client is invalid_grant and never yields a token', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await pollErrorAs(OTHER_CLI, a.device_code)).toBe('invalid_grant');
    await flow.decide(a.user_code, approve());
    for (let i = 0; i < 3; i++) {
      expect(await pollErrorAs(OTHER_CLI, a.device_code)).toBe('invalid_grant');
      seconds(5);
    }
    // The other client's polls neither took nor spoiled the approval of the client it was issued to.
    expect(await flow.poll(CLI, a.device_code)).toEqual(approvalOf('alice'));
    expect(await pollErrorAs(OTHER_CLI, a.device_code)).toBe('invalid_grant');
  });

  it('a poll by an unregistered client is invalid_client, and does not take an approval', async () => {
    const a = await flow.start(CLI, ORIGIN);
    await flow.decide(a.user_code, approve());
    for (const client of ['evil-cli', 'HATRACK-CLI', '', undefined, null, 7]) {
      expect(await pollErrorAs(client, a.device_code)).toBe('invalid_client');
    }
    expect(await flow.poll(CLI, a.device_code)).toEqual(approvalOf('alice'));
  });
});

describe('D13 the verification page: pending() and decide()', () => {
  it('D13 pending() shows the request as the confirmation page needs it, whatever the spelling of the code', async () => {
    const a = await flow.start(CLI, ORIGIN);
    seconds(42);
    for (const typed of [a.user_code, a.user_code.toLowerCase(), a.user_code.replace('-', ' '), ` ${a.user_code.replace('-', '')} `]) {
      expect(await flow.pending(typed)).toEqual({
        userCode: a.user_code,
        clientId: CLI,
        createdAt: T0,
        expiresAt: new Date(T0.getTime() + 600_000),
        ip: ORIGIN.ip,
        userAgent: ORIGIN.userAgent,
      });
    }
  });

  it('D13 pending() cuts a long user agent to 200 characters', async () => {
    const a = await flow.start(CLI, { ip: '::1', userAgent: 'x'.repeat(5000) });
    expect((await flow.pending(a.user_code)).userAgent).toBe('x'.repeat(200));
  });

  it.each([
    ['a vowel', 'BCDA-GHJK'],
    ['seven letters', 'BCDF-GHJ'],
    ['nine letters', 'BCDF-GHJKL'],
    ['a digit', 'BCD1-GHJK'],
    ['nothing', ''],
    ['an overlong paste', 'BCDF-GHJK'.repeat(100)],
    ['no string at all', undefined],
    ['a number', 12345678],
    ['an array', ['BCDF-GHJK']],
  ])('D13 a malformed user code (%s) is refused by pending() and decide() with device_code_refused, and changes nothing', async (_what, typed) => {
    const a = await flow.start(CLI, ORIGIN);
    const before = await store.snapshot();
    await expectRefused(flow.pending(typed));
    await expectRefused(flow.decide(typed, approve()));
    await expectRefused(flow.decide(typed, deny));
    expect(await store.snapshot()).toEqual(before);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
  });

  it('D13 an unknown user code (well formed, never issued) is refused, and changes nothing', async () => {
    const a = await flow.start(CLI, ORIGIN);
    const unknown = a.user_code === 'BCDF-GHJK' ? 'ZXWV-TSRQ' : 'BCDF-GHJK';
    const before = await store.snapshot();
    await expectRefused(flow.pending(unknown));
    await expectRefused(flow.decide(unknown, approve()));
    expect(await store.snapshot()).toEqual(before);
    expect(await pollError(a.device_code)).toBe('authorization_pending');
  });

  it('D13 a used (approved) user code is refused: it cannot be viewed, denied or approved again, and the approval stands', async () => {
    const a = await flow.start(CLI, ORIGIN);
    expect(await flow.decide(a.user_code, approve('alice'))).toMatchObject({ userCode: a.user_code, clientId: CLI });
    const before = await store.snapshot();
    await expectRefused(flow.pending(a.user_code));
    await expectRefused(flow.decide(a.user_code, deny));
    await expectRefused(flow.decide(a.user_code.toLowerCase(), approve('mallory')));
    expect(await store.snapshot()).toEqual(before);
    expect(await flow.poll(CLI, a.device_code)).toEqual(approvalOf('alice'));
    // Once redeemed it stays refused.
    await expectRefused(flow.pending(a.user_code));
  });

  it('D13 a denied user code is refused afterwards, and the denial stands', async () => {
    const a = await flow.start(CLI, ORIGIN);
    await flow.decide(a.user_code, deny);
    const before = await store.snapshot();
    await expectRefused(flow.pending(a.user_code));
    await expectRefused(flow.decide(a.user_code, approve('mallory')));
    expect(await store.snapshot()).toEqual(before);
    expect(await pollError(a.device_code)).toBe('access_denied');
  });

  it('D13 an expired user code is refused by pending() and decide(), and changes nothing', async () => {
    const a = await flow.start(CLI, ORIGIN);
    clock.advance(600_000 - 1);
    await flow.pending(a.user_code);
    clock.advance(1);
    const before = await store.snapshot();
    await expectRefused(flow.pending(a.user_code));
    await expectRefused(flow.decide(a.user_code, approve()));
    await expectRefused(flow.decide(a.user_code, deny));
    expect(await store.snapshot()).toEqual(before);
    expect(await pollError(a.device_code)).toBe('expired_token');
  });

  it('D13 deciding one code leaves another pending request untouched', async () => {
    const a = await flow.start(CLI, ORIGIN);
    const b = await flow.start(CLI, { ip: '203.0.113.9' });
    await flow.decide(a.user_code, deny);
    expect(await flow.pending(b.user_code)).toMatchObject({ userCode: b.user_code, ip: '203.0.113.9' });
    expect(await pollError(b.device_code)).toBe('authorization_pending');
  });

  it.each([
    ['two approvals by different people', approve('alice'), approve('bob')],
    ['an approval and a denial', approve('alice'), deny],
    ['a denial and an approval', deny, approve('bob')],
  ])('D13 two concurrent decisions on one code (%s), on two broker processes: exactly one wins', async (_what, first, second) => {
    const a = await flow.start(CLI, ORIGIN);
    const other = createDeviceFlow(f.sibling(), clock, settings);
    const results = await Promise.allSettled([flow.decide(a.user_code, first), other.decide(a.user_code, second)]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results[1 - won] as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'device_code_refused', status: 400 });
    const winner = [first, second][won]!;
    if (winner.decision === 'approved') expect(await flow.poll(CLI, a.device_code)).toEqual(winner.approval);
    else expect(await pollError(a.device_code)).toBe('access_denied');
  });
});
