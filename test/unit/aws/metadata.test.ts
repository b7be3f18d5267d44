// Hatrack's IdP metadata for IAM (AWS.md §1): entity ID, signing KeyDescriptors, UTF-8 without BOM.
import { Buffer } from 'node:buffer';
import { beforeAll, describe, expect, it } from 'vitest';
import { idpMetadataXml } from '../../../src/aws/metadata.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { elements, only, otherSigningPair, parseXml, signingPair } from './support.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const body = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, '');

let current: string;
let next: string;
beforeAll(async () => {
  current = (await signingPair()).certPem;
  next = (await otherSigningPair()).certPem;
});

describe('idpMetadataXml', () => {
  it('describes an IdP with the entity ID, SAML 2.0 support, persistent NameID and an HTTP-Redirect SSO service', () => {
    const xml = idpMetadataXml({ entityId: 'https://hatrack.example.com/saml/metadata', certificates: [current], ssoUrl: 'https://hatrack.example.com/' });
    const doc = parseXml(xml);
    const root = doc.documentElement!;
    expect(root.namespaceURI).toBe(MD);
    expect(root.localName).toBe('EntityDescriptor');
    expect(root.getAttribute('entityID')).toBe('https://hatrack.example.com/saml/metadata');
    const idp = only(doc, MD, 'IDPSSODescriptor');
    expect(idp.getAttribute('protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol');
    expect(only(idp, MD, 'NameIDFormat').textContent).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    const sso = only(idp, MD, 'SingleSignOnService');
    expect(sso.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect');
    expect(sso.getAttribute('Location')).toBe('https://hatrack.example.com/');
  });

  it('has one signing KeyDescriptor carrying the certificate', () => {
    const doc = parseXml(idpMetadataXml({ entityId: 'https://h.example/saml/metadata', certificates: [current], ssoUrl: 'https://h.example/' }));
    const kds = elements(doc, MD, 'KeyDescriptor');
    expect(kds).toHaveLength(1);
    expect(kds[0]!.getAttribute('use')).toBe('signing');
    expect(only(kds[0]!, DS, 'X509Certificate').textContent).toBe(body(current));
  });

  it('lists two signing KeyDescriptors during rotation, current first then next', () => {
    const doc = parseXml(idpMetadataXml({ entityId: 'https://h.example/saml/metadata', certificates: [current, next], ssoUrl: 'https://h.example/' }));
    const kds = elements(doc, MD, 'KeyDescriptor');
    expect(kds).toHaveLength(2);
    expect(kds.map((k) => k.getAttribute('use'))).toEqual(['signing', 'signing']);
    expect(kds.map((k) => only(k, DS, 'X509Certificate').textContent)).toEqual([body(current), body(next)]);
  });

  it('lists a certificate given twice only once', () => {
    const doc = parseXml(idpMetadataXml({ entityId: 'https://h.example/m', certificates: [current, current], ssoUrl: 'https://h.example/' }));
    expect(elements(doc, MD, 'KeyDescriptor')).toHaveLength(1);
  });

  it('has no byte-order mark and declares UTF-8', () => {
    const xml = idpMetadataXml({ entityId: 'https://h.example/saml/metadata', certificates: [current], ssoUrl: 'https://h.example/' });
    const bytes = Buffer.from(xml, 'utf8');
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(xml.charCodeAt(0)).not.toBe(0xfeff);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });

  it('escapes the entity ID and SSO URL', () => {
    const entityId = 'https://h.example/m?a=1&b="2"<x>';
    const doc = parseXml(idpMetadataXml({ entityId, certificates: [current], ssoUrl: 'https://h.example/login?x=1&y=2' }));
    expect(doc.documentElement!.getAttribute('entityID')).toBe(entityId);
    expect(only(doc, MD, 'SingleSignOnService').getAttribute('Location')).toBe('https://h.example/login?x=1&y=2');
  });

  it('defaults the SSO location to the root of an http(s) entity ID', () => {
    const doc = parseXml(idpMetadataXml({ entityId: 'https://hatrack.example.com/saml/metadata', certificates: [current] }));
    expect(only(doc, MD, 'SingleSignOnService').getAttribute('Location')).toBe('https://hatrack.example.com/');
  });

  it('rejects no certificates, a broken certificate, or a URN entity ID without an SSO URL', () => {
    const codeOf = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return isHatrackError(e) ? e.code : 'other'; } };
    expect(codeOf(() => idpMetadataXml({ entityId: 'https://h.example/m', certificates: [] }))).toBe('metadata_invalid');
    expect(codeOf(() => idpMetadataXml({ entityId: 'https://h.example/m', certificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] }))).toBe('metadata_invalid');
    expect(codeOf(() => idpMetadataXml({ entityId: 'urn:hatrack:idp', certificates: [current] }))).toBe('metadata_invalid');
  });
});
