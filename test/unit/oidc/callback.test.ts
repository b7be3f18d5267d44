// The authorization response checks, in order, without a provider.

import { describe, expect, it } from 'vitest';
import { checkCallback, type CallbackContext } from '../../../src/connectors/oidc/callback.ts';
import { safeProviderText } from '../../../src/connectors/oidc/errors.ts';
import type { OidcPendingLogin } from '../../../src/connectors/oidc/login-data.ts';
import { HatrackError } from '../../../src/errors.ts';

const now = 1_700_000_000_000;
const ctx: CallbackContext = { connector: 'corp', issuer: 'https://idp.example.com', issParameterRequired: false, now, maxLoginAgeMs: 600_000 };
const pending: OidcPendingLogin = {
  connector: 'corp', state: 'S'.repeat(43), data: { nonce: 'n', codeVerifier: 'v'.repeat(43) },
  redirectUri: 'https://hatrack.example.com/oidc/corp/callback', createdAt: now - 1000,
};
const params = (q: Record<string, string> | string) => new URLSearchParams(q);

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof HatrackError ? e.code : 'not-a-hatrack-error';
  }
  return undefined;
}

describe('checkCallback', () => {
  it('returns the code of a good callback', () => {
    expect(checkCallback(ctx, params({ code: 'c0de', state: pending.state }), pending).code).toBe('c0de');
  });

  it('refuses a callback with no pending login, before looking at anything else', () => {
    expect(code(() => checkCallback(ctx, params({ error: 'access_denied' }), undefined))).toBe('oidc_state_mismatch');
  });

  it('refuses a pending login of another protocol', () => {
    const saml = { connector: 'corp', state: pending.state, redirectUri: pending.redirectUri, createdAt: now, data: { requestId: '_r' } };
    expect(code(() => checkCallback(ctx, params({ code: 'c', state: pending.state }), saml))).toBe('oidc_state_mismatch');
  });

  it('refuses an old pending login, and one from the future', () => {
    expect(code(() => checkCallback(ctx, params({ code: 'c', state: pending.state }), { ...pending, createdAt: now - 600_001 }))).toBe('oidc_login_expired');
    expect(code(() => checkCallback(ctx, params({ code: 'c', state: pending.state }), { ...pending, createdAt: now + 3_600_000 }))).toBe('oidc_login_expired');
  });

  it('refuses repeated parameters (parameter pollution)', () => {
    expect(code(() => checkCallback(ctx, params(`code=a&code=b&state=${pending.state}`), pending))).toBe('oidc_callback_invalid');
    expect(code(() => checkCallback(ctx, params(`code=a&state=${pending.state}&state=${pending.state}`), pending))).toBe('oidc_callback_invalid');
  });

  it('checks iss before state, and state before error (O15, O14, O17)', () => {
    expect(code(() => checkCallback(ctx, params({ iss: 'https://evil.example', state: 'x', error: 'e' }), pending))).toBe('oidc_issuer_mismatch');
    expect(code(() => checkCallback(ctx, params({ state: 'x', error: 'e' }), pending))).toBe('oidc_state_mismatch');
    expect(code(() => checkCallback(ctx, params({ state: pending.state, error: 'e' }), pending))).toBe('oidc_provider_error');
  });

  it('requires iss when the provider promises it', () => {
    const strict = { ...ctx, issParameterRequired: true };
    expect(code(() => checkCallback(strict, params({ code: 'c', state: pending.state }), pending))).toBe('oidc_issuer_mismatch');
    expect(checkCallback(strict, params({ code: 'c', state: pending.state, iss: ctx.issuer }), pending).code).toBe('c');
  });

  it('refuses a callback without a code, or carrying tokens', () => {
    expect(code(() => checkCallback(ctx, params({ state: pending.state }), pending))).toBe('oidc_callback_invalid');
    expect(code(() => checkCallback(ctx, params({ code: 'c', state: pending.state, id_token: 'x.y.z' }), pending))).toBe('oidc_callback_invalid');
  });

  it('shows the provider error as short plain text', () => {
    let message = '';
    try {
      checkCallback(ctx, params({ state: pending.state, error: 'access_denied\u0007', error_description: `Nope\u202E\n${'!'.repeat(500)}` }), pending);
    } catch (e) {
      message = (e as HatrackError).message;
    }
    expect(message).toMatch(/^The identity provider did not sign you in \(access_denied: Nope !+…\)\.$/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('safeProviderText', () => {
  it('turns controls, bidi overrides and zero-width characters into spaces and collapses them', () => {
    expect(safeProviderText('a\u0000b\r\nc\u202Ed\u200Be\tf')).toBe('a b c d e f');
  });
  it('keeps ordinary Unicode and markup as text', () => {
    expect(safeProviderText('Zugriff verweigert <b>')).toBe('Zugriff verweigert <b>');
  });
  it('truncates by characters, marking the cut', () => {
    expect(safeProviderText('é'.repeat(300), 10)).toBe(`${'é'.repeat(9)}…`);
  });
  it('gives empty text for nothing', () => {
    expect(safeProviderText(undefined)).toBe('');
    expect(safeProviderText(null)).toBe('');
  });
});
