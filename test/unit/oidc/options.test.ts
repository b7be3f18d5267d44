// Connector options: defaults, and every problem reported at once.

import { describe, expect, it } from 'vitest';
import { resolveOidcOptions, type OidcConnectorOptions } from '../../../src/connectors/oidc/options.ts';
import { HatrackError } from '../../../src/errors.ts';

const base: OidcConnectorOptions = { id: 'corp', issuer: 'https://idp.example.com/tenant', clientId: 'hatrack', clientSecret: 's3cret' };

function problems(o: OidcConnectorOptions): string {
  try {
    resolveOidcOptions(o);
  } catch (e) {
    expect(e).toBeInstanceOf(HatrackError);
    expect((e as HatrackError).code).toBe('oidc_config_invalid');
    return (e as HatrackError).detail ?? '';
  }
  return '';
}

describe('resolveOidcOptions', () => {
  it('fills in safe defaults', () => {
    expect(resolveOidcOptions(base)).toMatchObject({
      displayName: 'corp',
      scopes: ['openid', 'email', 'profile'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      groupsClaim: 'groups',
      groupsFrom: 'id_token',
      emailClaim: 'email',
      idTokenAlg: 'RS256',
      clockToleranceSeconds: 60,
      timeoutMs: 10_000,
      allowInsecureHttp: false,
      maxLoginAgeMs: 600_000,
    });
  });

  it('always asks for openid', () => {
    expect(resolveOidcOptions({ ...base, scopes: ['email', 'groups'] }).scopes).toEqual(['openid', 'email', 'groups']);
  });

  it('makes a public PKCE client without a secret', () => {
    const { clientSecret: _s, ...publicClient } = base;
    expect(resolveOidcOptions(publicClient)).toMatchObject({ tokenEndpointAuthMethod: 'none', clientSecret: undefined });
  });

  it('refuses alg none, HMAC and unknown ID-token algorithms', () => {
    for (const alg of ['none', 'HS256', 'RS1']) {
      expect(problems({ ...base, idTokenAlg: alg as 'RS256' })).toMatch(/idTokenAlg/);
    }
  });

  it('refuses http issuers unless allowed, and discovery URLs as issuers', () => {
    expect(problems({ ...base, issuer: 'http://idp.example.com' })).toMatch(/https/);
    expect(problems({ ...base, issuer: 'http://127.0.0.1:8080', allowInsecureHttp: true })).toBe('');
    expect(problems({ ...base, issuer: 'https://idp.example.com/.well-known/openid-configuration' })).toMatch(/not the discovery/);
    expect(problems({ ...base, issuer: 'https://idp.example.com/?tenant=1' })).toMatch(/query/);
    expect(problems({ ...base, issuer: 'https://user:pw@idp.example.com' })).toMatch(/credentials/);
    expect(problems({ ...base, issuer: 'idp.example.com' })).toMatch(/absolute URL/);
  });

  it('does not let authorizationParams replace protocol parameters', () => {
    expect(problems({ ...base, authorizationParams: { hd: 'example.com' } })).toBe('');
    for (const p of ['state', 'nonce', 'code_challenge_method', 'redirect_uri', 'response_type', 'scope', 'response_mode']) {
      expect(problems({ ...base, authorizationParams: { [p]: 'x' } })).toContain(`"${p}"`);
    }
  });

  it('reports every problem at once', () => {
    const detail = problems({ id: 'bad id!', issuer: 'ftp://x', clientId: '', clientSecret: undefined, tokenEndpointAuthMethod: 'client_secret_post', clockToleranceSeconds: 3600, timeoutMs: 0, scopes: ['open id'] });
    for (const p of ['id must', 'clientId', 'issuer', 'clientSecret is required', 'clockToleranceSeconds', 'timeoutMs', 'scopes']) {
      expect(detail).toContain(p);
    }
  });

  it('never puts the client secret in an error', () => {
    expect(problems({ ...base, timeoutMs: -1 })).not.toContain('s3cret');
  });
});
