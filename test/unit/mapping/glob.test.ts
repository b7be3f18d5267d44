// The IAM-style wildcard matcher that replaced `^a.*b.*c$` expressions (SECURITY.md C1): the same
// answers as the regular expression it replaced, on every small case, without backtracking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, globTokens } from '../../../src/mapping/glob.ts';

/** What the matcher replaced: a glob compiled to an anchored regular expression. */
function asRegExp(pattern: string, withAnyOne: boolean, flags: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : withAnyOne && c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, `su${flags}`);
}

describe('globMatches', () => {
  it.each([
    ['arn:aws:iam::111111111111:role/*', 'arn:aws:iam::111111111111:role/Admin', true],
    ['arn:aws:iam::111111111111:role/*', 'arn:aws:iam::222222222222:role/Admin', false],
    ['*Admin*', 'x-Admin-y', true],
    ['*Admin', 'AdminX', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['', '', true],
    ['*', '', true],
    ['sts:AssumeRole*', 'sts:AssumeRoleWithSAML', true],
  ])('%s against %s → %s', (pattern, text, expected) => {
    expect(globMatches(globTokens(pattern, true), text)).toBe(expected);
  });

  it('? matches one character (a code point) only where asked for', () => {
    expect(globMatches(globTokens('a?c', true), 'abc')).toBe(true);
    expect(globMatches(globTokens('a?c', true), 'a😀c')).toBe(true);
    expect(globMatches(globTokens('a?c', false), 'abc')).toBe(false);
    expect(globMatches(globTokens('a?c', false), 'a?c')).toBe(true);
  });

  it('ignoreCase folds ASCII letters only', () => {
    expect(globMatches(globTokens('STS:Assume*', true), 'sts:assumerole', { ignoreCase: true })).toBe(true);
    expect(globMatches(globTokens('É*', true), 'é', { ignoreCase: true })).toBe(false);
  });

  it('agrees with the anchored regular expression on every small glob and text', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '.', '😀');
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 7 }), fc.string({ unit: fc.constantFrom('a', 'b', '.', '😀'), maxLength: 9 }), fc.boolean(),
      (pattern, text, withAnyOne) => {
        expect(globMatches(globTokens(pattern, withAnyOne), text)).toBe(asRegExp(pattern, withAnyOne, '').test(text));
      }), { numRuns: 3000 });
  });
});
