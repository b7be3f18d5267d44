// Hatrack's own IdP metadata: the document an administrator uploads to IAM in every account
// (`aws iam create-saml-provider --saml-metadata-document file://…`). AWS reads the entity ID
// (it must equal the Issuer of minted responses) and the signing certificates; during rotation both
// the current and the next certificate are listed (AWS.md §1). UTF-8, no BOM.
import { X509Certificate } from 'node:crypto';
import { HatrackError } from '../errors.ts';
import { escapeXmlAttr as attr } from './xml.ts';

export interface IdpMetadataInput {
  entityId: string;
  /** PEM certificates, the signing one first; each gets a `KeyDescriptor use="signing"`. */
  certificates: readonly string[];
  /**
   * The broker's login URL, published as the HTTP-Redirect SingleSignOnService (the schema requires
   * one; AWS never calls it). Default: the root of the entity ID when that is an http(s) URL.
   */
  ssoUrl?: string;
}

const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

function metadataError(detail: string): HatrackError {
  return new HatrackError('metadata_invalid', 500, 'Hatrack could not build its SAML metadata.', detail);
}

/** The base64 body of one PEM certificate, after checking it parses. */
function certificateBody(pem: string, index: number): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw metadataError(`certificate ${index} is not a readable X.509 certificate`);
  }
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw metadataError(`certificate ${index} is not PEM`);
  return m[1]!.replace(/\s+/g, '');
}

function defaultSsoUrl(entityId: string): string {
  if (URL.canParse(entityId)) {
    const url = new URL(entityId);
    if (url.protocol === 'https:' || url.protocol === 'http:') return new URL('/', url).toString();
  }
  throw metadataError('no ssoUrl given and the entity ID is not an http(s) URL');
}

/** The EntityDescriptor XML (a string; encode it as UTF-8 without a byte-order mark). */
export function idpMetadataXml(input: IdpMetadataInput): string {
  if (!input.entityId) throw metadataError('empty entity ID');
  if (input.certificates.length === 0) throw metadataError('no signing certificate');
  const bodies = [...new Set(input.certificates.map(certificateBody))];
  const ssoUrl = input.ssoUrl ?? defaultSsoUrl(input.entityId);

  const keyDescriptors = bodies.map((b) =>
    `    <md:KeyDescriptor use="signing">\n` +
    `      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n` +
    `    </md:KeyDescriptor>\n`).join('');

  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${MD_NS}" xmlns:ds="${DS_NS}" entityID="${attr(input.entityId)}">\n` +
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n` +
    keyDescriptors +
    `    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\n` +
    `    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${attr(ssoUrl)}"/>\n` +
    `  </md:IDPSSODescriptor>\n` +
    `</md:EntityDescriptor>\n`
  );
}
