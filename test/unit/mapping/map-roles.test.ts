import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import { demoConfig } from '../../../src/dev/demo-config.ts';
import type { Identity } from '../../../src/identity.ts';

const { rules } = validateConfig(demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'c', sessionSecret: 'session-secret-of-at-least-32-bytes' }), 'demo', {});

function person(email: string, groups: string[], mfa = false): Identity {
  return { connector: 'demo', subject: email, email, emailVerified: true, groups, mfa, claims: {} };
}

const roleArns = (identity: Identity) => mapRoles(identity, rules).grants.map((g) => g.roleArn);

describe('mapRoles on the demo configuration (the IAM story)', () => {
  it('gives alice, an admin, Admin in both accounts for 8 hours', () => {
    const { grants } = mapRoles(person('alice@example.com', ['admins']), rules);
    expect(grants.map((g) => [g.roleArn, g.accountAlias, g.sessionDuration, g.providerArn])).toEqual([
      ['arn:aws:iam::111111111111:role/Admin', 'prod', 28800, 'arn:aws:iam::111111111111:saml-provider/hatrack'],
      ['arn:aws:iam::222222222222:role/Admin', 'dev', 28800, 'arn:aws:iam::222222222222:saml-provider/hatrack'],
    ]);
  });

  it('gives alice the break-glass role only after a multi-factor sign-in', () => {
    expect(roleArns(person('alice@example.com', ['admins'], true))).toContain('arn:aws:iam::111111111111:role/BreakGlass');
    const { trace } = mapRoles(person('alice@example.com', ['admins']), rules);
    expect(trace.find((t) => t.rule === 1)).toMatchObject({ outcome: 'mfa-required', matched: true });
  });

  it('gives a power user PowerUser in dev (tagged) and ReadOnly in prod (opening on CloudTrail)', () => {
    const { grants } = mapRoles(person('bob@example.com', ['power-users']), rules);
    expect(grants.map((g) => g.roleArn)).toEqual([
      'arn:aws:iam::222222222222:role/PowerUser',
      'arn:aws:iam::111111111111:role/ReadOnly',
    ]);
    expect(grants[0]!.sessionTags).toEqual([
      { key: 'team', value: 'power-users', transitive: true },
      { key: 'email', value: 'bob@example.com' },
    ]);
    expect(grants[1]!.destination).toBe('https://console.aws.amazon.com/cloudtrailv2/home');
    expect(grants.every((g) => g.sourceIdentity === 'bob@example.com')).toBe(true);
  });

  it('grants nothing to a person in no mapped group, and the trace says why', () => {
    const result = mapRoles(person('dora@example.com', ['finance']), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace.every((t) => !t.matched && t.outcome === 'no-match')).toBe(true);
    expect(result.trace.filter((t) => /not a member/.test(t.reason))).toHaveLength(5);
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

  it('lets a consultant wear roles named by Okta-style groups, in configured accounts only', () => {
    expect(roleArns(person('c@partner.example', ['aws#dev#Admin', 'aws#prod#ReadOnly', 'aws#staging#Admin']))).toEqual([
      'arn:aws:iam::222222222222:role/Admin',
      'arn:aws:iam::111111111111:role/ReadOnly',
    ]);
  });

  it('takes everything from a suspended person', () => {
    const result = mapRoles(person('x@example.com', ['admins', 'power-users', 'suspended']), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace.filter((t) => t.outcome === 'denied')).toHaveLength(4);
  });

  it('lists a role granted by two rules once, from the first rule', () => {
    const { grants, trace } = mapRoles(person('x@example.com', ['admins', 'aws#dev#Admin']), rules);
    expect(grants.map((g) => [g.roleArn, g.rule])).toEqual([
      ['arn:aws:iam::111111111111:role/Admin', 0],
      ['arn:aws:iam::222222222222:role/Admin', 0],
    ]);
    expect(trace.find((t) => t.outcome === 'duplicate')).toMatchObject({ rule: 4, roleArn: 'arn:aws:iam::222222222222:role/Admin' });
  });
});
