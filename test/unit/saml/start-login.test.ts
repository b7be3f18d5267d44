// SP-initiated start (the AuthnRequest over HTTP-Redirect, the request key in the store), SP
// metadata, and where the callback's RelayState is read from.

import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { toPendingLogin } from '../../../src/connectors/connector.ts';
import { requestKey } from '../../../src/connectors/saml/index.ts';
import { NS, attr, children, parseSamlXml, wholeText } from '../../../src/connectors/saml/xml.ts';
import { HatrackError } from '../../../src/errors.ts';
import { harness } from '../../support/saml/harness.ts';
import { IDP, NOW, SP, testKeys, type Keys } from '../../support/saml/test-idp.ts';

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});

describe('startLogin', () => {
  it('sends the browser to the IdP SSO URL with a deflated AuthnRequest and the pending state as RelayState', async () => {
    const h = harness(k);
    const { url, pending } = await h.connector.startLogin({ redirectUri: SP.acsUrl, returnTo: '/roles' });
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe('https://accounts.google.com/o/saml2/idp');
    expect(u.searchParams.get('idpid')).toBe('C0hatrack');
    expect(u.searchParams.get('RelayState')).toBe(pending.state);

    const xml = inflateRawSync(Buffer.from(u.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    const request = parseSamlXml(xml).documentElement!;
    expect(request.localName).toBe('AuthnRequest');
    expect(attr(request, 'ID')).toBe(pending.data.requestId);
    expect(attr(request, 'Destination')).toBe(IDP.ssoUrl);
    expect(attr(request, 'AssertionConsumerServiceURL')).toBe(SP.acsUrl);
    expect(attr(request, 'ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(wholeText(children(request, NS.assertion, 'Issuer')[0]!)).toBe(SP.entityId);
    expect(attr(children(request, NS.protocol, 'NameIDPolicy')[0]!, 'Format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    // No RequestedAuthnContext: an `exact` PasswordProtectedTransport would turn away people who used a second factor.
    expect(children(request, NS.protocol, 'RequestedAuthnContext')).toEqual([]);
    expect(u.searchParams.has('Signature')).toBe(false);

    expect(toPendingLogin(JSON.parse(JSON.stringify(pending)))).toEqual({
      connector: 'google', state: pending.state, data: { requestId: pending.data.requestId },
      redirectUri: SP.acsUrl, createdAt: NOW.getTime(), returnTo: '/roles',
    });
  });

  it('binds the request ID in the store for minutes (login age + 5 min grace), written once', async () => {
    const h = harness(k);
    const { pending } = await h.connector.startLogin({ redirectUri: SP.acsUrl });
    const id = pending.data.requestId!;
    expect(h.store.calls).toEqual([{ op: 'setIfAbsent', key: requestKey('google', id), result: true }]);
    expect(JSON.parse((await h.store.get(requestKey('google', id)))!)).toEqual({ state: pending.state, createdAt: NOW.getTime() });
    h.clock.advance(15 * 60_000 - 1);
    expect(await h.store.get(requestKey('google', id))).toBeDefined();
    h.clock.advance(1);
    expect(await h.store.get(requestKey('google', id))).toBeUndefined();
  });

  it('makes a new state and request ID every time (>= 128 random bits)', async () => {
    const h = harness(k);
    const a = await h.connector.startLogin({ redirectUri: SP.acsUrl });
    const b = await h.connector.startLogin({ redirectUri: SP.acsUrl });
    expect(a.pending.state).not.toBe(b.pending.state);
    expect(a.pending.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.pending.data.requestId).toMatch(/^_[0-9a-f]{40}$/);
  });

  it('refuses a redirectUri other than the configured ACS URL (a wiring mistake) → saml_config_invalid', async () => {
    const h = harness(k);
    const err = await h.connector.startLogin({ redirectUri: 'https://hatrack.example.com/oidc/google/callback' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HatrackError);
    expect((err as HatrackError).code).toBe('saml_config_invalid');
    expect(h.store.calls).toEqual([]);
  });
});

describe('callbackState', () => {
  it('reads RelayState from the POST form only, and only when it is there once', () => {
    const { connector } = harness(k);
    const url = new URL(`${SP.acsUrl}?RelayState=from-query`);
    expect(connector.callbackState({ url, form: new URLSearchParams({ RelayState: 'abc', SAMLResponse: 'x' }) })).toBe('abc');
    expect(connector.callbackState({ url })).toBeUndefined();
    expect(connector.callbackState({ url, form: new URLSearchParams([['RelayState', 'a'], ['RelayState', 'b']]) })).toBeUndefined();
  });
});

describe('spMetadataXml', () => {
  it('says WantAssertionsSigned only when the connector requires the Assertion\'s own signature', () => {
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const want = (requireSignatureOn: 'either' | 'assertion' | 'response' | 'both') =>
      attr(children(parseSamlXml(harness(k, { requireSignatureOn }).connector.spMetadataXml()).documentElement!, md, 'SPSSODescriptor')[0]!, 'WantAssertionsSigned');
    // Absent means false (metadata §2.4.4).
    expect([want('either'), want('assertion'), want('response'), want('both')]).toEqual([undefined, 'true', undefined, 'true']);
  });

  it('describes the SP for the IdP admin: entity ID, ACS with POST binding, emailAddress NameID, unsigned requests, signed assertions', () => {
    const { connector } = harness(k, { requireSignatureOn: 'assertion' });
    const xml = connector.spMetadataXml();
    const root = parseSamlXml(xml).documentElement!;
    expect(root.localName).toBe('EntityDescriptor');
    expect(attr(root, 'entityID')).toBe(SP.entityId);
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const sp = children(root, md, 'SPSSODescriptor')[0]!;
    expect(attr(sp, 'AuthnRequestsSigned')).toBe('false');
    expect(attr(sp, 'WantAssertionsSigned')).toBe('true');
    expect(attr(sp, 'protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol');
    expect(wholeText(children(sp, md, 'NameIDFormat')[0]!)).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    const acs = children(sp, md, 'AssertionConsumerService')[0]!;
    expect(attr(acs, 'Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(attr(acs, 'Location')).toBe(SP.acsUrl);
    // The same document every time and on every process.
    expect(harness(k, { requireSignatureOn: 'assertion' }).connector.spMetadataXml()).toBe(xml);
  });
});

describe('certificate housekeeping', () => {
  it('warns in the log when a configured IdP certificate has expired or expires within 30 days (rotation is due)', async () => {
    const { generate } = await import('selfsigned');
    const soon = await generate([{ name: 'commonName', value: 'soon' }], {
      keyType: 'rsa', keySize: 2048, notBeforeDate: new Date(NOW.getTime() - 86_400_000), notAfterDate: new Date(NOW.getTime() + 10 * 86_400_000),
    });
    const h = harness(k, { idpCerts: [k.idp.certPem, soon.cert] });
    const lines = h.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'saml idp certificate expires soon', connector: 'google', certIndex: 1 })]);
  });
});
