// The connector's own keys in the shared Store.
// - `saml-request:<connector>:<AuthnRequest ID>`: written when an SP-initiated login starts,
//   consumed (GETDEL) by the one response that answers it (S27). Lives minutes: the login's maximum
//   age plus a grace period in which a late response is told "expired" rather than "unknown".
// - `saml-assertion:<sha256(issuer, assertion ID)>`: the replay cache (S29), written with SET NX PX
//   only after every other check passed, for as long as the assertion could still be accepted.

import { createHash } from 'node:crypto';

export const REQUEST_GRACE_MS = 5 * 60_000;

export function requestKey(connector: string, requestId: string): string {
  return `saml-request:${connector}:${requestId}`;
}

export function replayKey(issuer: string, assertionId: string): string {
  return `saml-assertion:${createHash('sha256').update(`${issuer}\n${assertionId}`).digest('hex')}`;
}

export interface StoredRequest {
  state: string;
  createdAt: number;
}

export function readStoredRequest(raw: string): StoredRequest | undefined {
  try {
    const v = JSON.parse(raw) as Partial<StoredRequest>;
    return typeof v.state === 'string' && typeof v.createdAt === 'number' && Number.isFinite(v.createdAt)
      ? { state: v.state, createdAt: v.createdAt }
      : undefined;
  } catch {
    return undefined;
  }
}
