// SECURITY.md C2: cheap refusals before expensive work. A response that is too big, too many
// elements, too deep, too wide, or already used is refused before either signature verifier runs;
// one whose AuthnRequest was already answered is refused before the second verifier runs; and the
// second verifier (node-saml) is only ever given what a signature covers, so unsigned padding costs
// it nothing. The verifiers are counted through module mocks that call the real ones.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONSUMES_REQUEST, answer, expectRefused, harness, post, start } from '../../support/saml/harness.ts';
import { makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

const seen = vi.hoisted(() => ({ signature: 0, secondOpinion: [] as string[] }));

vi.mock('../../../src/connectors/saml/signature.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/connectors/saml/signature.ts')>();
  return {
    ...real,
    verifyEnveloped: (...args: Parameters<typeof real.verifyEnveloped>) => {
      seen.signature++;
      return real.verifyEnveloped(...args);
    },
  };
});
vi.mock('../../../src/connectors/saml/node-saml.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/connectors/saml/node-saml.ts')>();
  return {
    ...real,
    nodeSamlVerdict: (...args: Parameters<typeof real.nodeSamlVerdict>) => {
      seen.secondOpinion.push(Buffer.from(args[1], 'base64').toString('utf8'));
      return real.nodeSamlVerdict(...args);
    },
  };
});

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});
beforeEach(() => {
  seen.signature = 0;
  seen.secondOpinion = [];
});

/** Unsigned padding in the Response's Extensions (outside the Assertion's signature). */
const padded = (inner: string) => (xml: string) => xml.replace('<saml2p:Status>', `<saml2p:Extensions>${inner}</saml2p:Extensions><saml2p:Status>`);

function expectNoVerifierRan(): void {
  expect(seen.signature, 'Hatrack\'s signature verification ran').toBe(0);
  expect(seen.secondOpinion, 'node-saml ran').toEqual([]);
}

describe('refused before any signature is verified', () => {
  it('a SAMLResponse over maxResponseBytes → saml_response_too_large', async () => {
    const h = harness(k, { allowIdpInitiated: true, maxResponseBytes: 16 * 1024 });
    const r = makeResponse(k, { tamperText: padded('<x/>'.repeat(4000)) });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_response_too_large');
    expectNoVerifierRan();
  });

  it('45 000 empty elements of padding (over maxResponseElements) → saml_response_too_large', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: padded('<x/>'.repeat(45_000)) });
    expect(r.samlResponse.length).toBeLessThan(256 * 1024);
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_response_too_large');
    expectNoVerifierRan();
  });

  it('nesting deeper than 64 → saml_response_too_large', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: padded(`${'<x>'.repeat(70)}${'</x>'.repeat(70)}`) });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_response_too_large');
    expectNoVerifierRan();
  });

  it('an element with more than 64 attributes → saml_response_too_large', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: padded(`<x ${Array.from({ length: 65 }, (_, i) => `a${i}="1"`).join(' ')}/>`) });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_response_too_large');
    expectNoVerifierRan();
  });

  it('a DOCTYPE → saml_xml_forbidden', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: (xml) => xml.replace('?>', '?><!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>') });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_xml_forbidden');
    expectNoVerifierRan();
  });

  it('a signature the connector requires is missing (only the Response signed, the Assertion required) → saml_signature_missing', async () => {
    const h = harness(k, { allowIdpInitiated: true, requireSignatureOn: 'assertion' });
    const r = makeResponse(k, { signing: 'response', tamperText: padded('<x/>'.repeat(4000)) });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_signature_missing');
    expectNoVerifierRan();
  });

  it('a used assertion posted again with padding → saml_replayed, for the price of one lookup', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k);
    expect((await post(h, r.samlResponse)).email).toBe('alice@corp.example');
    seen.signature = 0;
    seen.secondOpinion = [];
    const again = makeResponse(k, { spec: { assertionId: r.assertionId }, tamperText: padded('<x/>'.repeat(4900)) });
    await expectRefused(h, () => post(h, again.samlResponse), 'saml_replayed');
    expectNoVerifierRan();
  });
});

describe('refused before the second verification', () => {
  it('an answer to an AuthnRequest that was already answered → saml_in_response_to_unknown', async () => {
    const h = harness(k);
    const s = await start(h);
    expect((await post(h, answer(k, s).samlResponse, s.pending.state)).email).toBe('alice@corp.example');
    seen.secondOpinion = [];
    await expectRefused(h, () => post(h, answer(k, s).samlResponse, s.pending.state), 'saml_in_response_to_unknown', CONSUMES_REQUEST);
    expect(seen.secondOpinion).toEqual([]);
  });

  it('padding signed by an untrusted key → saml_signature_untrusted', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { key: k.attacker, tamperText: padded('<x/>'.repeat(4900)) });
    await expectRefused(h, () => post(h, r.samlResponse), 'saml_signature_untrusted');
    expect(seen.secondOpinion).toEqual([]);
  });
});

describe('what the second verifier is given', () => {
  it('only the Response start tag, Issuer, Status and the signed Assertion, verbatim, when the Assertion alone is signed', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: padded('<x/>'.repeat(4900)) });
    expect((await post(h, r.samlResponse)).email).toBe('alice@corp.example');
    expect(seen.secondOpinion).toHaveLength(1);
    const given = seen.secondOpinion[0]!;
    expect(given).not.toContain('Extensions');
    expect(given).not.toContain('<x/>');
    const assertion = r.xml.slice(r.xml.indexOf('<saml2:Assertion'), r.xml.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length);
    expect(given).toContain(assertion);
    expect(given.startsWith('<saml2p:Response ')).toBe(true);
  });

  it('the whole Response when the Response is signed (its signature covers everything in it)', async () => {
    const h = harness(k, { allowIdpInitiated: true, requireSignatureOn: 'response' });
    const r = makeResponse(k, { signing: 'response', signed: (doc) => {
      const ext = doc.createElementNS('urn:oasis:names:tc:SAML:2.0:protocol', 'saml2p:Extensions');
      ext.appendChild(doc.createElementNS('urn:example', 'x:note'));
      doc.documentElement!.insertBefore(ext, doc.documentElement!.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'Status').item(0));
    } });
    expect((await post(h, r.samlResponse)).email).toBe('alice@corp.example');
    expect(seen.secondOpinion).toEqual([r.xml]);
  });
});
