// Broker tokens: what the CLI holds after a device approval. Opaque and random, stored by hash
// (D3) with the identity of the person who approved (D14). A token ends at the first of: its own
// lifetime, the end of the browser sign-in it was approved in, that sign-in's logout, the
// person's "sign out everywhere", or `hatrack logout` (RFC 7009 revocation).
//
// Keys:
//   token:<h>                    the record; its TTL is the token's lifetime
//   sign-in-ended:<id>           a logged-out sign-in: every token approved in it is dead
//   person-generation:<c>:<s>    changes at each "sign out everywhere"; a token carries the
//                                value it was issued under and dies when it differs
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { fail } from '../errors.ts';
import type { Identity } from '../identity.ts';
import { fromStored, type StoredIdentity } from '../stored-identity.ts';
import type { Store } from '../store/store.ts';
import type { Approval } from './device-flow.ts';
import { OAuthError } from './errors.ts';
import { secretKey } from './hash.ts';

/** Broker tokens say what they are, so a secret scanner (and a person) recognises one. */
export const BROKER_TOKEN_PREFIX = 'hatrack_';

interface TokenRecord {
  identity: StoredIdentity;
  signInId: string;
  generation: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  expiresInSeconds: number;
}

export interface TokenHolder {
  identity: Identity;
  clientId: string;
  expiresAt: Date;
}

export interface BrokerTokens {
  /**
   * A token for the approved request; an OAuthError when the approval no longer holds (its
   * sign-in ended or was logged out, or the person signed out everywhere since).
   */
  issue(approval: Approval, clientId: string): Promise<IssuedToken>;
  /** The person's current sign-out-everywhere generation, for an Approval. */
  generation(connector: string, subject: string): Promise<string>;
  /** The holder of a live token, or a 401 `invalid_token`. */
  verify(token: unknown): Promise<TokenHolder>;
  /** RFC 7009: ends the token when it was issued to `clientId`; nothing happens otherwise. */
  /** Ends `token` when it is `clientId`'s; returns whose it was (undefined for an unknown token, or another client's). */
  revoke(token: string, clientId: string): Promise<StoredIdentity | undefined>;
  /** Ends every token approved in this browser sign-in (its logout). */
  endSignIn(signInId: string, signInExpiresAt: number): Promise<void>;
  /** Ends every token of this person, from any sign-in ("sign out everywhere"). */
  endEverywhere(connector: string, subject: string): Promise<void>;
}

const tokenKey = (token: string) => `token:${secretKey(token)}`;
const signInEndedKey = (id: string) => `sign-in-ended:${id}`;
const generationKey = (connector: string, subject: string) => `person-generation:${secretKey(`${connector}\n${subject}`)}`;

function invalidToken(detail: string) {
  return fail.unauthenticated('invalid_token', 'Your Hatrack login has expired or was ended. Run `hatrack login` again.', detail);
}

export interface BrokerTokenSettings {
  ttlSeconds: number;
  /** How long an approval may wait for the CLI's poll (config device.codeTtl). */
  approvalTtlSeconds: number;
}

/** An undecided or unredeemed request lives this long past its code's lifetime (see device-flow.ts). */
const APPROVAL_GRACE_MS = 10 * 60_000;

export function createBrokerTokens(store: Store, clock: Clock, settings: BrokerTokenSettings): BrokerTokens {
  const ttlMs = settings.ttlSeconds * 1000;
  // A generation must outlive every token and every waiting approval that carries the old one.
  const generationTtlMs = Math.max(ttlMs, settings.approvalTtlSeconds * 1000 + APPROVAL_GRACE_MS);

  return {
    generation: async (connector, subject) => (await store.get(generationKey(connector, subject))) ?? '',

    async issue(approval, clientId) {
      const now = clock.now().getTime();
      const expiresAt = Math.min(now + ttlMs, approval.signIn.expiresAt);
      if (expiresAt <= now) throw new OAuthError('expired_token', 'The sign-in that approved this request has ended. Start the login again.');
      const gKey = generationKey(approval.identity.connector, approval.identity.subject);
      const [generation, ended] = await Promise.all([store.get(gKey), store.get(signInEndedKey(approval.signIn.id))]);
      if (ended || (generation ?? '') !== approval.generation) {
        throw new OAuthError('access_denied', 'The person who approved this request has signed out since.', 'approval voided by a logout');
      }
      // The generation must outlive every token that carries it; should it lapse just now, the token would die with it (fail closed).
      if (generation) await store.touch(gKey, generationTtlMs);
      const token = `${BROKER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const record: TokenRecord = { identity: approval.identity, signInId: approval.signIn.id, generation: approval.generation, clientId, issuedAt: now, expiresAt };
      await store.set(tokenKey(token), JSON.stringify(record), expiresAt - now);
      return { token, expiresInSeconds: Math.floor((expiresAt - now) / 1000) };
    },

    async verify(token) {
      if (typeof token !== 'string' || !token.startsWith(BROKER_TOKEN_PREFIX) || token.length > 100) throw invalidToken('not a broker token');
      const raw = await store.get(tokenKey(token));
      if (!raw) throw invalidToken('unknown or expired token');
      const record = JSON.parse(raw) as TokenRecord;
      if (record.expiresAt <= clock.now().getTime()) throw invalidToken('expired token');
      const [ended, generation] = await Promise.all([
        store.get(signInEndedKey(record.signInId)),
        store.get(generationKey(record.identity.connector, record.identity.subject)),
      ]);
      if (ended) throw invalidToken('its sign-in was logged out');
      if ((generation ?? '') !== record.generation) throw invalidToken('its person signed out everywhere');
      return { identity: fromStored(record.identity), clientId: record.clientId, expiresAt: new Date(record.expiresAt) };
    },

    async revoke(token, clientId) {
      // RFC 7009 §2.2: an unknown token is not an error.
      if (token.length > 100) return undefined;
      const raw = await store.get(tokenKey(token));
      const record = raw === undefined ? undefined : JSON.parse(raw) as TokenRecord;
      if (record?.clientId !== clientId) return undefined;
      await store.delete(tokenKey(token));
      return record.identity;
    },

    async endSignIn(signInId, signInExpiresAt) {
      const left = signInExpiresAt - clock.now().getTime();
      // Tokens never outlive their sign-in, so the mark need not either.
      if (left > 0) await store.set(signInEndedKey(signInId), '1', left);
    },

    async endEverywhere(connector, subject) {
      await store.set(generationKey(connector, subject), randomBytes(12).toString('base64url'), generationTtlMs);
    },
  };
}
