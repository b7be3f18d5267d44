// Pending logins: their stored shape, and consume-once through the store (O14, O20).

import { describe, expect, it } from 'vitest';
import { isWellFormedState, toPendingLogin } from '../../../src/connectors/connector.ts';
import { asOidcPendingLogin, type OidcPendingLogin } from '../../../src/connectors/oidc/login-data.ts';
import { savePendingLogin, takePendingLogin } from '../../../src/http/login-state.ts';
import { mapStore } from '../../support/oidc/map-store.ts';

const pending: OidcPendingLogin = {
  connector: 'corp', state: 'A'.repeat(43), data: { nonce: 'nonce-1', codeVerifier: 'v'.repeat(43) },
  redirectUri: 'https://hatrack.example.com/oidc/corp/callback', createdAt: 1_700_000_000_000, returnTo: '/roles',
};

describe('pending logins', () => {
  it('survive a JSON round trip unchanged', () => {
    expect(toPendingLogin(JSON.parse(JSON.stringify(pending)))).toEqual(pending);
  });

  it('refuse shapes that are not exactly the shared one, with data of strings', () => {
    const { data: _d, ...noData } = pending;
    for (const bad of [null, [], 'x', noData, { ...pending, data: [] }, { ...pending, data: { nonce: 5 } }, { ...pending, state: 'short' },
      { ...pending, createdAt: '2024' }, { ...pending, connector: '' }, { ...pending, returnTo: 5 },
      { ...pending, data: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])) }]) {
      expect(toPendingLogin(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('are the OIDC connector\'s only with a nonce and a verifier, and keep nothing else of its data', () => {
    const { codeVerifier: _v, ...noVerifier } = pending.data;
    expect(asOidcPendingLogin({ ...pending, data: noVerifier })).toBeUndefined();
    expect(asOidcPendingLogin({ ...pending, data: { ...pending.data, nonce: '' } })).toBeUndefined();
    expect(asOidcPendingLogin({ ...pending, data: { requestId: '_r' } })).toBeUndefined();
    expect(asOidcPendingLogin({ ...pending, data: { ...pending.data, isAdmin: 'yes' } })).toEqual(pending);
  });

  it('drop fields they do not know', () => {
    expect(toPendingLogin({ ...pending, isAdmin: true })).not.toHaveProperty('isAdmin');
  });

  it('accept only connector-made states as keys', () => {
    expect(isWellFormedState(pending.state)).toBe(true);
    for (const s of [undefined, '', 'short', `${'a'.repeat(30)}/..`, 'a'.repeat(129), `${'a'.repeat(30)}\n`]) {
      expect(isWellFormedState(s)).toBe(false);
    }
  });

  it('are taken once: a second take of the same state finds nothing', async () => {
    const store = mapStore();
    await savePendingLogin(store, pending);
    expect(await takePendingLogin(store, pending.state)).toEqual(pending);
    expect(await takePendingLogin(store, pending.state)).toBeUndefined();
  });

  it('are never overwritten by a second save under the same state', async () => {
    const store = mapStore();
    await savePendingLogin(store, pending);
    await expect(savePendingLogin(store, { ...pending, data: { ...pending.data, nonce: 'attacker' } })).rejects.toThrow(/collision/);
    expect((await takePendingLogin(store, pending.state) as OidcPendingLogin).data.nonce).toBe('nonce-1');
  });

  it('are not looked up for a missing or malformed state', async () => {
    const store = mapStore();
    await savePendingLogin(store, pending);
    expect(await takePendingLogin(store, undefined)).toBeUndefined();
    expect(await takePendingLogin(store, '*')).toBeUndefined();
    expect(store.size()).toBe(1);
  });
});
