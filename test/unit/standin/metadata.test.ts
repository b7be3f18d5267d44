// IdP metadata as create-saml-provider reads it, and the IAM facts registered beside it.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { generate } from 'selfsigned';
import { createAwsStandin } from '../../../src/dev/aws-standin/index.ts';
import { StandinError } from '../../../src/dev/aws-standin/errors.ts';
import { parseIdpMetadata } from '../../../src/dev/aws-standin/metadata.ts';
import { ENTITY_ID, PROVIDER_ARN, ROLE_ARN, bareCert, makeKey, metadataXml, type TestKey } from './helpers.ts';

let current: TestKey;
let next: TestKey;

beforeAll(async () => {
  [current, next] = await Promise.all([makeKey('current'), makeKey('next')]);
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof StandinError) return e.code;
    throw e;
  }
}

describe('parseIdpMetadata', () => {
  test('keeps the entityID and every signing certificate (key rotation lists two)', () => {
    const parsed = parseIdpMetadata(metadataXml({ certs: [current.cert, next.cert] }));
    expect(parsed.entityId).toBe(ENTITY_ID);
    expect(parsed.certificates.map(bareCert)).toEqual([bareCert(current.cert), bareCert(next.cert)]);
  });

  test('takes a KeyDescriptor without use as a signing key', () => {
    expect(parseIdpMetadata(metadataXml({ certs: [current.cert], use: null })).certificates).toHaveLength(1);
  });

  test('rejects metadata whose only KeyDescriptor is for encryption (InvalidInput)', () => {
    expect(codeOf(() => parseIdpMetadata(metadataXml({ certs: [current.cert], use: 'encryption' })))).toBe('InvalidInput');
  });

  test('rejects metadata with a DOCTYPE (InvalidInput)', () => {
    expect(codeOf(() => parseIdpMetadata(metadataXml({ certs: [current.cert], doctype: true })))).toBe('InvalidInput');
  });

  test('rejects metadata that starts with a byte order mark (InvalidInput)', () => {
    expect(codeOf(() => parseIdpMetadata(metadataXml({ certs: [current.cert], bom: true })))).toBe('InvalidInput');
  });

  test('rejects metadata that is not an EntityDescriptor (InvalidInput)', () => {
    expect(codeOf(() => parseIdpMetadata('<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>'))).toBe('InvalidInput');
  });

  test('rejects a certificate that does not parse (InvalidInput)', () => {
    const broken = metadataXml({ certs: [current.cert] }).replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>AAAA');
    expect(codeOf(() => parseIdpMetadata(broken))).toBe('InvalidInput');
  });

  test('rejects a signing key under AWS’s 1024-bit minimum (InvalidInput)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 768 });
    const pems = await generate([{ name: 'commonName', value: 'weak' }], {
      algorithm: 'sha256',
      keyPair: {
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    expect(codeOf(() => parseIdpMetadata(metadataXml({ certs: [pems.cert] })))).toBe('InvalidInput');
  });
});

describe('registering providers and roles', () => {
  test('registerSamlProvider reports the entityID and the number of certificates', () => {
    const standin = createAwsStandin();
    expect(standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [current.cert, next.cert] }))).toEqual({
      arn: PROVIDER_ARN,
      entityId: ENTITY_ID,
      certificateCount: 2,
    });
  });

  test('rejects a provider ARN that is not a saml-provider ARN', () => {
    const standin = createAwsStandin();
    expect(codeOf(() => standin.registerSamlProvider(ROLE_ARN, metadataXml({ certs: [current.cert] })))).toBe('InvalidInput');
  });

  test('registerRole gives the role an AROA id, its account and a one-hour default maximum', () => {
    const role = createAwsStandin().registerRole('arn:aws:iam::123456789012:role/team/Admin');
    expect(role.roleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(role.account).toBe('123456789012');
    expect(role.maxSessionDuration).toBe(3600);
  });

  test.each([1800, 43201])('rejects a role maximum session duration of %i seconds', (max) => {
    expect(codeOf(() => createAwsStandin().registerRole(ROLE_ARN, { maxSessionDuration: max }))).toBe('InvalidInput');
  });

  test('rejects a role ARN that is not a role ARN', () => {
    expect(codeOf(() => createAwsStandin().registerRole(PROVIDER_ARN))).toBe('InvalidInput');
  });

  test('accountIdFor decides which account an ARN belongs to', () => {
    const standin = createAwsStandin({ accountIdFor: () => '999999999999' });
    expect(standin.registerRole(ROLE_ARN).account).toBe('999999999999');
  });
});
