// Encrypted assertions (SAML core §2.3.4), as AD FS, Okta, Shibboleth and Keycloak send them once
// the SP metadata offers a key: the Assertion (signed or not) encrypted to Hatrack's SP certificate,
// the Response signed over the ciphertext or not. S31 as it now reads: refused when the connector
// has no decryption (assertionEncryption: off) or an algorithm is off the list — RSA PKCS#1 v1.5
// never, AES-CBC only inside a signed Response, neither before any private key is used. A decrypted
// assertion is held to every check a plain one gets; decryption failures all read alike.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSamlXml, NS, attr, children, wholeText } from '../../../src/connectors/saml/xml.ts';
import { SIGNATURE_REQUIREMENTS, type SignatureRequirement } from '../../../src/connectors/saml/index.ts';
import { answer, expectRefused, harness, post, start } from '../../support/saml/harness.ts';
import { PEOPLE, SAML_NS, makeEncryptedResponse, testKeys, type EncryptOptions, type Keys, type MakeOptions } from '../../support/saml/test-idp.ts';

const decrypting = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../../src/connectors/saml/encryption.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/connectors/saml/encryption.ts')>();
  return {
    ...real,
    decryptAssertion: (...args: Parameters<typeof real.decryptAssertion>) => {
      decrypting.calls++;
      return real.decryptAssertion(...args);
    },
  };
});

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});
beforeEach(() => {
  decrypting.calls = 0;
});

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';
const taking = { allowIdpInitiated: true, assertionEncryption: 'optional' as const };
type Signing = NonNullable<MakeOptions['signing']>;

/** The requirements a response signed as `signing` satisfies. */
const requirementsFor = (signing: Signing): SignatureRequirement[] =>
  signing === 'assertion' ? ['either', 'assertion'] : signing === 'response' ? ['either', 'response'] : [...SIGNATURE_REQUIREMENTS];

async function tile(signing: Signing, encrypt: EncryptOptions = {}, options: Parameters<typeof harness>[1] = {}) {
  const h = harness(k, { ...taking, ...options });
  const r = await makeEncryptedResponse(k, { signing, encrypt });
  return { h, r, post: () => post(h, r.samlResponse) };
}

describe('encrypted assertions accepted', () => {
  for (const signing of ['assertion', 'response', 'both'] as const) {
    for (const requireSignatureOn of requirementsFor(signing)) {
      it(`signed on the ${signing}, encrypted (AES-256-GCM, RSA-OAEP), under requireSignatureOn ${requireSignatureOn}: Alice signs in`, async () => {
        const t = await tile(signing, {}, { requireSignatureOn });
        const identity = await t.post();
        expect(identity).toMatchObject({ subject: PEOPLE.alice.nameId, email: PEOPLE.alice.nameId, groups: [...PEOPLE.alice.attributes.groups] });
        expect(decrypting.calls).toBe(1);
      });
    }
  }

  it('AES-128-GCM', async () => {
    expect((await (await tile('assertion', { dataAlgorithm: `${XENC11}aes128-gcm` })).post()).email).toBe(PEOPLE.alice.nameId);
  });

  it('encrypted to the next SP certificate during a rotation: decrypted with the next key', async () => {
    expect((await (await tile('assertion', { certPem: k.spNext.certPem })).post()).email).toBe(PEOPLE.alice.nameId);
  });

  it('SP-initiated: the decrypted assertion answers the request (InResponseTo), once', async () => {
    const h = harness(k, { assertionEncryption: 'optional' });
    const s = await start(h);
    const r = await makeEncryptedResponse(k, { spec: { inResponseTo: s.pending.data.requestId } });
    expect((await post(h, r.samlResponse, s.pending.state)).email).toBe(PEOPLE.alice.nameId);
  });

  it('AES-CBC where the connector opted in and the Response\'s signature covers the ciphertext', async () => {
    const t = await tile('response', { dataAlgorithm: `${XENC}aes256-cbc` }, { requireSignatureOn: 'response', dataEncryptionAlgorithms: ['aes256-gcm', 'aes256-cbc'] });
    expect((await t.post()).email).toBe(PEOPLE.alice.nameId);
  });
});

describe('encrypted assertions refused (S31)', () => {
  it('by a connector that decrypts none (assertionEncryption off) → saml_encrypted_assertion, nothing decrypted', async () => {
    const t = await tile('both', {}, { assertionEncryption: 'off' });
    await expectRefused(t.h, t.post, 'saml_encrypted_assertion');
    expect(decrypting.calls).toBe(0);
  });

  it('RSA PKCS#1 v1.5 key transport → saml_encryption_algorithm, before any key is used', async () => {
    const t = await tile('both', { keyAlgorithm: `${XENC}rsa-1_5` });
    const e = await expectRefused(t.h, t.post, 'saml_encryption_algorithm');
    expect(e.detail).toContain('RSA-OAEP only');
    expect(decrypting.calls).toBe(0);
  });

  it('AES-CBC by default, even inside a signed Response → saml_encryption_algorithm, nothing decrypted', async () => {
    const t = await tile('both', { dataAlgorithm: `${XENC}aes256-cbc` });
    await expectRefused(t.h, t.post, 'saml_encryption_algorithm');
    expect(decrypting.calls).toBe(0);
  });

  it('Triple-DES → saml_encryption_algorithm', async () => {
    const t = await tile('both', { dataAlgorithm: `${XENC}tripledes-cbc` });
    await expectRefused(t.h, t.post, 'saml_encryption_algorithm');
  });

  it('AES-CBC may be listed only where the Response must be signed, so that no altered ciphertext is decrypted (no padding oracle)', async () => {
    let detail = '';
    try {
      harness(k, { ...taking, dataEncryptionAlgorithms: ['aes256-cbc'] });
    } catch (e) {
      detail = (e as { detail?: string }).detail ?? '';
    }
    expect(detail).toContain('only with requireSignatureOn: response or both');
  });

  it('encrypted to a certificate that is not Hatrack\'s → saml_decryption_failed', async () => {
    const t = await tile('both', { certPem: k.attacker.certPem });
    await expectRefused(t.h, t.post, 'saml_decryption_failed');
  });

  it('ciphertext altered (GCM authenticates it) → saml_decryption_failed, the same refusal as a wrong key', async () => {
    // The content's CipherValue is the last one (the key's comes first): its last bytes are GCM's tag.
    const t = await tile('assertion', {
      tamper: (x) => {
        const end = x.lastIndexOf('</xenc:CipherValue>');
        return `${x.slice(0, end - 8)}AAAAAAAA${x.slice(end)}`;
      },
    });
    const e = await expectRefused(t.h, t.post, 'saml_decryption_failed');
    const wrongKey = await tile('assertion', { certPem: k.attacker.certPem });
    const other = await expectRefused(wrongKey.h, wrongKey.post, 'saml_decryption_failed');
    expect(e.message).toBe(other.message);
  });

  it('the Response signed, then the ciphertext swapped → saml_signature_invalid, nothing decrypted', async () => {
    const mallory = await makeEncryptedResponse(k, { signing: 'none', spec: { nameId: 'mallory@corp.example' } });
    const theirs = /<saml2:EncryptedAssertion[\s\S]*<\/saml2:EncryptedAssertion>/.exec(mallory.xml)![0];
    const h = harness(k, taking);
    const r = await makeEncryptedResponse(k, { signing: 'response' });
    const swapped = r.xml.replace(/<saml2:EncryptedAssertion[\s\S]*<\/saml2:EncryptedAssertion>/, theirs);
    await expectRefused(h, () => post(h, Buffer.from(swapped).toString('base64')), 'saml_signature_invalid');
    expect(decrypting.calls).toBe(0);
  });

  it('nothing signed at all → saml_signature_missing, under every requirement', async () => {
    for (const requireSignatureOn of SIGNATURE_REQUIREMENTS) {
      const t = await tile('none', {}, { requireSignatureOn });
      await expectRefused(t.h, t.post, 'saml_signature_missing');
    }
  });

  it('an EncryptedID inside the decrypted assertion → saml_encrypted_assertion', async () => {
    const t = await tile('response', {
      plaintext: (a) => a.replace(/<saml2:NameID[^>]*>[^<]*<\/saml2:NameID>/, `<saml2:EncryptedID><xenc:EncryptedData xmlns:xenc="${XENC}"/></saml2:EncryptedID>`),
    });
    await expectRefused(t.h, t.post, 'saml_encrypted_assertion');
  });

  it('an evil Assertion beside the signed one inside the plaintext → saml_wrapping_detected', async () => {
    const t = await tile('response', {
      plaintext: (a) => a.replace('</saml2:Subject>', `</saml2:Subject><saml2:Assertion xmlns:saml2="${SAML_NS.assertion}" ID="_evil" Version="2.0"/>`),
    });
    await expectRefused(t.h, t.post, 'saml_wrapping_detected');
  });

  it('the same encrypted assertion posted twice → saml_replayed', async () => {
    const t = await tile('assertion');
    expect((await t.post()).email).toBe(PEOPLE.alice.nameId);
    await expectRefused(t.h, t.post, 'saml_replayed');
  });

  it('a plain assertion where encryption is required → saml_assertion_not_encrypted, saying what to change at the IdP', async () => {
    const h = harness(k, { assertionEncryption: 'required' });
    const s = await start(h);
    const e = await expectRefused(h, () => post(h, answer(k, s).samlResponse, s.pending.state), 'saml_assertion_not_encrypted');
    for (const text of [e.message, e.detail ?? '']) expect(text).toContain('turn on assertion encryption');
  });
});

describe('the SP metadata of a connector that decrypts', () => {
  it('publishes the current and the next certificate for encryption, with the algorithms accepted', () => {
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const sp = children(parseSamlXml(harness(k, { assertionEncryption: 'optional' }).connector.spMetadataXml()).documentElement!, md, 'SPSSODescriptor')[0]!;
    const descriptors = children(sp, md, 'KeyDescriptor');
    expect(descriptors.map((d) => attr(d, 'use'))).toEqual(['encryption', 'encryption']);
    const certs = descriptors.map((d) => wholeText(d.getElementsByTagNameNS(NS.dsig, 'X509Certificate').item(0)!));
    expect(certs).toEqual([k.sp.certPem, k.spNext.certPem].map((p) => p.replace(/-----[^-]+-----|\s/g, '')));
    expect(children(descriptors[0]!, md, 'EncryptionMethod').map((m) => attr(m, 'Algorithm'))).toEqual([
      `${XENC11}aes256-gcm`, `${XENC11}aes128-gcm`, `${XENC}rsa-oaep-mgf1p`,
    ]);
    expect(children(sp, md, 'KeyDescriptor').length).toBe(2);
  });

  it('publishes none for a connector that decrypts nothing', () => {
    expect(harness(k).connector.spMetadataXml()).not.toContain('KeyDescriptor');
  });
});
