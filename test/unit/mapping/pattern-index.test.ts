// The pattern index (pattern-index.ts) hands each pattern rule exactly the names its own cheap test
// would let through, in the order sent, while trying far fewer (rule, name) pairs: the work of
// mapping N names against N pattern rules with distinct fixed texts grows with N, not N × N — the
// class of super-linear work on attacker input, counted here, not timed. The engine's budget is
// counted over all rules at once, so a rule's place in the list never changes the answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import { MAX_PATTERN_WORK } from '../../../src/mapping/normalise.ts';
import { OVER_BUDGET } from '../../../src/mapping/pattern-index.ts';
import type { CompiledRule } from '../../../src/mapping/rules.ts';
import { person, rulesOf } from './support.ts';

const patternSources = ['^aws#(?<a>[a-z]+)$', '^aws#prod#(?<r>\\w+)$', '^Team-(?<t>[a-z]+)$', '^team-x(?<t>[a-z]*)$', '^(?<any>.+)-admins$', '^é(?<e>.*)$', '^a(?<a>.*)$'];
const namePieces = ['aws#', 'prod#', 'Team-', 'team-', 'x', 'a', 'A', 'é', '-admins', 'ſ', 'K', '#', 'z'];

function rulesWith(sources: string[]) {
  return rulesOf(sources.map((groupPattern, i) => ({ groupPattern, role: `arn:aws:iam::{dev}:role/r${i}` })));
}

describe('pattern candidates', () => {
  it('are, for every rule, exactly the names its own test lets through, in the order sent, exact or ignoring case', () => {
    fc.assert(fc.property(
      fc.subarray(patternSources, { minLength: 1 }),
      fc.array(fc.array(fc.constantFrom(...namePieces), { maxLength: 5 }).map((p) => p.join('')), { maxLength: 30 }),
      fc.boolean(),
      (sources, names, caseInsensitive) => {
        const { rules, patterns } = rulesWith(sources);
        const found = patterns.candidates(names, caseInsensitive, () => true);
        expect(found).not.toBe(OVER_BUDGET);
        if (found === OVER_BUDGET) return;
        for (const rule of rules) {
          if (rule.match.kind !== 'pattern') continue;
          const pattern = rule.match.pattern;
          expect(found.of(rule), `${pattern.source} ci=${caseInsensitive}`).toEqual(names.filter((n) => pattern.candidate(n, caseInsensitive)));
        }
      },
    ), { numRuns: 400, seed: 7 });
  });

  it('leave out the rules the person\'s connector is not in scope of', () => {
    const { rules, patterns } = rulesWith(['^aws#(?<a>[a-z]+)$', '^aws#p(?<a>[a-z]+)$']);
    const found = patterns.candidates(['aws#prod'], false, (r) => r.index === 1);
    if (found === OVER_BUDGET) throw new Error('over budget');
    expect(rules.map((r) => found.of(r))).toEqual([[], ['aws#prod']]);
  });

  it('for N names against N rules with distinct fixed texts, try about N (rule, name) pairs, not N × N', () => {
    for (const n of [100, 1_000]) {
      const ruleSet = rulesWith(Array.from({ length: n }, (_, i) => `^p${i}-(?<r>[a-z]+)$`));
      let tried = 0;
      for (const rule of ruleSet.rules as CompiledRule[]) {
        if (rule.match.kind !== 'pattern') continue;
        const pattern = rule.match.pattern;
        const own = pattern.candidate.bind(pattern);
        pattern.candidate = (name, ci) => { tried++; return own(name, ci); };
      }
      // Every name starts like some rule's text; one in a hundred matches its rule.
      const names = Array.from({ length: n }, (_, i) => (i % 100 === 0 ? `p${i}-ok` : `p${i}x-no`));
      const grants = mapRoles(person('pat@corp.example', names), ruleSet).grants;
      expect(grants).toHaveLength(n / 100);
      expect(tried, `${n} names × ${n} rules`).toBeLessThanOrEqual(4 * n);
    }
  });

  it('count the engine\'s budget over all rules before any runs: over it, no pattern rule grants, wherever it stands', () => {
    // 4 500 names of 230 characters that every rule must try: 1.04 M characters, over the budget.
    const flood = Array.from({ length: 4_500 }, (_, i) => `aws#${'a'.repeat(220)}#${String(i).padStart(4, '0')}`);
    expect(flood.reduce((n, name) => n + name.length + 1, 0)).toBeGreaterThan(MAX_PATTERN_WORK);
    const first = rulesOf([
      { groupPattern: '^aws#prod#(?<r>Admin)$', role: 'arn:aws:iam::{prod}:role/{r}' },
      { groupPattern: '^aws#(?<x>a+)#\\d+$', role: 'arn:aws:iam::{dev}:role/Flood' },
    ]);
    const result = mapRoles(person('m@corp.example', ['aws#prod#Admin', ...flood]), first);
    expect(result.grants).toEqual([]);
    expect(result.trace.map((t) => [t.rule, t.outcome])).toEqual([[0, 'dropped'], [1, 'dropped']]);
    // Ten thousand empty names cost something too (one each), so they cannot be tried for free.
    const { patterns } = rulesWith(Array.from({ length: 101 }, (_, i) => `^(?<v${i}>.*)$`));
    expect(patterns.candidates(Array.from({ length: 10_000 }, () => ''), false, () => true)).toBe(OVER_BUDGET);
  });
});
