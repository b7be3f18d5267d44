import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import { demoConfig } from '../../../src/dev/demo-config.ts';
import type { Identity } from '../../../src/identity.ts';

const { rules } = validateConfig(demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'c', sessionSecret: 's' }), 'demo', {});

function person(email: string, groups: string[]): Identity {
  return { connector: 'demo', subject: email, email, groups, mfa: false, claims: {} };
}

const roleArns = (identity: Identity) => mapRoles(identity, rules).grants.map((g) => g.roleArn);

describe('mapRoles (first cut: group → roles)', () => {
  it('gives alice, an admin, Admin in both accounts for 8 hours', () => {
    const { grants } = mapRoles(person('alice@example.com', ['admins']), rules);
    expect(grants.map((g) => [g.roleArn, g.accountAlias, g.sessionDuration, g.providerArn])).toEqual([
      ['arn:aws:iam::111111111111:role/Admin', 'prod', 28800, 'arn:aws:iam::111111111111:saml-provider/hatrack'],
      ['arn:aws:iam::222222222222:role/Admin', 'dev', 28800, 'arn:aws:iam::222222222222:saml-provider/hatrack'],
    ]);
  });

  it('gives a power user PowerUser in dev and ReadOnly in prod', () => {
    expect(roleArns(person('bob@example.com', ['power-users']))).toEqual([
      'arn:aws:iam::222222222222:role/PowerUser',
      'arn:aws:iam::111111111111:role/ReadOnly',
    ]);
  });

  it('grants nothing to a person in no mapped group, and the trace says why', () => {
    const result = mapRoles(person('dora@example.com', ['finance']), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace.every((t) => !t.matched && /not a member/.test(t.reason))).toBe(true);
  });

  it('compares groups after NFC, exactly and case-sensitively', () => {
    expect(roleArns(person('a@example.com', ['admins'.normalize('NFD')]))).toHaveLength(2);
    expect(roleArns(person('a@example.com', ['Admins']))).toEqual([]);
    expect(roleArns(person('a@example.com', ['  admins\t']))).toEqual([]);
  });

  it('does not let look-alike, invisible or pattern-like group names widen a grant (W7)', () => {
    for (const g of ['admins\u200b', '\ufeffadmins', 'admins\u00a0', 'аdmins' /* Cyrillic a */, 'admin*', '.*', 'admins,power-users', '*']) {
      expect(roleArns(person('m@example.com', [g]))).toEqual([]);
    }
  });

  it('lists a role granted by two rules once, from the first rule', () => {
    const { grants, trace } = mapRoles(person('x@example.com', ['admins', 'power-users']), rules);
    expect(grants.map((g) => g.roleArn)).toEqual([
      'arn:aws:iam::111111111111:role/Admin',
      'arn:aws:iam::222222222222:role/Admin',
      'arn:aws:iam::222222222222:role/PowerUser',
      'arn:aws:iam::111111111111:role/ReadOnly',
    ]);
    expect(trace).toHaveLength(4);
  });
});
