// Golden table: identities × rule sets → exactly these grants and these traces. The IAM story of a
// company on Google Workspace (groups are addresses) with Okta-style consultant groups: alice
// administers every account; bob and carla are power users (PowerUser without IAM in dev, ReadOnly
// in prod); a consultant wears cross-account roles named by `aws#<account>#<role>` groups.
import { describe, expect, it } from 'vitest';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import type { RuleSet } from '../../../src/mapping/rules.ts';
import type { Identity } from '../../../src/identity.ts';
import { DEV, PROD, SANDBOX, person, rulesOf } from './support.ts';

const arn = (account: string, role: string) => `arn:aws:iam::${account}:role/${role}`;

const story: RuleSet = rulesOf([
  /* 0 */ { group: 'aws-admins@corp.example', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin', 'arn:aws:iam::{sandbox}:role/Admin'], sessionDuration: '8h' },
  /* 1 */ { group: 'aws-admins@corp.example', role: 'arn:aws:iam::{prod}:role/BreakGlass', requireMfa: true },
  /* 2 */ { group: 'power-users@corp.example', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h', sessionTags: { team: 'claim:department', email: 'email' }, transitiveTagKeys: ['team'] },
  /* 3 */ { group: 'power-users@corp.example', role: 'arn:aws:iam::{prod}:role/ReadOnly', destination: '/cloudtrailv2/home' },
  /* 4 */ { groupPattern: '^aws#(?<account>[a-z0-9]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$', role: 'arn:aws:iam::{account}:role/{role}', sessionDuration: '2h', sessionTags: { account: 'capture:account' } },
  /* 5 */ { deny: true, group: 'contractors@corp.example', role: 'arn:aws:iam::{prod}:role/*' },
  /* 6 */ { email: 'carla@corp.example', role: 'arn:aws:iam::{sandbox}:role/Experimenter' },
]);

interface Case {
  name: string;
  rules: RuleSet;
  identity: Identity;
  /** [roleArn, seconds, rule, extra] */
  grants: Array<[string, number, number, Record<string, unknown>?]>;
  /** [rule, outcome, roleArn?] in trace order */
  trace: Array<[number, string, string?]>;
}

const cases: Case[] = [
  {
    name: 'alice, an admin without MFA: Admin in every account, no break-glass',
    rules: story,
    identity: person('alice@corp.example', ['aws-admins@corp.example']),
    grants: [
      [arn(PROD, 'Admin'), 28800, 0],
      [arn(DEV, 'Admin'), 28800, 0],
      [arn(SANDBOX, 'Admin'), 28800, 0, { providerArn: `arn:aws:iam::${SANDBOX}:saml-provider/hatrack-sbx`, accountAlias: 'sandbox' }],
    ],
    trace: [
      [0, 'granted', arn(PROD, 'Admin')], [0, 'granted', arn(DEV, 'Admin')], [0, 'granted', arn(SANDBOX, 'Admin')],
      [1, 'mfa-required'], [2, 'no-match'], [3, 'no-match'], [4, 'no-match'], [5, 'no-match'], [6, 'no-match'],
    ],
  },
  {
    name: 'alice with MFA also gets the break-glass role, for the default hour',
    rules: story,
    identity: person('alice@corp.example', ['aws-admins@corp.example'], { mfa: true }),
    grants: [[arn(PROD, 'Admin'), 28800, 0], [arn(DEV, 'Admin'), 28800, 0], [arn(SANDBOX, 'Admin'), 28800, 0], [arn(PROD, 'BreakGlass'), 3600, 1]],
    trace: [
      [0, 'granted', arn(PROD, 'Admin')], [0, 'granted', arn(DEV, 'Admin')], [0, 'granted', arn(SANDBOX, 'Admin')],
      [1, 'granted', arn(PROD, 'BreakGlass')], [2, 'no-match'], [3, 'no-match'], [4, 'no-match'], [5, 'no-match'], [6, 'no-match'],
    ],
  },
  {
    name: 'bob, a power user: PowerUser tagged with his department, ReadOnly opening on CloudTrail',
    rules: story,
    identity: person('bob@corp.example', ['power-users@corp.example'], { claims: { department: 'platform' } }),
    grants: [
      [arn(DEV, 'PowerUser'), 14400, 2, { sessionTags: [{ key: 'team', value: 'platform', transitive: true }, { key: 'email', value: 'bob@corp.example' }] }],
      [arn(PROD, 'ReadOnly'), 3600, 3, { destination: 'https://console.aws.amazon.com/cloudtrailv2/home', sessionTags: [] }],
    ],
    trace: [[0, 'no-match'], [1, 'no-match'], [2, 'granted', arn(DEV, 'PowerUser')], [3, 'granted', arn(PROD, 'ReadOnly')], [4, 'no-match'], [5, 'no-match'], [6, 'no-match']],
  },
  {
    name: 'bob without a department claim: the tagged grant is dropped, not minted untagged',
    rules: story,
    identity: person('bob@corp.example', ['power-users@corp.example']),
    grants: [[arn(PROD, 'ReadOnly'), 3600, 3]],
    trace: [[0, 'no-match'], [1, 'no-match'], [2, 'dropped'], [3, 'granted', arn(PROD, 'ReadOnly')], [4, 'no-match'], [5, 'no-match'], [6, 'no-match']],
  },
  {
    name: 'carla, a power user whose own address also grants her a sandbox role',
    rules: story,
    identity: person('carla@corp.example', ['power-users@corp.example'], { claims: { department: 'data' } }),
    grants: [[arn(DEV, 'PowerUser'), 14400, 2], [arn(PROD, 'ReadOnly'), 3600, 3], [arn(SANDBOX, 'Experimenter'), 3600, 6]],
    trace: [[0, 'no-match'], [1, 'no-match'], [2, 'granted', arn(DEV, 'PowerUser')], [3, 'granted', arn(PROD, 'ReadOnly')], [4, 'no-match'], [5, 'no-match'], [6, 'granted', arn(SANDBOX, 'Experimenter')]],
  },
  {
    name: 'a consultant: cross-account roles from Okta-style groups, by alias or by id, configured accounts only',
    rules: story,
    identity: person('dora@partner.example', ['aws#dev#Admin', `aws#${DEV}#ReadOnly`, 'aws#prod#Billing', 'aws#999999999999#Admin', 'aws#dev#Ad,min', 'aws#dev#..']),
    grants: [
      [arn(DEV, 'Admin'), 7200, 4, { sessionTags: [{ key: 'account', value: 'dev' }] }],
      [arn(DEV, 'ReadOnly'), 7200, 4, { sessionTags: [{ key: 'account', value: DEV }] }],
      [arn(PROD, 'Billing'), 7200, 4],
    ],
    trace: [
      [0, 'no-match'], [1, 'no-match'], [2, 'no-match'], [3, 'no-match'],
      [4, 'granted', arn(DEV, 'Admin')], [4, 'granted', arn(DEV, 'ReadOnly')], [4, 'granted', arn(PROD, 'Billing')], [4, 'dropped'], [4, 'dropped'],
      [5, 'no-match'], [6, 'no-match'],
    ],
  },
  {
    name: 'a consultant who is also a contractor: the deny takes prod away, wherever it stands',
    rules: story,
    identity: person('erin@partner.example', ['aws#prod#Admin', 'contractors@corp.example', 'aws#dev#Admin']),
    grants: [[arn(DEV, 'Admin'), 7200, 4]],
    trace: [
      [0, 'no-match'], [1, 'no-match'], [2, 'no-match'], [3, 'no-match'],
      [4, 'denied', arn(PROD, 'Admin')], [4, 'granted', arn(DEV, 'Admin')], [5, 'deny-applies'], [6, 'no-match'],
    ],
  },
  {
    name: 'an admin who is also a power user: each role once, from the first rule that grants it',
    rules: rulesOf([
      { group: 'admins', role: ['arn:aws:iam::{dev}:role/Admin', 'arn:aws:iam::{dev}:role/PowerUser'], sessionDuration: '8h' },
      { group: 'power-users', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h' },
    ]),
    identity: person('frank@corp.example', ['power-users', 'admins']),
    grants: [[arn(DEV, 'Admin'), 28800, 0], [arn(DEV, 'PowerUser'), 28800, 0]],
    trace: [[0, 'granted', arn(DEV, 'Admin')], [0, 'granted', arn(DEV, 'PowerUser')], [1, 'duplicate', arn(DEV, 'PowerUser')]],
  },
  {
    name: 'groups of a case-insensitive connector (Entra ID) match in any ASCII case',
    rules: story,
    identity: person('gus@corp.example', ['AWS-Admins@Corp.Example'], { connector: 'entra' }),
    grants: [[arn(PROD, 'Admin'), 28800, 0], [arn(DEV, 'Admin'), 28800, 0], [arn(SANDBOX, 'Admin'), 28800, 0]],
    trace: [
      [0, 'granted', arn(PROD, 'Admin')], [0, 'granted', arn(DEV, 'Admin')], [0, 'granted', arn(SANDBOX, 'Admin')],
      [1, 'mfa-required'], [2, 'no-match'], [3, 'no-match'], [4, 'no-match'], [5, 'no-match'], [6, 'no-match'],
    ],
  },
  {
    name: 'the same name through a case-sensitive connector matches nothing',
    rules: story,
    identity: person('gus@corp.example', ['AWS-Admins@Corp.Example']),
    grants: [],
    trace: [[0, 'no-match'], [1, 'no-match'], [2, 'no-match'], [3, 'no-match'], [4, 'no-match'], [5, 'no-match'], [6, 'no-match']],
  },
  {
    name: 'a deny without roles takes everything; SourceIdentity from a configured claim',
    rules: rulesOf([
      { group: 'admins', role: 'arn:aws:iam::{dev}:role/Admin' },
      { group: 'ops', role: 'arn:aws:iam::{dev}:role/Ops' },
      { deny: true, groupPattern: '^offboarding-.+$' },
    ], { aws: { sourceIdentity: 'claim:employee.id' } }),
    identity: person('hal@corp.example', ['admins', 'ops', 'offboarding-2025'], { claims: { employee: { id: 'E1234' } } }),
    grants: [],
    trace: [[0, 'denied', arn(DEV, 'Admin')], [1, 'denied', arn(DEV, 'Ops')], [2, 'deny-applies']],
  },
  {
    name: 'no SourceIdentity, no grant',
    rules: rulesOf([{ group: 'admins', role: 'arn:aws:iam::{dev}:role/Admin' }], { aws: { sourceIdentity: 'claim:employee.id' } }),
    identity: person('ida@corp.example', ['admins']),
    grants: [],
    trace: [[0, 'dropped', arn(DEV, 'Admin')]],
  },
];

describe('golden mapping table', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = mapRoles(c.identity, c.rules);
      expect(result.grants.map((g) => [g.roleArn, g.sessionDuration, g.rule])).toEqual(c.grants.map(([a, s, r]) => [a, s, r]));
      c.grants.forEach(([, , , extra], i) => {
        if (extra) expect(result.grants[i]).toMatchObject(extra);
      });
      // The role ARN of a trace line is compared where the table names one.
      expect(result.trace.map((t, i) => (c.trace[i]?.[2] !== undefined ? [t.rule, t.outcome, t.roleArn] : [t.rule, t.outcome]))).toEqual(c.trace);
      for (const g of result.grants) expect(g.sourceIdentity).toBe(c.rules.sourceIdentity.kind === 'email' ? c.identity.email : 'E1234');
    });
  }

  it('says why in words a person can follow', () => {
    const r = mapRoles(person('dora@partner.example', ['aws#999999999999#Admin', 'aws#dev#..', 'contractors@corp.example', 'aws#prod#Admin']), story);
    const reasons = r.trace.map((t) => `${t.rule} ${t.outcome}: ${t.reason}`);
    expect(reasons).toContain('0 no-match: not a member of "aws-admins@corp.example"');
    expect(reasons).toContain('4 dropped: "aws#999999999999#Admin" matches ^aws#(?<account>[a-z0-9]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$, but the captured account is not one of the configured accounts');
    expect(reasons).toContain('4 dropped: "aws#dev#.." matches ^aws#(?<account>[a-z0-9]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$, but the capture "role" is only dots');
    expect(reasons).toContain('4 denied: "aws#prod#Admin" matches ^aws#(?<account>[a-z0-9]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$, but denied by roles[5]');
    expect(reasons).toContain('5 deny-applies: member of "contractors@corp.example": denies arn:aws:iam::{prod}:role/*');
  });
});
