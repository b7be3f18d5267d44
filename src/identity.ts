// The protocol-neutral person that every connector returns and everything downstream consumes.
import { nfc } from './unicode.ts';

export interface Identity {
  /** Id of the connector that verified this identity (config `connectors[].id`). */
  connector: string;
  /** Stable subject at the upstream IdP (OIDC `sub`, SAML NameID). */
  subject: string;
  /** Email address; the source of RoleSessionName and SourceIdentity. */
  email: string;
  /**
   * Whether the connector vouches for the address: the provider says it verified it (OIDC
   * `email_verified`), or the connector is configured to trust every address its IdP sends
   * (`emailsVerified`). Only a vouched-for address can match a rule's `email` (SECURITY.md C5).
   */
  emailVerified: boolean;
  /** Display name, when the IdP sends one. */
  name?: string;
  /** Group names exactly as the IdP sent them, in NFC (data, never patterns). */
  groups: string[];
  /** True when the IdP asserted multi-factor authentication. */
  mfa: boolean;
  /** When the person authenticated at the IdP, if known. */
  authTime?: Date;
  /** Verified claims or attributes, for mapping rules that read other fields. */
  claims: Record<string, unknown>;
}

/**
 * The one normalisation identity values get between what the IdP signed and what the rules see
 * (SECURITY.md C3): Unicode NFC of every string — subject, email, name, groups, and the strings in
 * the claims — and nothing else. Nothing is trimmed, folded, dropped or reordered: `" admins"` and
 * `"\uFEFFadmins"` stay other names than `admins`, while a name typed with a decomposed accent
 * matches the same name typed composed. Every connector returns its identity through this
 * function, so every connector's identities compare alike.
 */
export function normaliseIdentity(identity: Identity): Identity {
  return {
    ...identity,
    subject: nfc(identity.subject),
    email: nfc(identity.email),
    ...(identity.name !== undefined && { name: nfc(identity.name) }),
    // Only strings are names; anything else a hand-written identity holds is left for mapping to skip.
    groups: identity.groups.map((g) => (typeof g === 'string' ? nfc(g) : g)),
    claims: nfcDeep(identity.claims) as Record<string, unknown>,
  };
}

/** NFC of every string value in a JSON value; names of claims are left as sent. */
function nfcDeep(value: unknown): unknown {
  if (typeof value === 'string') return nfc(value);
  if (Array.isArray(value)) return value.map(nfcDeep);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfcDeep(v)]));
  }
  return value;
}
