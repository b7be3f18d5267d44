// SAML 2.0 upstream (Google Workspace and any SAML IdP): sign people in and return a verified Identity.

export { createSamlConnector, type SamlConnector, type SamlConnectorDeps } from './saml-connector.ts';
export {
  resolveSamlOptions, DEFAULT_MFA_CONTEXT_CLASSES, NAMEID_FORMAT_EMAIL, SIGNATURE_REQUIREMENTS,
  type SamlConnectorOptions, type ResolvedSamlOptions, type SignatureRequirement,
} from './options.ts';
export { SIGNATURE_ALGORITHMS, DIGEST_ALGORITHMS, type SignatureAlgorithmName, type DigestAlgorithmName } from './algorithms.ts';
export { SAML_ERROR_STATUS, type SamlErrorCode } from './errors.ts';
export type { AcsResult } from './acs.ts';
export { requestKey, replayKey } from './store-keys.ts';
