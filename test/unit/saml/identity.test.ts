// From a verified Assertion to an Identity: NameID, email source, name attributes, groups from a
// multi-valued attribute (one value or many, always a list), allowed domains, MFA classes.

import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSamlOptions, type SamlConnectorOptions } from '../../../src/connectors/saml/index.ts';
import { IdentityRefused, identityFromAssertion, readAssertion } from '../../../src/connectors/saml/identity.ts';
import { NS, children, parseSamlXml } from '../../../src/connectors/saml/xml.ts';
import { buildResponse, type ResponseSpec } from '../../../src/dev/saml-idp/response.ts';
import { IDP, NOW, SP, testKeys } from '../../support/saml/test-idp.ts';

// Only so that the options resolve; no signature is checked here.
let certPem = '';
beforeAll(async () => {
  certPem = (await testKeys()).idp.certPem;
});

function options(extra: Partial<SamlConnectorOptions>, cert: string) {
  return resolveSamlOptions({ id: 'google', entityId: SP.entityId, acsUrl: SP.acsUrl, idpEntityId: IDP.entityId, idpSsoUrl: IDP.ssoUrl, idpCerts: [cert], ...extra });
}

function assertionOf(spec: Partial<ResponseSpec>) {
  const xml = buildResponse({ issuer: IDP.entityId, acsUrl: SP.acsUrl, audience: SP.entityId, nameId: 'alice@corp.example', now: NOW, ...spec });
  return children(parseSamlXml(xml).documentElement!, NS.assertion, 'Assertion')[0]!;
}

function identity(spec: Partial<ResponseSpec>, extra: Partial<SamlConnectorOptions> = {}) {
  return identityFromAssertion(options(extra, certPem), IDP.entityId, readAssertion(assertionOf(spec)));
}

function refusal(spec: Partial<ResponseSpec>, extra: Partial<SamlConnectorOptions> = {}): string {
  try {
    identity(spec, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(IdentityRefused);
    return (e as IdentityRefused).code;
  }
  throw new Error('expected a refusal');
}

describe('identity from a Google assertion', () => {
  it('NameID is subject and email; first + last name; groups from the multi-valued attribute; claims as lists', () => {
    const id = identity({ attributes: { firstName: ['Alice'], lastName: ['Admin'], groups: ['aws-admins@corp.example', 'eng@corp.example'] } });
    expect(id).toMatchObject({
      connector: 'google', subject: 'alice@corp.example', email: 'alice@corp.example', name: 'Alice Admin',
      groups: ['aws-admins@corp.example', 'eng@corp.example'], mfa: false, authTime: NOW,
    });
    expect(id.claims).toMatchObject({ firstName: ['Alice'], lastName: ['Admin'], nameId: 'alice@corp.example', issuer: IDP.entityId });
  });

  it('a single group is still a list (node-saml would give a string); no groups attribute is an empty list', () => {
    expect(identity({ attributes: { groups: ['only@corp.example'] } }).groups).toEqual(['only@corp.example']);
    expect(identity({ attributes: {} }).groups).toEqual([]);
  });

  it('groups are data, kept exactly as sent (case, spaces inside, look-alikes), exact duplicates once', () => {
    const odd = ['AWS-Admins@Corp.Example', 'a,b', 'aws-*', 'аws-admins@corp.example', 'aws-admins@corp.example', 'aws-admins@corp.example'];
    expect(identity({ attributes: { groups: odd } }).groups).toEqual(odd.slice(0, 5));
  });

  it('a configurable groups attribute, name attribute and email attribute', () => {
    const id = identity(
      { nameId: 'opaque-1234', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', attributes: { memberOf: ['ops'], displayName: ['Dr. Alice'], mail: ['alice@corp.example'] } },
      { groupsAttribute: 'memberOf', nameAttribute: 'displayName', emailFrom: 'mail' },
    );
    expect(id).toMatchObject({ subject: 'opaque-1234', email: 'alice@corp.example', name: 'Dr. Alice', groups: ['ops'] });
  });

  it('mfa when every AuthnContextClassRef is one of mfaContextClasses', () => {
    expect(identity({ authnContextClassRef: 'https://refeds.org/profile/mfa' }).mfa).toBe(true);
    expect(identity({ authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' }).mfa).toBe(false);
    expect(identity({ authnContextClassRef: 'urn:example:strong' }, { mfaContextClasses: ['urn:example:strong'] }).mfa).toBe(true);
  });

  it('allowedDomains: the exact domain, any case; subdomains and look-alike suffixes are out', () => {
    expect(identity({ nameId: 'Alice@CORP.example' }, { allowedDomains: ['corp.example'] }).email).toBe('Alice@CORP.example');
    expect(refusal({ nameId: 'alice@eng.corp.example' }, { allowedDomains: ['corp.example'] })).toBe('saml_domain_not_allowed');
    expect(refusal({ nameId: 'alice@corp.example.evil' }, { allowedDomains: ['corp.example'] })).toBe('saml_domain_not_allowed');
    expect(refusal({ nameId: 'alice@evilcorp.example' }, { allowedDomains: ['corp.example'] })).toBe('saml_domain_not_allowed');
  });

  it('groups in one delimited value only when groupsDelimiter says so, split on exactly that text (W7, C3)', () => {
    const one = { attributes: { groups: ['admins,ops', ' dev,,'] } };
    expect(identity(one).groups).toEqual(['admins,ops', ' dev,,']);
    expect(identity(one, { groupsDelimiter: ',' }).groups).toEqual(['admins', 'ops', ' dev']);
    expect(identity({ attributes: { groups: ['admins, ops'] } }, { groupsDelimiter: ', ' }).groups).toEqual(['admins', 'ops']);
    expect(identity({ attributes: { groups: ['admins;ops', 'admins'] } }, { groupsDelimiter: ';' }).groups).toEqual(['admins', 'ops']);
  });

  it('vouches for the address only when the connector says its IdP verifies them (emailsVerified, C5)', () => {
    expect(identity({}).emailVerified).toBe(false);
    expect(identity({}, { emailsVerified: true }).emailVerified).toBe(true);
  });

  it('refuses an email that is not one, a missing or repeated email attribute', () => {
    expect(refusal({ nameId: 'not-an-email' })).toBe('saml_email_invalid');
    expect(refusal({ nameId: 'a b@corp.example' })).toBe('saml_email_invalid');
    expect(refusal({}, { emailFrom: 'mail' })).toBe('saml_email_missing');
    expect(refusal({ attributes: { mail: ['a@corp.example', 'b@corp.example'] } }, { emailFrom: 'mail' })).toBe('saml_email_invalid');
  });
});
