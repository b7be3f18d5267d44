// OpenID Connect upstream: sign people in at any OIDC provider and return a verified Identity.

export { createOidcConnector, type OidcConnector, type OidcConnectorDeps } from './oidc-connector.ts';
export {
  resolveOidcOptions, ID_TOKEN_ALGS, DEFAULT_MFA_AMR_VALUES, DEFAULT_MFA_ACR_VALUES,
  type OidcConnectorOptions, type ResolvedOidcOptions, type IdTokenAlg,
} from './options.ts';
export { safeProviderText, type OidcErrorCode } from './errors.ts';
