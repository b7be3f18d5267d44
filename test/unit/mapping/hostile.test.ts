// SECURITY.md W7: group names are data. Commas, wildcards, regex metacharacters, `..`, look-alike
// Unicode, invisible characters, ten thousand groups or a 1 MB name cannot widen what a person gets.
// (How fast mapping stays with such input is measured by bench/mapping.ts, not asserted here.)
import { describe, expect, it } from 'vitest';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import { DEV, PROD, person, rulesOf } from './support.ts';

const rules = rulesOf([
  { group: 'admins', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'], sessionDuration: '8h' },
  { group: 'power-users', role: 'arn:aws:iam::{dev}:role/PowerUser' },
  { groupPattern: '^aws#(?<account>[a-z0-9]+)#(?<role>[\\w+=.@-]{1,64})$', role: 'arn:aws:iam::{account}:role/{role}' },
  { groupPattern: '^team-(?<team>[a-z]+)$', role: 'arn:aws:iam::{dev}:role/team/{team}', sessionTags: { team: 'capture:team' } },
  { deny: true, group: 'suspended' },
]);

const roles = (groups: string[], connector = 'okta') => mapRoles(person('mallory@corp.example', groups, { connector }), rules).grants.map((g) => g.roleArn);

describe('hostile group names cannot widen grants (W7)', () => {
  it.each([
    // commas: neither a second group nor a second Role value
    ['admins,power-users'], ['admins, power-users'], ['aws#prod#Admin,arn:aws:iam::111111111111:role/Root'], ['team-ops,admins'],
    // wildcards and regex metacharacters are characters, never patterns
    ['*'], ['admin*'], ['.*'], ['^admins$'], ['(admins)'], ['admins|power-users'], ['aws#prod#*'], ['aws#*#Admin'], ['aws#.*#Admin'], ['team-.*'], ['\\'],
    // paths and traversal
    ['aws#prod#..'], ['aws#prod#.'], ['aws#prod#../Admin'], ['aws#prod#Admin/../Root'], ['aws#prod/#Admin'], ['team-../admin'],
    // look-alikes: Cyrillic а, Greek Α, fullwidth, Kelvin sign, long s
    ['аdmins'], ['Αdmins'], ['ａｄｍｉｎｓ'], ['\u212Aube'], ['admin\u017F'], ['aws#prod#Аdmin'],
    // invisible and control characters, and whitespace that trimming would remove
    ['admins\u200b'], ['\u200badmins'], ['\ufeffadmins'], ['adm\u00adins'], ['admins\u00a0'], [' admins'], ['admins\n'], ['admins\u0000'],
    ['aws#prod#Admin\n'], ['aws#prod\u200b#Admin'], ['team-ops\u200d'],
    // case variants through a case-sensitive connector
    ['Admins'], ['ADMINS'], ['AWS#prod#Admin'],
    // other accounts and ARNs
    ['aws#999999999999#Admin'], ['aws#arn:aws:iam::111111111111:root#Admin'], ['arn:aws:iam::111111111111:role/Admin'],
  ])('%j grants nothing', (name) => {
    expect(roles([name])).toEqual([]);
  });

  it('a pattern capture with a look-alike or comma never reaches an ARN', () => {
    const r = mapRoles(person('m@corp.example', ['aws#prod#Ad,min', 'aws#dev#Аdmin']), rules);
    expect(r.grants).toEqual([]);
  });

  it('through a case-insensitive connector, only ASCII case is ignored', () => {
    expect(roles(['ADMINS'], 'entra')).toEqual([`arn:aws:iam::${PROD}:role/Admin`, `arn:aws:iam::${DEV}:role/Admin`]);
    expect(roles(['аdmins', 'ADMINS\u200b', 'TEAM-op\u017F', 'ADMIN\u017F'], 'entra')).toEqual([]);
    // The Kelvin sign is canonically "K": NFC makes it one before anything is compared.
    expect(roles(['TEAM-\u212Aube'], 'entra')).toEqual([`arn:aws:iam::${DEV}:role/team/Kube`]);
  });

  it('ten thousand groups give exactly what the real ones give', () => {
    const noise = Array.from({ length: 10_000 }, (_, i) => `group-${i}-${'x'.repeat(i % 50)}`);
    const nearMisses = Array.from({ length: 10_000 }, (_, i) => `aws#prod#${'A'.repeat(i % 240)}!`);
    expect(roles([...noise, ...nearMisses])).toEqual([]);
    expect(roles([...noise, 'power-users', ...nearMisses])).toEqual([`arn:aws:iam::${DEV}:role/PowerUser`]);
  });

  it('a 1 MB group name is ignored, and said to be', () => {
    const huge = `admins${'\u200b'.repeat(1_000_000)}`;
    const result = mapRoles(person('m@corp.example', [huge, `aws#prod#${'A'.repeat(1_000_000)}`, 'a'.repeat(1_048_576)]), rules);
    expect(result.grants).toEqual([]);
    expect(result.notes).toEqual(['3 group names longer than 1024 characters ignored']);
  });

  it('names over the pattern limit are not tried against patterns, and the trace says so', () => {
    const result = mapRoles(person('m@corp.example', [`team-${'a'.repeat(400)}`]), rules);
    expect(result.grants).toEqual([]);
    expect(result.trace.find((t) => t.rule === 3)!.reason).toMatch(/1 longer than 256 characters not tried/);
  });

  it('non-string groups (from a hand-written identity) are skipped, not coerced', () => {
    expect(roles([['admins'] as unknown as string, 42 as unknown as string, null as unknown as string])).toEqual([]);
  });

  it('traces show invisible characters, so a look-alike never reads as the real name', () => {
    const r = mapRoles(person('m@corp.example', ['team-ops\u200b', 'team-ops']), rules);
    expect(r.grants.map((g) => g.roleArn)).toEqual([`arn:aws:iam::${DEV}:role/team/ops`]);
    const line = r.trace.find((t) => t.rule === 3 && t.outcome === 'granted')!;
    expect(line.reason).toContain('"team-ops" matches');
    expect(mapRoles(person('m@corp.example', ['admins\u200b']), rulesOf([{ deny: true, groupPattern: '^admins.*$' }])).trace[0]!.reason)
      .toBe('"admins\\u{200B}" matches ^admins.*$: denies every role');
  });
});

describe('a flood of long names that get far into the patterns', () => {
  // 5 000 names of 250 characters that pass the patterns' fixed prefix: 1.25 M characters for the
  // engine, over its per-person budget of 1 M.
  const flood = Array.from({ length: 5_000 }, (_, i) => `aws#${'a'.repeat(240)}#${i}!`);

  it('stops the patterns and grants nothing from them, but keeps exact grants when every deny was checked', () => {
    const result = mapRoles(person('m@corp.example', ['power-users', ...flood, 'aws#prod#Admin']), rules);
    expect(result.grants.map((g) => g.roleArn)).toEqual([`arn:aws:iam::${DEV}:role/PowerUser`]);
    expect(result.trace.find((t) => t.rule === 2)).toMatchObject({ outcome: 'dropped', reason: expect.stringMatching(/^not evaluated/) });
    expect(result.notes[0]).toMatch(/patterns were not tried on all of them; pattern rules grant nothing/);
  });

  it('fails closed when a deny pattern could not be checked', () => {
    const withDenyPattern = rulesOf([
      { group: 'admins', role: 'arn:aws:iam::{prod}:role/Admin' },
      { deny: true, groupPattern: '^aws#(?<x>[a-z]+)#\\d+$' },
    ]);
    const result = mapRoles(person('m@corp.example', ['admins', ...flood]), withDenyPattern);
    expect(result.grants).toEqual([]);
    expect(result.trace.map((t) => [t.rule, t.outcome])).toEqual([[0, 'dropped'], [1, 'dropped']]);
    expect(result.notes[0]).toMatch(/a deny rule could not be checked, so nothing is granted/);
  });
});
