// Properties of mapping over random rule sets and people (fast-check): rules only ever take away
// what a deny says, and fewer groups never mean more roles.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import type { Identity } from '../../../src/identity.ts';
import { person, rulesOf } from './support.ts';

const groups = ['admins', 'power-users', 'ops', 'Admins', 'admins\u200b', 'aws#prod#Admin', 'aws#dev#ReadOnly', 'aws#sandbox#Admin',
  'aws#prod#Ad,min', 'team-data', 'team-ops', 'contractors', 'alice@corp.example'];
const roles = ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin', 'arn:aws:iam::{dev}:role/PowerUser',
  'arn:aws:iam::{prod}:role/ReadOnly', 'arn:aws:iam::{sandbox}:role/Admin'];

const groupRule = fc.record({
  group: fc.constantFrom(...groups),
  role: fc.subarray(roles, { minLength: 1 }),
  sessionDuration: fc.constantFrom('1h', '4h', '8h'),
  requireMfa: fc.boolean(),
});
const patternRule = fc.constantFrom(
  { groupPattern: '^aws#(?<account>[a-z]+)#(?<role>[\\w+=.@-]{1,64})$', role: 'arn:aws:iam::{account}:role/{role}' },
  { groupPattern: '^team-(?<team>[a-z]+)$', role: 'arn:aws:iam::{dev}:role/team/{team}' },
  { groupPattern: '^.+@corp\\.example$', role: 'arn:aws:iam::{dev}:role/Employee' },
);
const allowRule = fc.oneof(groupRule, patternRule);
const denyRule = fc.oneof(
  fc.record({ deny: fc.constant(true), group: fc.constantFrom(...groups) }),
  fc.record({ deny: fc.constant(true), group: fc.constantFrom(...groups), role: fc.subarray([...roles, 'arn:aws:iam::{prod}:role/*', 'arn:aws:iam::*:role/ReadOnly'], { minLength: 1 }) }),
  fc.constantFrom({ deny: true, groupPattern: '^aws#prod#.*$' }, { deny: true, groupPattern: '^team-.*$', role: 'arn:aws:iam::*:role/team/*' }),
);
const identity = fc.record({
  groups: fc.subarray(groups),
  mfa: fc.boolean(),
  connector: fc.constantFrom('okta', 'entra'),
}).map(({ groups: g, mfa, connector }) => person('alice@corp.example', g, { mfa, connector }));

const granted = (rules: unknown[], who: Identity) => new Set(mapRoles(who, rulesOf(rules)).grants.map((g) => g.roleArn));
const subset = (a: Set<string>, b: Set<string>) => [...a].every((x) => b.has(x));

describe('mapping properties', () => {
  it('adding a deny rule, anywhere, never adds a grant', () => {
    fc.assert(fc.property(fc.array(fc.oneof(allowRule, denyRule), { maxLength: 6 }), denyRule, fc.nat(), identity, (rules, deny, at, who) => {
      const before = granted(rules, who);
      const withDeny = [...rules];
      withDeny.splice(at % (rules.length + 1), 0, deny);
      expect(subset(granted(withDeny, who), before)).toBe(true);
    }), { numRuns: 300 });
  });

  it('removing a group never adds a grant (rules without deny)', () => {
    fc.assert(fc.property(fc.array(allowRule, { maxLength: 6 }), identity, fc.nat(), (rules, who, pick) => {
      fc.pre(who.groups.length > 0);
      const fewer = { ...who, groups: who.groups.filter((_, i) => i !== pick % who.groups.length) };
      expect(subset(granted(rules, fewer), granted(rules, who))).toBe(true);
    }), { numRuns: 300 });
  });

  it('removing a group that no deny rule names never adds a grant (any rules)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(allowRule, denyRule), { maxLength: 6 }), identity, fc.nat(), (rules, who, pick) => {
      fc.pre(who.groups.length > 0);
      const removed = who.groups[pick % who.groups.length]!;
      const denyRules = rules.filter((r) => 'deny' in r);
      // A deny matches the removed name when the trace of that name alone shows it applying.
      const alone = mapRoles(person(who.email, [removed], { connector: who.connector }), rulesOf(denyRules));
      fc.pre(!alone.trace.some((t) => t.outcome === 'deny-applies' && t.group === removed.normalize('NFC')));
      const fewer = { ...who, groups: who.groups.filter((g) => g !== removed) };
      expect(subset(granted(rules, fewer), granted(rules, who))).toBe(true);
    }), { numRuns: 300 });
  });

  it('mapping is pure: the same identity and rules give the same grants and trace', () => {
    fc.assert(fc.property(fc.array(fc.oneof(allowRule, denyRule), { maxLength: 6 }), identity, (rules, who) => {
      const set = rulesOf(rules);
      expect(mapRoles(who, set)).toEqual(mapRoles(structuredClone(who), set));
    }), { numRuns: 100 });
  });
});
