// Verified claims → Identity: groups at dotted paths, email and its verification, MFA, auth time.

import { describe, expect, it } from 'vitest';
import { groupsFromValue, identityFromClaims, needsUserinfo, readClaim } from '../../../src/connectors/oidc/claims.ts';
import { resolveOidcOptions, type OidcConnectorOptions } from '../../../src/connectors/oidc/options.ts';
import { HatrackError } from '../../../src/errors.ts';

const options = (extra: Partial<OidcConnectorOptions> = {}) =>
  resolveOidcOptions({ id: 'corp', issuer: 'https://idp.example.com', clientId: 'hatrack', clientSecret: 's', ...extra });

const token = (extra: Record<string, unknown> = {}) => ({
  iss: 'https://idp.example.com', sub: 'u-1', aud: 'hatrack', iat: 1, exp: 2,
  email: 'ada@example.com', email_verified: true, name: 'Ada', groups: ['eng'], ...extra,
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof HatrackError ? e.code : 'not-a-hatrack-error';
  }
  return undefined;
}

describe('readClaim', () => {
  it('reads a plain claim', () => expect(readClaim({ groups: ['a'] }, 'groups')).toEqual(['a']));
  it('walks a dotted path', () => expect(readClaim({ realm_access: { roles: ['r'] } }, 'realm_access.roles')).toEqual(['r']));
  it('prefers a claim whose own name has dots (namespaced claims)', () => {
    expect(readClaim({ 'https://example.com/groups': ['x'], https: { nope: 1 } }, 'https://example.com/groups')).toEqual(['x']);
  });
  it('does not walk into arrays, primitives or inherited properties', () => {
    expect(readClaim({ a: ['b'] }, 'a.0')).toBeUndefined();
    expect(readClaim({ a: 'text' }, 'a.length')).toBeUndefined();
    expect(readClaim({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(readClaim({}, '__proto__.polluted')).toBeUndefined();
  });
});

describe('groupsFromValue', () => {
  it('turns one string into one group', () => expect(groupsFromValue('admins')).toEqual(['admins']));
  it('keeps only the strings of a list, exactly as sent', () => {
    expect(groupsFromValue([' Admins ', 1, null, { a: 1 }, ['x'], 'ops,dev', '*'])).toEqual([' Admins ', 'ops,dev', '*']);
  });
  it('gives no groups for anything else', () => {
    expect(groupsFromValue(undefined)).toEqual([]);
    expect(groupsFromValue({ admins: true })).toEqual([]);
    expect(groupsFromValue(42)).toEqual([]);
  });
});

describe('identityFromClaims', () => {
  it('builds the identity from the ID token', () => {
    const id = identityFromClaims(options(), token({ amr: ['pwd', 'otp'], auth_time: 1_700_000_000 }));
    expect(id).toEqual({
      connector: 'corp', subject: 'u-1', email: 'ada@example.com', emailVerified: true, name: 'Ada', groups: ['eng'], mfa: true,
      authTime: new Date(1_700_000_000_000), claims: expect.objectContaining({ sub: 'u-1', amr: ['pwd', 'otp'] }),
    });
  });

  it('takes groups from UserInfo when the ID token lacks them', () => {
    const { groups: _g, ...idToken } = token();
    expect(identityFromClaims(options(), idToken, { sub: 'u-1', groups: ['from-ui'] }).groups).toEqual(['from-ui']);
  });

  it('takes groups only from UserInfo when groupsFrom is userinfo', () => {
    expect(identityFromClaims(options({ groupsFrom: 'userinfo' }), token(), { sub: 'u-1', groups: ['ui'] }).groups).toEqual(['ui']);
    expect(identityFromClaims(options({ groupsFrom: 'userinfo' }), token(), { sub: 'u-1' }).groups).toEqual([]);
  });

  it('lets the signed ID token win over UserInfo in the raw claims', () => {
    const id = identityFromClaims(options(), token(), { sub: 'u-1', email: 'other@example.com', department: 'R&D' });
    expect(id.email).toBe('ada@example.com');
    expect(id.claims).toMatchObject({ email: 'ada@example.com', department: 'R&D' });
  });

  it('reads email and email_verified from UserInfo together when the ID token has no email', () => {
    const { email: _e, email_verified: _v, ...idToken } = token();
    expect(identityFromClaims(options(), idToken, { sub: 'u-1', email: 'ui@example.com', email_verified: true }).email).toBe('ui@example.com');
    expect(codeOf(() => identityFromClaims(options(), idToken, { sub: 'u-1', email: 'ui@example.com', email_verified: false }))).toBe('oidc_email_unverified');
  });

  it('requires an email', () => {
    const { email: _e, ...idToken } = token();
    expect(codeOf(() => identityFromClaims(options(), idToken))).toBe('oidc_email_missing');
    expect(codeOf(() => identityFromClaims(options(), token({ email: '' })))).toBe('oidc_email_missing');
  });

  it('refuses an email that is not one', () => {
    for (const email of [['a@b'], 'no-at-sign', 'two@@example.com', 'ada @example.com', 'ada@exa\u202Emple.com', `${'a'.repeat(320)}@x.com`]) {
      expect(codeOf(() => identityFromClaims(options(), token({ email }))), String(email)).toBe('oidc_email_invalid');
    }
  });

  it('reads the email from a configured claim', () => {
    expect(identityFromClaims(options({ emailClaim: 'upn' }), token({ upn: 'ada@corp.example' })).email).toBe('ada@corp.example');
  });

  it('refuses email_verified false by default, accepts it absent', () => {
    expect(codeOf(() => identityFromClaims(options(), token({ email_verified: false })))).toBe('oidc_email_unverified');
    expect(codeOf(() => identityFromClaims(options(), token({ email_verified: 'false' })))).toBe('oidc_email_unverified');
    const { email_verified: _v, ...idToken } = token();
    expect(identityFromClaims(options(), idToken).email).toBe('ada@example.com');
  });

  it('requires email_verified true when requireEmailVerified is set', () => {
    const { email_verified: _v, ...idToken } = token();
    expect(codeOf(() => identityFromClaims(options({ requireEmailVerified: true }), idToken))).toBe('oidc_email_unverified');
    expect(identityFromClaims(options({ requireEmailVerified: true }), token({ email_verified: 'true' })).email).toBe('ada@example.com');
  });

  it('ignores email_verified when requireEmailVerified is false', () => {
    expect(identityFromClaims(options({ requireEmailVerified: false }), token({ email_verified: false })).email).toBe('ada@example.com');
  });

  it('refuses an empty or oversized subject', () => {
    expect(codeOf(() => identityFromClaims(options(), token({ sub: '' })))).toBe('oidc_id_token_invalid');
    expect(codeOf(() => identityFromClaims(options(), token({ sub: 'x'.repeat(256) })))).toBe('oidc_id_token_invalid');
  });

  it('says MFA from amr or acr, and only from the configured values', () => {
    expect(identityFromClaims(options(), token({ amr: ['pwd'] })).mfa).toBe(false);
    expect(identityFromClaims(options(), token({ amr: 'mfa' })).mfa).toBe(false); // amr must be an array
    expect(identityFromClaims(options(), token({ amr: ['hwk'] })).mfa).toBe(true);
    expect(identityFromClaims(options(), token({ acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' })).mfa).toBe(true);
    expect(identityFromClaims(options({ mfaValues: ['face'] }), token({ amr: ['pwd', 'mfa'] })).mfa).toBe(false);
    expect(identityFromClaims(options({ mfaAcrValues: ['gold'] }), token({ acr: 'gold' })).mfa).toBe(true);
  });

  it('leaves authTime out when auth_time is absent or not a number', () => {
    expect(identityFromClaims(options(), token()).authTime).toBeUndefined();
    expect(identityFromClaims(options(), token({ auth_time: 'yesterday' })).authTime).toBeUndefined();
  });
});

describe('which addresses the connector vouches for (C5)', () => {
  it('those with email_verified true, or all with emailsVerified', () => {
    expect(identityFromClaims(options(), token()).emailVerified).toBe(true);
    expect(identityFromClaims(options(), token({ email_verified: 'true' })).emailVerified).toBe(true);
    const { email_verified: _v, ...unsaid } = token();
    expect(identityFromClaims(options(), unsaid).emailVerified).toBe(false);
    expect(identityFromClaims(options({ emailsVerified: true }), unsaid).emailVerified).toBe(true);
    expect(identityFromClaims(options({ requireEmailVerified: false }), token({ email_verified: false })).emailVerified).toBe(false);
  });

  it('allowedDomains: the exact domain, any case; subdomains and look-alike suffixes are out', () => {
    const o = options({ allowedDomains: ['Example.com'] });
    expect(identityFromClaims(o, token({ email: 'Ada@EXAMPLE.com' })).email).toBe('Ada@EXAMPLE.com');
    for (const email of ['ada@eng.example.com', 'ada@example.com.evil', 'ada@evilexample.com']) {
      expect(codeOf(() => identityFromClaims(o, token({ email })))).toBe('oidc_domain_not_allowed');
    }
    let detail = '';
    try {
      options({ allowedDomains: ['not a domain'] });
    } catch (e) {
      detail = (e as HatrackError).detail ?? '';
    }
    expect(detail).toContain('allowedDomains[0] is not a domain name');
  });
});

describe('needsUserinfo', () => {
  it('is false when the ID token has email and groups', () => expect(needsUserinfo(options(), token())).toBe(false));
  it('is true when the groups claim is missing', () => {
    const { groups: _g, ...idToken } = token();
    expect(needsUserinfo(options(), idToken)).toBe(true);
  });
  it('is true when the email is missing', () => {
    const { email: _e, ...idToken } = token();
    expect(needsUserinfo(options(), idToken)).toBe(true);
  });
  it('is always true with groupsFrom userinfo', () => expect(needsUserinfo(options({ groupsFrom: 'userinfo' }), token())).toBe(true));
});
