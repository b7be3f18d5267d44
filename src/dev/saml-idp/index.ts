// The demo's stand-in Google Workspace: a dev SAML IdP with a sign-in form, an app launcher with the
// Hatrack tile (IdP-initiated) and an SSO URL (SP-initiated). Offline, throwaway key, never for production.

export { startDevSamlIdp, type DevSamlIdp, type DevSamlIdpOptions } from './server.ts';
export type { SigningMode } from './response.ts';
