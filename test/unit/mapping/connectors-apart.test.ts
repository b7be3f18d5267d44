// SECURITY.md C5: identities from different connectors never mix. With two providers configured,
// the second one must not be able to assert `admins`, or an unverified alice@…, and wear Alice's
// hats; a group that happens to be called carla@… must not get Carla's one-person grant. Rules can
// be scoped to connectors; a rule's `email` matches only an address the connector vouches for,
// never a group name; check-config says which rules any connector can satisfy.
import { describe, expect, it } from 'vitest';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import { PROD, person, problemsOf, rulesOf, warningsOf } from './support.ts';

const admin = `arn:aws:iam::${PROD}:role/Admin`;
const readOnly = `arn:aws:iam::${PROD}:role/ReadOnly`;
const granted = (rules: ReturnType<typeof rulesOf>, who: ReturnType<typeof person>) => mapRoles(who, rules).grants.map((g) => g.roleArn);

describe('rules scoped to connectors', () => {
  const rules = rulesOf([
    { group: 'admins', connector: 'okta', role: 'arn:aws:iam::{prod}:role/Admin' },
    { group: 'readers', connector: ['okta', 'entra'], role: 'arn:aws:iam::{prod}:role/ReadOnly' },
  ]);

  it('grant to people of the named connector', () => {
    expect(granted(rules, person('alice@corp.example', ['admins', 'readers'], { connector: 'okta' }))).toEqual([admin, readOnly]);
    expect(granted(rules, person('alice@corp.example', ['readers'], { connector: 'entra' }))).toEqual([readOnly]);
  });

  it('grant nothing to the same group from another connector, and say why', () => {
    const result = mapRoles(person('mallory@evil.example', ['admins'], { connector: 'entra' }), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace[0]).toMatchObject({ rule: 0, outcome: 'no-match', reason: 'applies only to people of okta, not of "entra"' });
  });

  it('a scoped deny does not reach people of other connectors; an unscoped one reaches everyone', () => {
    const denies = rulesOf([
      { group: 'admins', role: 'arn:aws:iam::{prod}:role/Admin' },
      { deny: true, group: 'suspended', connector: 'entra' },
    ]);
    expect(granted(denies, person('a@corp.example', ['admins', 'suspended'], { connector: 'okta' }))).toEqual([admin]);
    expect(granted(denies, person('a@corp.example', ['admins', 'suspended'], { connector: 'entra' }))).toEqual([]);
  });

  it('must name configured connectors', () => {
    expect(problemsOf([{ group: 'admins', connector: ['okta', 'google'], role: 'arn:aws:iam::{prod}:role/Admin' }]))
      .toEqual(['roles[0].connector: names no configured connector: "google" (there are okta, entra)']);
  });
});

describe('one-person grants by email', () => {
  const rules = rulesOf([{ email: 'carla@corp.example', role: 'arn:aws:iam::{prod}:role/ReadOnly' }]);

  it('match the address the connector vouches for, ignoring ASCII case', () => {
    expect(granted(rules, person('carla@corp.example', []))).toEqual([readOnly]);
    expect(granted(rules, person('Carla@Corp.Example', []))).toEqual([readOnly]);
  });

  it('never match an address the connector does not vouch for, and say why', () => {
    const result = mapRoles(person('carla@corp.example', [], { emailVerified: false }), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace[0]!.reason).toContain('is not one the connector vouches for');
  });

  it('never match a group of that name, from any connector', () => {
    for (const connector of ['okta', 'entra']) {
      expect(granted(rules, person('mallory@evil.example', ['carla@corp.example'], { connector }))).toEqual([]);
    }
  });

  it('fold no letters but ASCII: look-alikes stay other addresses', () => {
    expect(granted(rules, person('c\u0430rla@corp.example', []))).toEqual([]);
    expect(granted(rules, person('carla@corp.example\u200b', []))).toEqual([]);
  });

  it('and an address is no longer a group: `group: carla@…` matches only a group called that', () => {
    const asGroup = rulesOf([{ group: 'carla@corp.example', role: 'arn:aws:iam::{prod}:role/ReadOnly' }]);
    expect(granted(asGroup, person('carla@corp.example', []))).toEqual([]);
    expect(granted(asGroup, person('someone@corp.example', ['carla@corp.example']))).toEqual([readOnly]);
  });

  it('take exactly one address', () => {
    expect(problemsOf([{ email: 'carla', role: 'arn:aws:iam::{prod}:role/ReadOnly' }])).toEqual(['roles[0].email: must be one email address']);
    expect(problemsOf([{ email: 'a@b.example', group: 'x', role: 'arn:aws:iam::{prod}:role/ReadOnly' }])).toEqual(['roles[0]: needs exactly one of group, groupPattern or email']);
  });
});

describe('the second provider of the issue', () => {
  // Alice's grants come from Google; a second provider (Okta here) is added for contractors.
  const config = [
    { group: 'admins', connector: 'entra', role: 'arn:aws:iam::{prod}:role/Admin' },
    { email: 'alice@corp.example', connector: 'entra', role: 'arn:aws:iam::{prod}:role/ReadOnly' },
  ];
  const rules = rulesOf(config);

  it('cannot assert admins, or Alice\'s address, and wear her hats', () => {
    expect(granted(rules, person('mallory@evil.example', ['admins'], { connector: 'okta' }))).toEqual([]);
    expect(granted(rules, person('alice@corp.example', ['admins'], { connector: 'okta', emailVerified: false }))).toEqual([]);
    expect(granted(rules, person('alice@corp.example', [], { connector: 'okta' }))).toEqual([]);
    expect(granted(rules, person('alice@corp.example', ['admins'], { connector: 'entra' }))).toEqual([admin, readOnly]);
  });

  it('check-config warns about the rules any connector satisfies, and only those', () => {
    expect(warningsOf([...config, { group: 'readers', role: 'arn:aws:iam::{dev}:role/ReadOnly' }, { deny: true, group: 'suspended' }])).toEqual([
      'roles[2]: applies to the people of every connector (okta, entra): any of them can send a group that matches; add connector: to say whose',
    ]);
  });
});
