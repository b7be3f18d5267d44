// Reading an AuthnRequest that arrives at the dev IdP's SSO URL over the HTTP-Redirect binding
// (deflated, base64, in the query string), held to the one service provider the IdP knows.

import { inflateRawSync } from 'node:zlib';
import { NS, XmlRefused, attr, children, parseSamlXml, wholeText } from '../../connectors/saml/xml.ts';

export class AuthnRequestRefused extends Error {
  override readonly name = 'AuthnRequestRefused';
}

export interface AuthnRequestInfo {
  /** The request's ID, to be answered with InResponseTo. */
  id: string;
  /** RelayState, echoed back untouched. */
  relayState: string | undefined;
  /** ForceAuthn="true": the person must sign in again, whatever session this IdP holds. */
  forceAuthn?: boolean;
}

const idPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function readAuthnRequest(query: URLSearchParams, sp: { entityId: string; acsUrl: string }): AuthnRequestInfo {
  const requests = query.getAll('SAMLRequest');
  if (requests.length !== 1) throw new AuthnRequestRefused('The request has no (or more than one) SAMLRequest.');
  const relayStates = query.getAll('RelayState');
  if (relayStates.length > 1 || (relayStates[0]?.length ?? 0) > 1024) throw new AuthnRequestRefused('The RelayState is repeated or too long.');
  const b64 = requests[0]!;
  if (b64.length > 16_384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new AuthnRequestRefused('The SAMLRequest is not base64.');
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(b64, 'base64'), { maxOutputLength: 64 * 1024 }).toString('utf8');
  } catch {
    throw new AuthnRequestRefused('The SAMLRequest is not deflated XML.');
  }
  let root;
  try {
    root = parseSamlXml(xml).documentElement!;
  } catch (e) {
    throw new AuthnRequestRefused(`The SAMLRequest is not acceptable XML (${e instanceof XmlRefused ? e.message : 'error'}).`);
  }
  if (root.namespaceURI !== NS.protocol || root.localName !== 'AuthnRequest' || attr(root, 'Version') !== '2.0') {
    throw new AuthnRequestRefused('The SAMLRequest is not a SAML 2.0 AuthnRequest.');
  }
  const id = attr(root, 'ID');
  if (id === undefined || !idPattern.test(id)) throw new AuthnRequestRefused('The AuthnRequest has no usable ID.');
  const issuer = children(root, NS.assertion, 'Issuer')[0];
  if (!issuer || wholeText(issuer) !== sp.entityId) throw new AuthnRequestRefused('The AuthnRequest comes from an application this identity provider does not know.');
  const acs = attr(root, 'AssertionConsumerServiceURL');
  if (acs !== undefined && acs !== sp.acsUrl) throw new AuthnRequestRefused('The AuthnRequest asks for an ACS URL that is not registered for this application.');
  const binding = attr(root, 'ProtocolBinding');
  if (binding !== undefined && binding !== HTTP_POST) throw new AuthnRequestRefused('Only the HTTP-POST binding is supported for responses.');
  return { id, relayState: relayStates[0], ...(attr(root, 'ForceAuthn') === 'true' && { forceAuthn: true }) };
}
