// The xml-crypto Signer: what it publishes, and what it refuses to sign.
import { beforeAll, describe, expect, it } from 'vitest';
import { createXmlSigner } from '../../../src/aws/signer.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { otherSigningPair, signingPair } from './support.ts';

const A = 'urn:oasis:names:tc:SAML:2.0:assertion';
let pair: { keyPem: string; certPem: string };
let other: { keyPem: string; certPem: string };
beforeAll(async () => {
  pair = await signingPair();
  other = await otherSigningPair();
});

function codeOf(fn: () => unknown): string {
  try { fn(); return 'none'; } catch (e) { return isHatrackError(e) ? e.code : `other: ${(e as Error).message}`; }
}

describe('createXmlSigner', () => {
  it('publishes the current certificate first, then the next one', () => {
    expect(createXmlSigner({ current: pair }).certificates).toEqual([pair.certPem]);
    expect(createXmlSigner({ current: pair, next: { certPem: other.certPem } }).certificates).toEqual([pair.certPem, other.certPem]);
  });

  it('refuses a key and certificate that do not belong together', () => {
    expect(codeOf(() => createXmlSigner({ current: { keyPem: pair.keyPem, certPem: other.certPem } }))).toBe('signing_key_mismatch');
  });

  it('refuses a document with two assertions', () => {
    const signer = createXmlSigner({ current: pair });
    const one = `<saml:Assertion xmlns:saml="${A}" ID="_a"><saml:Issuer>x</saml:Issuer></saml:Assertion>`;
    expect(codeOf(() => signer.sign(`<r>${one}${one.replace('_a', '_b')}</r>`))).toBe('saml_sign_failed');
  });

  it('refuses an assertion that does not start with its Issuer', () => {
    const signer = createXmlSigner({ current: pair });
    expect(codeOf(() => signer.sign(`<saml:Assertion xmlns:saml="${A}" ID="_a"><saml:Subject/><saml:Issuer>x</saml:Issuer></saml:Assertion>`))).toBe('saml_sign_failed');
  });

  it('refuses an assertion ID that could break out of the reference', () => {
    const signer = createXmlSigner({ current: pair });
    expect(codeOf(() => signer.sign(`<saml:Assertion xmlns:saml="${A}" ID="_a' or '1'='1"><saml:Issuer>x</saml:Issuer></saml:Assertion>`))).toBe('saml_sign_failed');
  });

  it('refuses malformed XML', () => {
    const signer = createXmlSigner({ current: pair });
    expect(codeOf(() => signer.sign('<saml:Assertion'))).toBe('saml_sign_failed');
  });
});
