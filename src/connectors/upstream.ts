// The connectors that send people to their provider and take them back (OIDC, SAML, any passport
// strategy), as one
// union: each kind's capabilities are part of its own interface (a SAML connector accepts a POSTed
// response), so code tells them apart by `type`, never by probing for a method.
import type { OidcConnector } from './oidc/oidc-connector.ts';
import type { SamlConnector } from './saml/saml-connector.ts';
import type { PassportConnector } from './passport/passport-connector.ts';

export type UpstreamConnector = OidcConnector | SamlConnector | PassportConnector;

/**
 * Where a connector's provider sends the person back: the OIDC callback, the SAML ACS, or a
 * `type: passport` strategy's callback. The one
 * place this is computed, for the connector's configuration and for the routes.
 */
export function callbackUrl(publicUrl: string, connector: { type: UpstreamConnector['type']; id: string }): string {
  switch (connector.type) {
    case 'saml':
      return `${publicUrl}/saml/${connector.id}/acs`;
    case 'oidc':
      return `${publicUrl}/oidc/${connector.id}/callback`;
    case 'passport':
      return `${publicUrl}/auth/${connector.id}/callback`;
  }
}
