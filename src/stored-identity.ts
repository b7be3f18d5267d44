// Identities are kept as JSON (in sessions, device approvals and broker tokens); dates become strings and back.
import type { Identity } from './identity.ts';

export type StoredIdentity = Omit<Identity, 'authTime'> & { authTime?: string };

export function toStored(identity: Identity): StoredIdentity {
  return { ...identity, authTime: identity.authTime?.toISOString() };
}

export function fromStored(stored: StoredIdentity): Identity {
  return { ...stored, authTime: stored.authTime ? new Date(stored.authTime) : undefined };
}
