// Hatrack against a real third-party SAML IdP, SimpleSAMLphp, through headless Chromium: the IdP
// signing only the Response, only the Assertion, both, and encrypting the assertion, each both
// SP-initiated (Hatrack's login redirect) and IdP-initiated (the IdP's unsolicited POST). The IdP is
// configured from Hatrack's own SP metadata (test/support/simplesamlphp.ts) and runs on 127.0.0.1
// while Hatrack runs on localhost, so every POST to the ACS is cross-site, as with Google.
// SimpleSAMLphp 1.19 encrypts the content with AES-128-CBC: Hatrack takes that only where the
// connector lists it and requires the Response's signature (docs/decisions/0002), and refuses it
// under the default GCM-only list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { testKeys } from '../support/saml/test-idp.ts';
import { startSimpleSamlPhp, type SimpleSamlPhp } from '../support/simplesamlphp.ts';
import { startTestBroker, type TestBroker } from '../support/test-broker.ts';

let idp: SimpleSamlPhp;
let broker: TestBroker;
let browser: TestBrowser;

/** Hatrack's connectors for the one IdP: what each requires, and how the IdP is told to answer it. */
const CONNECTORS = {
  'ssp-response': { hatrack: { requireSignatureOn: 'response' }, idp: { signResponse: true, signAssertion: false, encryptAssertion: false } },
  'ssp-assertion': { hatrack: { requireSignatureOn: 'assertion' }, idp: { signResponse: false, signAssertion: true, encryptAssertion: false } },
  'ssp-both': { hatrack: { requireSignatureOn: 'both' }, idp: { signResponse: true, signAssertion: true, encryptAssertion: false } },
  'ssp-encrypted': {
    hatrack: { requireSignatureOn: 'response', assertionEncryption: 'required', dataEncryptionAlgorithms: ['aes128-cbc'] },
    idp: { signResponse: true, signAssertion: true, encryptAssertion: true },
  },
  'ssp-gcm-only': { hatrack: { assertionEncryption: 'required' }, idp: { signResponse: true, signAssertion: true, encryptAssertion: true } },
} as const;
type ConnectorId = keyof typeof CONNECTORS;

beforeAll(async () => {
  const k = await testKeys();
  const people = (await import('../../src/dev/demo-people.ts')).demoPeople();
  idp = await startSimpleSamlPhp(people);
  broker = await startTestBroker(k, {
    moreConnectors: Object.entries(CONNECTORS).map(([id, c]) => ({
      id, type: 'saml', displayName: `SimpleSAMLphp (${id})`, idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, idpCerts: [idp.certPem],
      allowIdpInitiated: true, allowInsecureHttp: true, emailsVerified: true, ...c.hatrack,
    })),
    moreRoles: [{ group: 'admins', connector: Object.keys(CONNECTORS), role: 'arn:aws:iam::{prod}:role/Admin' }],
  });
  // The IdP learns every connector from the SP metadata Hatrack publishes for it.
  idp.setServiceProviders(await Promise.all(Object.entries(CONNECTORS).map(async ([id, c]) => ({
    metadataXml: await (await fetch(`${broker.url}saml/${id}/metadata`)).text(), ...c.idp,
  }))));
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
  await idp?.stop();
}, 60_000);

const alice = () => broker.people.find((p) => p.username === 'alice')!;

async function signInAtIdp(page: Page): Promise<void> {
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', alice().password);
  await page.press('input[name=password]', 'Enter');
}

async function expectSignedInAsAlice(page: Page): Promise<void> {
  await page.waitForURL((u) => u.href === broker.url, { timeout: 20_000 });
  await page.waitForSelector('[data-testid=signed-in-as]');
  expect(await page.textContent('[data-testid=signed-in-as]')).toBe(alice().email);
  expect(await page.isVisible('[data-testid="role-Admin-111111111111"]')).toBe(true);
}

const entityIdOf = (id: ConnectorId) => `${broker.url}saml/${id}/metadata`;

describe('SimpleSAMLphp, a third-party IdP, in Chromium', { timeout: 60_000 }, () => {
  for (const id of ['ssp-response', 'ssp-assertion', 'ssp-both', 'ssp-encrypted'] as const) {
    it(`${id}: SP-initiated, from Hatrack's login redirect to the roles`, async () => {
      await browser.reset();
      await browser.page.goto(`${broker.url}login/${id}`);
      await signInAtIdp(browser.page);
      await expectSignedInAsAlice(browser.page);
    });

    it(`${id}: IdP-initiated, the IdP's unsolicited POST, with no cookie for Hatrack`, async () => {
      await browser.reset();
      await browser.page.goto(idp.unsolicitedUrl(entityIdOf(id)));
      await signInAtIdp(browser.page);
      await expectSignedInAsAlice(browser.page);
    });
  }

  it('ssp-gcm-only: the IdP\'s AES-128-CBC encryption is refused under the default algorithms, with a clear page', async () => {
    await browser.reset();
    await browser.page.goto(`${broker.url}login/ssp-gcm-only`);
    await signInAtIdp(browser.page);
    await browser.page.waitForSelector('[data-testid=error-code]', { timeout: 20_000 });
    expect(await browser.page.textContent('[data-testid=error-code]')).toBe('saml_encryption_algorithm');
    expect(broker.logLines.some((l) => l.includes('saml_encryption_algorithm') && l.includes('aes128-cbc'))).toBe(true);
  });
});
