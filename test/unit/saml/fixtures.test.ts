// The frozen fixtures in test/fixtures/saml (see test/support/saml/write-fixtures.ts): responses
// signed once and kept as bytes, verified at the frozen clock. A library upgrade that changes what
// verifies (canonicalization, parsing) shows up here first.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SamlConnectorOptions } from '../../../src/connectors/saml/index.ts';
import { encodeResponse } from '../../../src/dev/saml-idp/response.ts';
import { expectRefused, harness, post } from '../../support/saml/harness.ts';
import { testKeys, type Keys } from '../../support/saml/test-idp.ts';

const dir = join(import.meta.dirname, '../../fixtures/saml');
const cert = readFileSync(join(dir, 'idp.cert.pem'), 'utf8');
const fixture = (name: string) => encodeResponse(readFileSync(join(dir, name), 'utf8'));

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});

const tile = (extra: Partial<SamlConnectorOptions> = {}) => harness(k, { idpCerts: [cert], allowIdpInitiated: true, ...extra });

const cases: Array<[file: string, expected: string, options?: Partial<SamlConnectorOptions>]> = [
  ['response.tile.assertion-signed.xml', 'alice@corp.example'],
  ['response.tile.both-signed.xml', 'alice@corp.example'],
  ['response.tile.both-signed.xml', 'alice@corp.example', { requireSignatureOn: 'both' }],
  ['response.tile.response-signed.assertion-unsigned.xml', 'alice@corp.example', { requireSignatureOn: 'response' }],
  ['response.tile.response-signed.assertion-unsigned.xml', 'alice@corp.example'],
  ['response.tile.response-signed.assertion-unsigned.xml', 'saml_signature_missing', { requireSignatureOn: 'assertion' }],
  ['response.tile.assertion-signed.nameid-comment-injected.xml', 'alice@corp.example.evil.example'],
  ['response.tile.assertion-signed.nameid-comment-injected.xml', 'saml_domain_not_allowed', { allowedDomains: ['corp.example'] }],
  ['response.tile.assertion-signed.nameid-tampered.xml', 'saml_signature_invalid'],
  ['response.tile.assertion-signed.evil-assertion-before.xml', 'saml_wrapping_detected'],
  ['response.tile.assertion-signed-rsa-sha1.xml', 'saml_signature_algorithm'],
];

describe('frozen fixtures', () => {
  it('every fixture file is covered', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    expect(new Set(cases.map(([f]) => f))).toEqual(new Set(files));
  });

  it.each(cases)('%s → %s', async (file, expected, options) => {
    const h = tile(options);
    if (expected.includes('@')) {
      expect((await post(h, fixture(file))).email).toBe(expected);
    } else {
      await expectRefused(h, () => post(h, fixture(file)), expected);
    }
  });

  it('a fixture is refused by a connector that pins another certificate (saml_signature_untrusted)', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    await expectRefused(h, () => post(h, fixture('response.tile.assertion-signed.xml')), 'saml_signature_untrusted');
  });
});
