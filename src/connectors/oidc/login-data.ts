// The OIDC connector's part of a pending login: the nonce sent in the authorization request and
// the PKCE verifier whose challenge was sent, both checked against the token response.
import type { PendingLogin } from '../connector.ts';

export interface OidcLoginData {
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly [field: string]: string;
}

export type OidcPendingLogin = PendingLogin<OidcLoginData>;

/** The pending login as this connector's, when its data has exactly what it wrote; else undefined. */
export function asOidcPendingLogin(pending: PendingLogin): OidcPendingLogin | undefined {
  const { nonce, codeVerifier } = pending.data;
  if (!nonce || !codeVerifier) return undefined;
  return { ...pending, data: { nonce, codeVerifier } };
}
