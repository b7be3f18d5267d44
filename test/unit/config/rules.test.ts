// The `roles` and `accounts` sections: every problem an admin can write is reported at its path
// when the config is loaded (README "Mapping").
import { describe, expect, it } from 'vitest';
import { problemsOf, rulesOf } from '../mapping/support.ts';

const ok = { group: 'admins', role: 'arn:aws:iam::{prod}:role/Admin' };

describe('accounts', () => {
  it('take an id, or an id with the SAML provider Hatrack is registered as there (name or ARN)', () => {
    const rules = rulesOf([], {
      accounts: {
        prod: '111111111111',
        dev: { id: '222222222222', samlProvider: 'hatrack-dev' },
        legacy: { id: '444444444444', samlProvider: 'arn:aws:iam::444444444444:saml-provider/OldBroker' },
      },
    });
    expect([...rules.accounts.byAlias.values()].map((a) => [a.alias, a.id, a.providerArn])).toEqual([
      ['prod', '111111111111', 'arn:aws:iam::111111111111:saml-provider/hatrack'],
      ['dev', '222222222222', 'arn:aws:iam::222222222222:saml-provider/hatrack-dev'],
      ['legacy', '444444444444', 'arn:aws:iam::444444444444:saml-provider/OldBroker'],
    ]);
    // An account no alias names still gets the default provider.
    expect(rules.accounts.forId('555555555555').providerArn).toBe('arn:aws:iam::555555555555:saml-provider/hatrack');
  });

  it('refuse a provider of another account, a bad provider name and one id with two providers', () => {
    expect(problemsOf([], {
      accounts: {
        a: { id: '111111111111', samlProvider: 'arn:aws:iam::222222222222:saml-provider/x' },
        b: { id: '222222222222', samlProvider: 'bad name!' },
        c: { id: '333333333333', samlProvider: 'one' },
        d: { id: '333333333333', samlProvider: 'two' },
        e: { id: '123' },
      },
    })).toEqual([
      'accounts.b.samlProvider: must be an IAM SAML provider name or ARN',
      'accounts.e.id: must be a 12-digit account id',
    ]);
    expect(problemsOf([], {
      accounts: {
        a: { id: '111111111111', samlProvider: 'arn:aws:iam::222222222222:saml-provider/x' },
        c: { id: '333333333333', samlProvider: 'one' },
        d: { id: '333333333333', samlProvider: 'two' },
      },
    })).toEqual([
      'accounts.a.samlProvider: must be a provider in account 111111111111 of partition aws',
      'accounts.d: account 333333333333 is also "c" with another SAML provider; one account has one provider for Hatrack',
    ]);
  });
});

describe('rules', () => {
  it('need exactly one of group or groupPattern, and roles unless they deny', () => {
    expect(problemsOf([
      { role: 'arn:aws:iam::{prod}:role/A' },
      { group: 'a', groupPattern: '^a$', role: 'arn:aws:iam::{prod}:role/A' },
      { group: 'a' },
      { deny: true, group: 'b', sessionDuration: '1h', requireMfa: true, sessionTags: { a: 'email' }, destination: '/x' },
      { group: 'c', role: 'arn:aws:iam::{prod}:role/A', sessionDuration: '13h' },
      { group: 'd'.repeat(1025), role: 'arn:aws:iam::{prod}:role/A' },
      { group: 'e', role: 'arn:aws:iam::{prod}:role/A', colour: 'red' },
    ])).toEqual([
      'roles[0]: needs exactly one of group, groupPattern or email',
      'roles[1]: needs exactly one of group, groupPattern or email',
      'roles[2].role: is required: the roles this rule grants',
      'roles[3].sessionDuration: does not apply to a deny rule',
      'roles[3].requireMfa: does not apply to a deny rule',
      'roles[3].sessionTags: does not apply to a deny rule',
      'roles[3].destination: does not apply to a deny rule',
      'roles[4].sessionDuration: must be at most 43200 seconds (12h)',
      'roles[5].group: must be at most 1024 characters',
      'roles[6].colour: is not a setting here',
    ]);
  });

  it('report unknown aliases, templates that cannot make a role ARN, and captures named like aliases', () => {
    expect(problemsOf([
      { group: 'a', role: 'arn:aws:iam::{staging}:role/A' },
      { groupPattern: '^x-(?<team>[a-z]+)$', role: 'arn:aws:iam::{prod}:role/{tea}' },
      { groupPattern: '^x-(?<team>[a-z]+)$', role: 'arn:aws:iam::{prod}:user/{team}' },
      { groupPattern: '^x-(?<team>[a-z]+)$', role: 'arn:aws:iam::{team}x:role/A' },
      { groupPattern: '^x-(?<prod>[a-z]+)$', role: 'arn:aws:iam::{prod}:role/A' },
      { groupPattern: '^x-(?<n>[a-z]+)$', role: 'arn:aws:iam::{prod}:role/{n}*' },
      { groupPattern: '^(a+)+$', role: 'arn:aws:iam::{prod}:role/A' },
      { groupPattern: '^x-(?<team>[a-z]+)$', role: 'arn:aws-cn:iam::{prod}:role/{team}' },
      { deny: true, group: 'a', role: 'not an arn' },
    ])).toEqual([
      'roles[0].role: unknown account alias "{staging}" (define it under accounts)',
      'roles[1].role: "{tea}" is neither a capture of the pattern nor an account alias (define it under accounts)',
      'roles[2].role: "arn:aws:iam::{prod}:user/{team}" does not have the shape arn:<partition>:iam::<account>:role/<name>',
      'roles[3].role: the account field must be a 12-digit id, an account alias or a single capture',
      'roles[4].groupPattern: the capture "prod" has the name of an account alias; rename one of them',
      'roles[5].role: "arn:aws:iam::{prod}:role/{n}*" cannot produce a valid IAM role ARN (with sample values: "arn:aws:iam::111111111111:role/x*")',
      expect.stringMatching(/^roles\[6\]\.groupPattern: is refused because it repeats a group that itself contains a repetition/),
      'roles[7].role: role is in partition "aws-cn" but aws.partition is "aws"',
      'roles[8].role: "not an arn" is not a role ARN (a deny may use * for any run of characters)',
    ]);
  });

  it('hold session tags to AWS limits when the config is loaded', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'email']));
    expect(problemsOf([
      { ...ok, sessionTags: many },
      { ...ok, sessionTags: { 'aws:team': 'email', 'bad key!': 'email', Team: 'email', team: 'name', x: 'claim:', y: 'phone', z: 'literal:a*b', w: 'capture:team' }, transitiveTagKeys: ['Team', 'nope'] },
      { ...ok, sessionTags: { ['k'.repeat(129)]: 'email', 'a\u2028b': 'email', c: 'literal:line\u2029end' } },
    ])).toEqual([
      'roles[0].sessionTags: has 51 tags; AWS accepts at most 50',
      'roles[1].sessionTags.aws:team: the aws: prefix is reserved by AWS',
      'roles[1].sessionTags.bad key!: tag keys are 1–128 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@',
      'roles[1].sessionTags.team: duplicates "Team": AWS compares tag keys ignoring case',
      'roles[1].sessionTags.x: "claim:" needs a dotted claim path after claim:',
      'roles[1].sessionTags.y: "phone" is not an identity field (email, name, subject, connector, claim:<path>, capture:<name> or literal:<text>)',
      'roles[1].sessionTags.z: a tag value is at most 256 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@',
      'roles[1].sessionTags.w: "capture:team" names no capture of this rule\'s groupPattern',
      'roles[1].transitiveTagKeys[1]: "nope" is not one of this rule\'s sessionTags',
      `roles[2].sessionTags.${'k'.repeat(129)}: tag keys are 1–128 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@`,
      'roles[2].sessionTags.a\u2028b: tag keys are 1–128 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@',
      'roles[2].sessionTags.c: a tag value is at most 256 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@',
    ]);
  });

  it('keep a destination on the console, and turn a path into a console URL', () => {
    expect(problemsOf([
      { ...ok, destination: 'https://evil.example/' },
      { ...ok, destination: '//evil.example/' },
      { ...ok, destination: 'https://user@console.aws.amazon.com/' },
    ])).toEqual([
      'roles[0].destination: must be a path such as /ec2/home or a URL on console.aws.amazon.com',
      'roles[1].destination: must be a path such as /ec2/home or a URL on console.aws.amazon.com',
      'roles[2].destination: must be a path such as /ec2/home or a URL on console.aws.amazon.com',
    ]);
    const rules = rulesOf([
      { ...ok, destination: '/ec2/home?region=eu-west-1' },
      { ...ok, group: 'b', destination: 'https://eu-west-1.console.aws.amazon.com/s3/home' },
    ]);
    expect(rules.rules.map((r) => (r.effect === 'allow' ? r.destination : undefined))).toEqual([
      'https://console.aws.amazon.com/ec2/home?region=eu-west-1',
      'https://eu-west-1.console.aws.amazon.com/s3/home',
    ]);
  });

  it('take the SourceIdentity field and the connectors\' case rule', () => {
    expect(problemsOf([ok], { aws: { sourceIdentity: 'phone' } })).toEqual(['aws.sourceIdentity: must be email, subject, name or claim:<path>']);
    const rules = rulesOf([ok], { aws: { sourceIdentity: 'claim:employee.id' } });
    expect(rules.sourceIdentity).toEqual({ kind: 'claim', path: 'employee.id' });
    expect(rules.connectors.get('entra')).toEqual({ groupsCaseInsensitive: true });
  });
});
