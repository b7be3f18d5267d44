// What the connector takes from node-saml: the AuthnRequest (HTTP-Redirect: deflated, base64, with
// RelayState), the SP metadata, and a second, independent verification of every response that
// passed the connector's own checks. node-saml is configured so that it never keeps state and never
// looks at the clock: its InResponseTo cache is per-process and not atomic and it reads wall-clock
// time, so request IDs, time and replay are the connector's business (SECURITY.md, library gaps).

import { createHash } from 'node:crypto';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { signaturesRequired, type ResolvedSamlOptions } from './options.ts';

function config(o: ResolvedSamlOptions, generateUniqueId?: () => string): SamlConfig {
  return {
    callbackUrl: o.acsUrl,
    entryPoint: o.idpSsoUrl,
    issuer: o.entityId,
    audience: o.entityId,
    idpCert: [...o.idpCerts],
    identifierFormat: o.nameIdFormat,
    // RequestedAuthnContext with `exact` PasswordProtectedTransport makes some IdPs refuse people
    // who signed in with a second factor; MFA is read from the assertion instead.
    disableRequestedAuthnContext: true,
    authnRequestBinding: 'HTTP-Redirect',
    // With neither, node-saml takes the Response's signature, else demands the Assertion's: `either`.
    wantAssertionsSigned: signaturesRequired(o.requireSignatureOn).assertion,
    wantAuthnResponseSigned: signaturesRequired(o.requireSignatureOn).response,
    validateInResponseTo: ValidateInResponseTo.never,
    // -1 turns node-saml's own time checks off: the connector checks time with its injected clock
    // and a skew that is never zero (S23).
    acceptedClockSkewMs: -1,
    ...(generateUniqueId !== undefined && { generateUniqueId }),
  };
}

/** The IdP SSO URL carrying a deflated, base64 AuthnRequest with ID `requestId`, and `relayState`. */
export async function authnRequestUrl(o: ResolvedSamlOptions, requestId: string, relayState: string): Promise<string> {
  return new SAML(config(o, () => requestId)).getAuthorizeUrlAsync(relayState, undefined, {});
}

/** SP metadata for the IdP's admin: entity ID, ACS (HTTP-POST), NameID format, unsigned requests, which signatures are wanted. */
export function serviceProviderMetadata(o: ResolvedSamlOptions): string {
  // A stable ID, so the document is the same on every request and on every broker process.
  const id = `_${createHash('sha256').update(`${o.entityId}\n${o.acsUrl}`).digest('hex').slice(0, 40)}`;
  return generateServiceProviderMetadata({
    issuer: o.entityId,
    callbackUrl: o.acsUrl,
    identifierFormat: o.nameIdFormat,
    // WantAssertionsSigned tells the IdP what to sign: true only when nothing else will do.
    wantAssertionsSigned: signaturesRequired(o.requireSignatureOn).assertion,
    generateUniqueId: () => id,
  });
}

export interface SecondOpinion {
  nameId: string;
  issuer: string | undefined;
}

/**
 * node-saml's verdict on a response the connector has already accepted: signature, structure and
 * audience checked again by a different parser (xmldom 0.8 + xml2js). Throws node-saml's Error when
 * it refuses; its message may quote the document and must not be logged as is.
 */
export async function nodeSamlVerdict(o: ResolvedSamlOptions, samlResponse: string): Promise<SecondOpinion> {
  const { profile } = await new SAML(config(o)).validatePostResponseAsync({ SAMLResponse: samlResponse });
  if (!profile) throw new Error('node-saml found no profile in the response');
  return { nameId: (profile as Profile).nameID, issuer: (profile as Profile).issuer };
}
