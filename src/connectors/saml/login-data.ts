// The SAML connector's part of a pending login: the ID of the AuthnRequest it sent, matched
// against the response's InResponseTo.
import type { PendingLogin } from '../connector.ts';

export interface SamlLoginData {
  readonly requestId: string;
  readonly [field: string]: string;
}

export type SamlPendingLogin = PendingLogin<SamlLoginData>;

/** The pending login as this connector's, when its data has exactly what it wrote; else undefined. */
export function asSamlPendingLogin(pending: PendingLogin): SamlPendingLogin | undefined {
  const { requestId } = pending.data;
  if (!requestId) return undefined;
  return { ...pending, data: { requestId } };
}
