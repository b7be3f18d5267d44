// IdP metadata as `aws iam create-saml-provider` reads it: one EntityDescriptor with an
// IDPSSODescriptor; its entityID becomes the only Issuer the provider accepts, and every signing
// certificate in its KeyDescriptors (several during a key rotation) may verify assertions.
import { X509Certificate } from 'node:crypto';
import { StandinError } from './errors.ts';
import { NS, XmlRejected, attr, children, descendants, is, parseStrictXml, text } from './safe-xml.ts';

export interface IdpMetadata {
  entityId: string;
  /** PEM certificates from the signing KeyDescriptors, in document order. */
  certificates: string[];
}

/** AWS refuses signing keys shorter than this (Hatrack itself uses 2048 bits). */
export const MIN_RSA_BITS = 1024;

function invalid(message: string): StandinError {
  return new StandinError('InvalidInput', 400, `Could not parse metadata: ${message}`);
}

export function toPem(base64Der: string): string {
  const body = base64Der.replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function parseIdpMetadata(metadataXml: string): IdpMetadata {
  if (metadataXml.charCodeAt(0) === 0xfeff) throw invalid('the document starts with a byte order mark');
  let root;
  try {
    root = parseStrictXml(metadataXml).documentElement;
  } catch (e) {
    if (e instanceof XmlRejected) throw invalid(e.message);
    throw e;
  }
  if (!is(root, NS.metadata, 'EntityDescriptor')) throw invalid('the root element must be md:EntityDescriptor');
  const entityId = attr(root, 'entityID');
  if (!entityId) throw invalid('EntityDescriptor has no entityID');

  const idps = children(root, NS.metadata, 'IDPSSODescriptor');
  if (idps.length !== 1) throw invalid('expected exactly one IDPSSODescriptor');
  const idp = idps[0]!;
  const protocols = (attr(idp, 'protocolSupportEnumeration') ?? '').split(/\s+/);
  if (!protocols.includes(NS.protocol)) throw invalid('IDPSSODescriptor does not support SAML 2.0');

  const certificates: string[] = [];
  for (const kd of children(idp, NS.metadata, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const certEl of descendants(kd, NS.dsig, 'X509Certificate')) {
      const pem = toPem(text(certEl));
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        throw invalid('a KeyDescriptor holds a certificate that does not parse');
      }
      const key = cert.publicKey;
      if (key.asymmetricKeyType !== 'rsa') throw invalid('signing certificates must carry RSA keys');
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw invalid(`the signing key has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
      certificates.push(pem);
    }
  }
  if (certificates.length === 0) throw invalid('no signing certificate in the IDPSSODescriptor');
  return { entityId, certificates };
}
