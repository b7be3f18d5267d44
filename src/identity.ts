// The protocol-neutral person that every connector returns and everything downstream consumes.

export interface Identity {
  /** Id of the connector that verified this identity (config `connectors[].id`). */
  connector: string;
  /** Stable subject at the upstream IdP (OIDC `sub`, SAML NameID). */
  subject: string;
  /** Verified email address; the source of RoleSessionName and SourceIdentity. */
  email: string;
  /** Display name, when the IdP sends one. */
  name?: string;
  /** Group names exactly as the IdP sent them (data, never patterns). */
  groups: string[];
  /** True when the IdP asserted multi-factor authentication. */
  mfa: boolean;
  /** When the person authenticated at the IdP, if known. */
  authTime?: Date;
  /** Verified claims or attributes, for mapping rules that read other fields. */
  claims: Record<string, unknown>;
}
