// What the connector takes from node-saml: the AuthnRequest (HTTP-Redirect: deflated, base64, with
// RelayState), the SP metadata, and a second, independent verification of every response that
// passed the connector's own checks. node-saml is configured so that it never keeps state and never
// looks at the clock: its InResponseTo cache is per-process and not atomic and it reads wall-clock
// time, so request IDs, time and replay are the connector's business (SECURITY.md, library gaps).

import { createHash } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { DATA_ENCRYPTION_ALGORITHMS, KEY_TRANSPORT } from './encryption.ts';
import { signaturesRequired, type ResolvedSamlOptions } from './options.ts';

/** node-saml's configuration for this connector (also what passport-saml's strategy is built with). */
export function nodeSamlConfig(o: ResolvedSamlOptions, generateUniqueId?: () => string): SamlConfig {
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
  return new SAML(nodeSamlConfig(o, () => requestId)).getAuthorizeUrlAsync(relayState, undefined, {});
}

/**
 * SP metadata for the IdP's admin: entity ID, ACS (HTTP-POST), NameID format, unsigned requests,
 * which signatures are wanted, and — for a connector that decrypts — one encryption KeyDescriptor per
 * certificate in `encryptionCerts` (the current one, and the next one during a rotation), each
 * listing the algorithms accepted, so that an IdP that reads metadata picks one Hatrack takes.
 */
export function serviceProviderMetadata(o: ResolvedSamlOptions, encryptionCerts: readonly string[] = []): string {
  // A stable ID, so the document is the same on every request and on every broker process.
  const id = `_${createHash('sha256').update(`${o.entityId}\n${o.acsUrl}`).digest('hex').slice(0, 40)}`;
  const xml = generateServiceProviderMetadata({
    issuer: o.entityId,
    callbackUrl: o.acsUrl,
    identifierFormat: o.nameIdFormat,
    // WantAssertionsSigned tells the IdP what to sign: true only when nothing else will do.
    wantAssertionsSigned: signaturesRequired(o.requireSignatureOn).assertion,
    generateUniqueId: () => id,
  });
  return encryptionCerts.length === 0 ? xml : withEncryptionKeys(xml, encryptionCerts, [
    ...o.dataEncryptionAlgorithms.map((a) => DATA_ENCRYPTION_ALGORITHMS[a]), KEY_TRANSPORT,
  ]);
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** node-saml publishes one encryption certificate and a fixed list of algorithms: this writes ours. */
function withEncryptionKeys(xml: string, certs: readonly string[], algorithms: readonly string[]): string {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const sp = doc.getElementsByTagNameNS(MD, 'SPSSODescriptor').item(0)!;
  let before = sp.firstChild;
  while (before && before.nodeType !== 1) before = before.nextSibling;
  for (const pem of certs) {
    const descriptor = doc.createElementNS(MD, 'KeyDescriptor');
    descriptor.setAttribute('use', 'encryption');
    const keyInfo = descriptor.appendChild(doc.createElementNS(DS, 'ds:KeyInfo'));
    const data = keyInfo.appendChild(doc.createElementNS(DS, 'ds:X509Data'));
    data.appendChild(doc.createElementNS(DS, 'ds:X509Certificate')).appendChild(doc.createTextNode(pem.replace(/-----[^-]+-----|\s/g, '')));
    for (const algorithm of algorithms) {
      const method = doc.createElementNS(MD, 'EncryptionMethod');
      method.setAttribute('Algorithm', algorithm);
      descriptor.appendChild(method);
    }
    sp.insertBefore(descriptor, before);
  }
  return new XMLSerializer().serializeToString(doc);
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
export async function nodeSamlVerdict(o: ResolvedSamlOptions, samlResponse: string, decryptionKeyPem?: string): Promise<SecondOpinion> {
  const saml = new SAML({ ...nodeSamlConfig(o), ...(decryptionKeyPem !== undefined && { decryptionPvk: decryptionKeyPem }) });
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
  if (!profile) throw new Error('node-saml found no profile in the response');
  return { nameId: (profile as Profile).nameID, issuer: (profile as Profile).issuer };
}
