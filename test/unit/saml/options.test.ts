// Options of the SAML connector: Google-shaped defaults, and every problem reported at once.

import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSamlOptions, type SamlConnectorOptions } from '../../../src/connectors/saml/index.ts';
import { HatrackError } from '../../../src/errors.ts';
import { generate } from 'selfsigned';
import { IDP, SP, testKeys, type Keys } from '../../support/saml/test-idp.ts';

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});

const base = (): SamlConnectorOptions => ({
  id: 'google', entityId: SP.entityId, acsUrl: SP.acsUrl, idpEntityId: IDP.entityId, idpSsoUrl: IDP.ssoUrl, idpCerts: [k.idp.certPem],
});

function problems(o: SamlConnectorOptions): string {
  try {
    resolveSamlOptions(o);
  } catch (e) {
    expect(e).toBeInstanceOf(HatrackError);
    expect((e as HatrackError).code).toBe('saml_config_invalid');
    expect((e as HatrackError).status).toBe(500);
    return (e as HatrackError).detail ?? '';
  }
  throw new Error('expected saml_config_invalid');
}

describe('resolveSamlOptions', () => {
  it('defaults fit a Google Workspace custom SAML app', () => {
    const o = resolveSamlOptions(base());
    expect(o).toMatchObject({
      displayName: 'google', allowIdpInitiated: false, emailFrom: 'nameid', groupsAttribute: 'groups',
      nameAttribute: 'name', firstNameAttribute: 'firstName', lastNameAttribute: 'lastName', allowedDomains: undefined,
      clockSkewSeconds: 120, maxAssertionAgeSeconds: 300, maxResponseBytes: 262_144, requireSignatureOn: 'either',
      signatureAlgorithms: ['rsa-sha256', 'rsa-sha384', 'rsa-sha512'], digestAlgorithms: ['sha256', 'sha384', 'sha512'],
      straightToConsoleWhenOneRole: false, maxLoginAgeMs: 600_000,
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    });
    expect(o.idpCerts[0]).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('accepts a certificate as bare base64 (as some IdPs show it) and a list for rotation', () => {
    const bare = k.next.certPem.replace(/-----[^-]+-----|\s/g, '');
    expect(resolveSamlOptions({ ...base(), idpCerts: [k.idp.certPem, bare] }).idpCerts).toHaveLength(2);
  });

  it('lowercases allowedDomains and carries straightToConsoleWhenOneRole for the HTTP layer', () => {
    const o = resolveSamlOptions({ ...base(), allowedDomains: ['Corp.Example'], straightToConsoleWhenOneRole: true });
    expect(o.allowedDomains).toEqual(['corp.example']);
    expect(o.straightToConsoleWhenOneRole).toBe(true);
  });

  it('reports every problem at once', () => {
    const detail = problems({
      id: 'bad id!', entityId: '', acsUrl: 'ftp://x', idpEntityId: ' spaced ', idpSsoUrl: 'https://idp.example/sso#frag',
      idpCerts: ['not a cert'], clockSkewSeconds: 0, maxResponseBytes: 1, requireSignatureOn: 'assertion-only' as never,
      signatureAlgorithms: ['rsa-sha1' as never], allowedDomains: ['not a domain'],
    });
    for (const p of ['id must be', 'entityId is required', 'acsUrl must be an https URL', 'idpEntityId is required', 'idpSsoUrl must not have a fragment',
      'idpCerts[0] is not', 'clockSkewSeconds', 'maxResponseBytes', 'requireSignatureOn must be one of either, assertion, response, both', 'signatureAlgorithms', 'allowedDomains[0]']) {
      expect(detail).toContain(p);
    }
  });

  it('refuses http URLs except on loopback or with allowInsecureHttp, and URLs not in normal form', () => {
    expect(problems({ ...base(), acsUrl: 'http://hatrack.example.com/saml/google/acs' })).toContain('acsUrl must be an https URL');
    expect(resolveSamlOptions({ ...base(), acsUrl: 'http://localhost:3000/saml/google/acs' }).acsUrl).toBe('http://localhost:3000/saml/google/acs');
    expect(resolveSamlOptions({ ...base(), allowInsecureHttp: true, acsUrl: 'http://hatrack.lan/saml/google/acs' }).acsUrl).toBe('http://hatrack.lan/saml/google/acs');
    expect(problems({ ...base(), acsUrl: 'https://HATRACK.example.com/saml/google/acs' })).toContain('normal form');
  });

  it('refuses certificates with non-RSA or small RSA keys, and an empty list', async () => {
    const ec = await generate([{ name: 'commonName', value: 'ec' }], { keyType: 'ec', curve: 'P-256' });
    expect(problems({ ...base(), idpCerts: [ec.cert] })).toContain('idpCerts[0] has a ec key');
    const small = await generate([{ name: 'commonName', value: 'small' }], { keyType: 'rsa', keySize: 1024 });
    expect(problems({ ...base(), idpCerts: [small.cert] })).toContain('idpCerts[0] has an RSA key under 2048 bits, which Hatrack refuses: issue a new signing certificate at the IdP');
    expect(problems({ ...base(), idpCerts: [] })).toContain('idpCerts must list at least one');
  });

  it('the skew is never off, and the login age is minutes, not hours', () => {
    for (const clockSkewSeconds of [0, 59, 181, 1.5]) expect(problems({ ...base(), clockSkewSeconds })).toContain('clockSkewSeconds');
    expect(problems({ ...base(), maxLoginAgeMs: 8 * 3600_000 })).toContain('maxLoginAgeMs');
  });
});
