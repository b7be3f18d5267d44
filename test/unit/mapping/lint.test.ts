// The warnings `hatrack check-config` prints about rules that load but deserve a look.
import { describe, expect, it } from 'vitest';
import { warningsOf as warningsWith } from './support.ts';

// One connector, so that the warning about rules every connector can satisfy stays out of the way.
const oneConnector = { connectors: [{ id: 'okta', type: 'oidc', issuer: 'https://corp.okta.com', clientId: 'hatrack' }] };
const warningsOf = (roles: unknown[]) => warningsWith(roles, oneConnector);

describe('rule warnings', () => {
  it('name rules a deny leaves nothing, or part of their roles', () => {
    expect(warningsOf([
      { group: 'contractors', role: 'arn:aws:iam::{prod}:role/Admin' },
      { group: 'contractors', role: ['arn:aws:iam::{prod}:role/ReadOnly', 'arn:aws:iam::{dev}:role/ReadOnly'] },
      { groupPattern: '^aws#(?<a>[a-z]+)#(?<r>[A-Za-z]+)$', role: 'arn:aws:iam::{a}:role/{r}' },
      { group: 'aws#prod#Admin', role: 'arn:aws:iam::{dev}:role/Admin' },
      { deny: true, group: 'contractors', role: 'arn:aws:iam::{prod}:role/*' },
      { deny: true, groupPattern: '^aws#prod#.+$' },
    ])).toEqual([
      'roles[0]: can never grant anything: roles[4] denies all its roles to everyone this rule matches',
      'roles[1]: never grants arn:aws:iam::111111111111:role/ReadOnly: roles[4] denies it to everyone this rule matches',
      'roles[3]: can never grant anything: roles[5] denies every role to everyone this rule matches',
    ]);
  });

  it('name duplicate grants that can never apply or whose settings depend on the order of rules', () => {
    expect(warningsOf([
      { group: 'admins', role: 'arn:aws:iam::{dev}:role/Admin', sessionDuration: '8h' },
      { group: 'admins', role: 'arn:aws:iam::{dev}:role/Admin', sessionDuration: '1h' },
      { group: 'power-users', role: 'arn:aws:iam::{dev}:role/Admin', sessionDuration: '8h' },
      { group: 'breakglass', role: 'arn:aws:iam::{dev}:role/Admin', sessionDuration: '1h', sessionTags: { e: 'email' } },
      { group: 'ops', role: ['arn:aws:iam::{prod}:role/Ops', 'arn:aws:iam::{prod}:role/Ops'] },
    ])).toEqual([
      'roles[1]: never grants arn:aws:iam::222222222222:role/Admin: roles[0] already grants it to the same people',
      'roles[3]: grants arn:aws:iam::222222222222:role/Admin like roles[0] but with other settings; a person matching both gets roles[0]\'s (8h)',
      'roles[4].role: lists arn:aws:iam::111111111111:role/Ops twice',
    ]);
  });

  it('name group rules that look like patterns or hide invisible characters, and patterns that cannot match', () => {
    expect(warningsOf([
      { group: 'aws-*', role: 'arn:aws:iam::{dev}:role/A' },
      { group: 'admins\u200b', role: 'arn:aws:iam::{dev}:role/A' },
      { groupPattern: '^x{300}$', role: 'arn:aws:iam::{dev}:role/A' },
      { groupPattern: '^[]$', role: 'arn:aws:iam::{dev}:role/A' },
      { groupPattern: '^(?<team>[a-z]+)?-admins$', role: 'arn:aws:iam::{dev}:role/{team}' },
    ])).toEqual([
      'roles[0].group: "aws-*" looks like a pattern, but group rules match the name exactly; use groupPattern for patterns',
      'roles[1].group: "admins\\u{200B}" contains invisible characters, so it only matches a name with exactly those characters',
      'roles[2].groupPattern: can never match: it needs at least 300 characters and names longer than 256 are never matched against patterns',
      'roles[3].groupPattern: can never match: it contains an empty character class on every path',
      'roles[4].groupPattern: the capture "team" is optional, and a match that leaves it unset grants nothing',
    ]);
  });

  it('has nothing to say about the IAM story', () => {
    expect(warningsOf([
      { group: 'admins', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'], sessionDuration: '8h' },
      { group: 'power-users', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h' },
      { group: 'power-users', role: 'arn:aws:iam::{prod}:role/ReadOnly' },
      { group: 'breakglass', role: 'arn:aws:iam::{prod}:role/Admin', sessionDuration: '8h' },
    ])).toEqual([]);
  });
});
