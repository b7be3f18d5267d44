// node-saml verifies every response a second time, after all of Hatrack's checks and before the
// replay key is written. When it refuses, or reads another NameID (the mark of a parser
// differential), the login is refused and no replay key is written. Its verdict is faked here:
// an organic response that one verifier accepts and the other refuses would be a bug in one of them.

import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectRefused, harness, post } from '../../support/saml/harness.ts';
import { makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

const verdict = vi.hoisted(() => ({ mode: 'real' as 'real' | 'refuse' | 'other-nameid' }));

vi.mock('../../../src/connectors/saml/node-saml.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/connectors/saml/node-saml.ts')>();
  return {
    ...real,
    nodeSamlVerdict: async (...args: Parameters<typeof real.nodeSamlVerdict>) => {
      if (verdict.mode === 'refuse') throw new Error('Invalid signature <saml2:Assertion ID="_x">secret</saml2:Assertion>');
      const v = await real.nodeSamlVerdict(...args);
      return verdict.mode === 'other-nameid' ? { ...v, nameId: 'mallory@corp.example' } : v;
    },
  };
});

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});
beforeEach(() => {
  verdict.mode = 'real';
});

describe('node-saml second opinion', () => {
  it('node-saml refusing what Hatrack accepted → saml_response_rejected, no replay key', async () => {
    verdict.mode = 'refuse';
    const h = harness(k, { allowIdpInitiated: true });
    const e = await expectRefused(h, () => post(h, makeResponse(k).samlResponse), 'saml_response_rejected');
    expect(e.detail).toMatch(/node-saml refused .*: "Invalid signature"$/);
    expect(e.detail).not.toContain('secret');
  });

  it('node-saml reading another NameID → saml_response_rejected, no replay key', async () => {
    verdict.mode = 'other-nameid';
    const h = harness(k, { allowIdpInitiated: true });
    await expectRefused(h, () => post(h, makeResponse(k).samlResponse), 'saml_response_rejected');
  });

  it('node-saml agreeing → the login goes through', async () => {
    const h = harness(k, { allowIdpInitiated: true });
    expect((await post(h, makeResponse(k).samlResponse)).email).toBe('alice@corp.example');
  });
});
