// Group patterns: what config may write, what is refused as slow or misleading, and how matching
// treats names (anchoring, captures, case, look-alikes).
import { describe, expect, it } from 'vitest';
import { compileGroupPattern, type GroupPattern } from '../../../src/mapping/group-pattern.ts';

function compile(source: string): GroupPattern {
  const r = compileGroupPattern(source);
  if ('problem' in r) throw new Error(`${source}: ${r.problem}`);
  return r.pattern;
}

function problem(source: string): string {
  const r = compileGroupPattern(source);
  return 'problem' in r ? r.problem : '(accepted)';
}

describe('group patterns accepted', () => {
  it.each([
    '^aws#(?<account>[a-z0-9]+)#(?<role>[\\w+=.@-]+)$',
    'aws-(?<account>[a-z0-9]+)-(?<role>[\\w+=.@]+)',
    '^team-.*-admins$',
    '^(?<team>[a-z]+)-(?:admins|owners)@corp\\.example$',
    '^app_(?<app>[A-Z][a-z]+)_(?<env>dev|prod)$',
    '^\\p{L}+@corp\\.example$',
    '^[^#]+#[^#]+$',
    '^(?:ab|cd){1,3}$',
    '^x(?:-[a-z]{1,3})?$',
    '^\\u00e9quipe-(?<n>\\d{1,4})$',
  ])('%s', (source) => {
    expect(problem(source)).toBe('(accepted)');
  });
});

describe('group patterns refused', () => {
  it.each([
    ['^(a+)+$', /repeats a group that itself contains a repetition/],
    ['^(?:\\w+\\.){0,3}$', /repeats a group that itself contains a repetition/],
    ['^(?:a{2,3})+$', /repeats a group that itself contains a repetition/],
    ['^(a|ab)*c$', /repeats an alternation/],
    ['^(?:a|a)+$', /repeats an alternation/],
    ['^\\w+\\w+$', /two repetitions in a row/],
    ['^.*admins.*$', /two repetitions in a row/],
    ['^[a-z-]+-[a-z-]+$', /two repetitions in a row/],
    ['^(?<a>[a-z]+)(?<b>[a-z]*)$', /two repetitions in a row/],
    ['^[a-z]+-?[a-z]+$', /two repetitions in a row/],
    ['^(?:-[a-z]+)?[a-z]+$', /two repetitions in a row/],
    ['^(?:x|[a-z]+)[a-z]+$', /two repetitions in a row/],
    ['^(?<a>.)\\k<a>$', /backreferences/],
    ['^(a)\\1$', /backreferences/],
    ['^(?=admin).*$', /lookarounds/],
    ['^(?<!x)admin$', /lookarounds/],
    ['^\\badmin$', /word-boundary/],
    ['^(?i:admin)$', /inline flags/],
    ['^a|^b$', /"\^" may only open the pattern/],
    ['^a$|b$', /"\$" may only close the pattern/],
    ['^a{1,5000}$', /bounds above 1000/],
    ['^(?<x>a)(?<x>b)$', /twice|Duplicate/],
    ['^[z-a]$', /out of order/],
    ['^(abc$', /unclosed "\("/],
    ['^abc)$', /unbalanced/],
    ['^a**$', /a quantifier cannot follow a quantifier/],
    ['^\\p{Nope}$', /not a valid regular expression/],
    ['^\\q$', /is not an escape/],
    ['x'.repeat(600), /longer than 512/],
  ])('%s', (source, why) => {
    expect(problem(source)).toMatch(why);
  });
});

describe('matching a group name', () => {
  const okta = compile('^aws#(?<account>[a-z0-9]+)#(?<role>[\\w+=.@-]+)$');

  it('matches the whole name and hands out the named captures', () => {
    expect(okta.captures).toEqual(['account', 'role']);
    expect(okta.match('aws#prod#Admin', false)).toEqual({ account: 'prod', role: 'Admin' });
    expect(okta.match('xaws#prod#Admin', false)).toBeUndefined();
    expect(okta.match('aws#prod#Admin\n', false)).toBeUndefined();
    expect(okta.match('aws#prod#Admin#extra', false)).toBeUndefined();
  });

  it('anchors every alternative, whatever was written', () => {
    const p = compile('^aws-admins|aws-root$');
    expect(p.match('aws-admins', false)).toEqual({});
    expect(p.match('evil-aws-root', false)).toBeUndefined();
    expect(p.match('aws-admins-evil', false)).toBeUndefined();
  });

  it('folds case only for case-insensitive connectors, and never maps look-alikes onto ASCII', () => {
    const p = compile('^kube-(?<team>[a-z]+)$');
    expect(p.match('KUBE-Ops', false)).toBeUndefined();
    expect(p.match('KUBE-Ops', true)).toEqual({ team: 'Ops' });
    // U+212A KELVIN SIGN and U+017F LONG S fold to "k" and "s" under the iu flags.
    expect(p.match('\u212Aube-ops', true)).toBeUndefined();
    expect(p.match('kube-op\u017F', true)).toBeUndefined();
  });

  it('never sees names longer than the pattern input limit', () => {
    const p = compile('^a+$');
    expect(p.match('a'.repeat(256), false)).toEqual({});
    expect(p.match('a'.repeat(257), false)).toBeUndefined();
  });

  it('knows which captures can be left unset and how short a match can be', () => {
    const p = compile('^(?<a>x)?(?:(?<b>y)|z)(?<c>w{3})$');
    expect([...p.optionalCaptures].sort()).toEqual(['a', 'b']);
    expect(p.minLength).toBe(4);
    expect(compile('^[]$').minLength).toBe(Infinity);
  });
});
