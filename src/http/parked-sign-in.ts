// SECURITY.md C4: a login finishes only in the browser that began it. An SP-initiated SAML login
// comes back as a cross-site POST, which carries no SameSite=Lax cookie, so the ACS cannot tell
// whose browser it is in: an attacker could start a login, get their own response from the IdP,
// and have a hostile page post it from the victim's browser, signing the victim in as the attacker.
// So the ACS verifies the response and parks the result here, under a one-time ticket set as a
// cookie on its 303; the same-site GET that follows carries the session cookie, and signs in only
// when that session is the one whose `/login` began this login (its `loginState`).
// The ticket travels in a cookie, not the URL, so that it never lands in a proxy's access log.
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { StoredIdentity } from '../stored-identity.ts';

/** How long a verified login waits for its browser: the 303 is followed at once. */
export const PARKED_SIGN_IN_TTL_MS = 2 * 60_000;

export interface ParkedSignIn {
  connector: string;
  /** The `state` of the login that was answered: the browser's session must hold the same. */
  state: string;
  identity: StoredIdentity;
  returnTo?: string;
}

const key = (ticket: string) => `parked-sign-in:${createHash('sha256').update(ticket).digest('hex')}`;
const ticketPattern = /^[A-Za-z0-9_-]{43}$/;

/** Parks a verified login and returns its ticket (256 random bits; only its hash is stored). */
export async function parkSignIn(store: Pick<Store, 'setIfAbsent'>, parked: ParkedSignIn): Promise<string> {
  const ticket = randomBytes(32).toString('base64url');
  if (!await store.setIfAbsent(key(ticket), JSON.stringify(parked), PARKED_SIGN_IN_TTL_MS)) throw new Error('parked sign-in ticket collision');
  return ticket;
}

/** Takes the parked login of a ticket, once; undefined for a missing, malformed, unknown, expired or used ticket. */
export async function claimSignIn(store: Pick<Store, 'consume'>, ticket: string | undefined): Promise<ParkedSignIn | undefined> {
  if (ticket === undefined || !ticketPattern.test(ticket)) return undefined;
  const raw = await store.consume(key(ticket));
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<ParkedSignIn>;
    const ok = typeof v.connector === 'string' && typeof v.state === 'string' && typeof v.identity === 'object' && v.identity !== null
      && (v.returnTo === undefined || typeof v.returnTo === 'string');
    return ok ? v as ParkedSignIn : undefined;
  } catch {
    return undefined;
  }
}
