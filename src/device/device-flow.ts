// The device authorization grant (RFC 8628) as a state machine over the Store: a CLI asks for a
// code pair, a signed-in person approves or denies the user code in a browser, and the CLI's
// polls see pending, slow down, expired, denied, or — exactly once — the approval. Returns values
// or throws; knows nothing of HTTP.
//
// Keys (every code stored by its hash, D3):
//   device:<h>           the request: client, when and from where; lives past its
//                        expiry by EXPIRED_GRACE_MS so a late poll hears expired_token (D6)
//   device-user:<u>      user code → device hash, for the verification page; gone once decided
//   device-decision:<h>  the first decision wins (SET NX), so two tabs cannot both decide
//   device-poll:<h>      present while the client must wait (interval); a poll that finds it
//                        answers slow_down (D5) and adds 5 s to the interval (device-slow:<h>)
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { fail } from '../errors.ts';
import type { StoredIdentity } from '../stored-identity.ts';
import type { Store } from '../store/store.ts';
import { OAuthError } from './errors.ts';
import { secretKey } from './hash.ts';
import { formatUserCode, newUserCode, normaliseUserCode } from './user-code.ts';

export interface DeviceFlowSettings {
  /** Registered public clients (the CLI is `hatrack-cli`). */
  clientIds: readonly string[];
  codeTtlSeconds: number;
  /** Seconds a client waits between polls (RFC 8628 §3.2 `interval`). */
  intervalSeconds: number;
  /** The page where people enter the code (`<publicUrl>/device`). */
  verificationUri: string;
}

/** Where a device request came from, shown on the confirmation page (RFC 8628 §5.4). */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}

/** What the token endpoint needs to know of a verified person to give the client a broker token. */
export interface Approval {
  identity: StoredIdentity;
  /** The browser sign-in the approval was made in: the token ends with it. */
  signIn: { id: string; expiresAt: number };
  /**
   * The person's sign-out-everywhere generation when they approved (BrokerTokens.generation): a
   * sign-out everywhere between the approval and the CLI's next poll voids the approval.
   */
  generation: string;
}

/** The RFC 8628 §3.2 device authorization response. */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** A request waiting for a decision, as the confirmation page shows it. */
export interface PendingDeviceRequest extends RequestOrigin {
  userCode: string;
  clientId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The user code is not kept: the person types it, and only its hash is a key (D3). */
interface StoredRequest extends RequestOrigin {
  clientId: string;
  createdAt: number;
  expiresAt: number;
}

type Decision = { decision: 'approved'; approval: Approval } | { decision: 'denied' };

const EXPIRED_GRACE_MS = 10 * 60_000;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_STEP_S = 5;

const deviceKey = (h: string) => `device:${h}`;
const userKey = (code: string) => `device-user:${secretKey(code)}`;
const decisionKey = (h: string) => `device-decision:${h}`;
const pollKey = (h: string) => `device-poll:${h}`;
const slowKey = (h: string) => `device-slow:${h}`;

/** D13: one answer for a code that was mistyped, used, expired or never issued. */
function codeRefused(detail: string) {
  return fail.badRequest('device_code_refused', 'That code is not valid: it may be mistyped, already used or expired. Run `hatrack login` again for a new code.', detail);
}

export interface DeviceFlow {
  start(clientId: unknown, origin: RequestOrigin): Promise<DeviceAuthorization>;
  /** The approval, exactly once; otherwise an OAuthError of RFC 8628 §3.5. */
  poll(clientId: unknown, deviceCode: unknown): Promise<Approval>;
  /** The undecided request behind a user code, or a `device_code_refused` error (D13). */
  pending(userCode: unknown): Promise<PendingDeviceRequest>;
  /** Records the person's decision; the code cannot be entered again afterwards. */
  decide(userCode: unknown, decision: Decision): Promise<PendingDeviceRequest>;
}

/**
 * How long a poll closes the gate for the next: a client that waits exactly `interval` between
 * an answer and its next poll arrives after the gate's end; the tolerance absorbs timer and
 * network jitter.
 */
const gateMs = (intervalMs: number) => intervalMs - Math.min(1000, intervalMs / 5);

export function createDeviceFlow(store: Store, clock: Clock, settings: DeviceFlowSettings): DeviceFlow {
  const codeTtlMs = settings.codeTtlSeconds * 1000;

  function requireClient(clientId: unknown): string {
    if (typeof clientId !== 'string' || !settings.clientIds.includes(clientId)) {
      throw new OAuthError('invalid_client', 'Unknown client_id.', `client ${JSON.stringify(String(clientId).slice(0, 64))}`);
    }
    return clientId;
  }

  async function lookup(typed: unknown): Promise<{ hash: string; request: StoredRequest; userCode: string }> {
    const userCode = normaliseUserCode(typed);
    if (!userCode) throw codeRefused('malformed user code');
    const hash = await store.get(userKey(userCode));
    const raw = hash ? await store.get(deviceKey(hash)) : undefined;
    if (!hash || !raw) throw codeRefused('unknown or decided user code');
    const request = JSON.parse(raw) as StoredRequest;
    if (request.expiresAt <= clock.now().getTime()) throw codeRefused('expired user code');
    return { hash, request, userCode };
  }

  const shown = (r: StoredRequest, userCode: string): PendingDeviceRequest => ({
    userCode: formatUserCode(userCode),
    clientId: r.clientId,
    createdAt: new Date(r.createdAt),
    expiresAt: new Date(r.expiresAt),
    ...(r.ip !== undefined && { ip: r.ip }),
    ...(r.userAgent !== undefined && { userAgent: r.userAgent.slice(0, 200) }),
  });

  return {
    async start(clientId, origin) {
      const client = requireClient(clientId);
      const now = clock.now().getTime();
      // D3: 256 random bits.
      const deviceCode = randomBytes(32).toString('base64url');
      const hash = secretKey(deviceCode);
      // A fresh user code that no live request holds; with 20^8 codes a clash is rare, and five in a row is a broken RNG.
      let userCode: string | undefined;
      for (let attempt = 0; attempt < 5 && !userCode; attempt++) {
        const candidate = newUserCode();
        if (await store.setIfAbsent(userKey(candidate), hash, codeTtlMs)) userCode = candidate;
      }
      if (!userCode) throw new Error('could not draw an unused user code');
      const request: StoredRequest = { clientId: client, createdAt: now, expiresAt: now + codeTtlMs, ...origin };
      await store.set(deviceKey(hash), JSON.stringify(request), codeTtlMs + EXPIRED_GRACE_MS);
      const complete = new URL(settings.verificationUri);
      complete.searchParams.set('user_code', formatUserCode(userCode));
      return {
        device_code: deviceCode,
        user_code: formatUserCode(userCode),
        verification_uri: settings.verificationUri,
        verification_uri_complete: complete.toString(),
        expires_in: settings.codeTtlSeconds,
        interval: settings.intervalSeconds,
      };
    },

    async poll(clientId, deviceCode) {
      const client = requireClient(clientId);
      if (typeof deviceCode !== 'string' || deviceCode === '') throw new OAuthError('invalid_request', 'device_code is required.');
      // D3: an unknown code — or one longer than any we issue — is invalid_grant, with no store work for the long one.
      if (deviceCode.length > 128) throw new OAuthError('invalid_grant', 'Unknown device_code.');
      const hash = secretKey(deviceCode);
      // The decision is read with the rest, in one round trip; it is looked at only after the pacing gate.
      const [raw, slowDowns, decided] = await Promise.all([store.get(deviceKey(hash)), store.get(slowKey(hash)), store.get(decisionKey(hash))]);
      if (!raw) throw new OAuthError('invalid_grant', 'Unknown device_code.');
      const request = JSON.parse(raw) as StoredRequest;
      // A code polled by another client than the one it was issued to never yields a token (C4).
      if (request.clientId !== client) throw new OAuthError('invalid_grant', 'This device_code was issued to another client.', 'device code polled by another client');
      const now = clock.now().getTime();
      if (request.expiresAt <= now) throw new OAuthError('expired_token', 'The device code has expired. Start the login again.');

      const intervalMs = (slowDownsSoFar: number) => (settings.intervalSeconds + SLOW_DOWN_STEP_S * slowDownsSoFar) * 1000;
      if (!(await store.setIfAbsent(pollKey(hash), '1', gateMs(intervalMs(Number(slowDowns ?? 0)))))) {
        // RFC 8628 §3.5: the longer interval counts from this request on.
        const slower = intervalMs(await store.increment(slowKey(hash), request.expiresAt + EXPIRED_GRACE_MS - now));
        await store.set(pollKey(hash), '1', gateMs(slower));
        throw new OAuthError('slow_down', `Polling too fast: wait ${slower / 1000} seconds between requests.`);
      }

      if (!decided) throw new OAuthError('authorization_pending', 'Waiting for the person to approve the request.');
      const decision = JSON.parse(decided) as Decision;
      if (decision.decision === 'denied') throw new OAuthError('access_denied', 'The request was denied.');
      // D8: of any number of polls after the approval, exactly one takes the request.
      if (!(await store.consume(deviceKey(hash)))) throw new OAuthError('invalid_grant', 'This device_code was already used.');
      await store.delete(decisionKey(hash));
      return decision.approval;
    },

    async pending(typed) {
      const { request, userCode } = await lookup(typed);
      return shown(request, userCode);
    },

    async decide(typed, decision) {
      const { hash, request, userCode } = await lookup(typed);
      const ttl = request.expiresAt + EXPIRED_GRACE_MS - clock.now().getTime();
      if (!(await store.setIfAbsent(decisionKey(hash), JSON.stringify(decision), ttl))) throw codeRefused('already decided');
      await store.delete(userKey(userCode));
      return shown(request, userCode);
    },
  };
}
