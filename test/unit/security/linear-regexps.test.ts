// SECURITY.md C1: no regular expression Hatrack runs can be made to backtrack super-linearly.
// Every regular-expression literal in src/ is proven linear by recheck, with its own flags; a new
// one that is not fails this test with the input that makes it slow. Expressions built at run time
// are allowed only where listed below, and those come from configuration: the group patterns of
// `roles[]`, which pattern-safety.ts must refuse whenever recheck could find them slow — checked on
// every pattern of the demo and the README, and on generated ones.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../../src/dev/demo-config.ts';
import { compileGroupPattern } from '../../../src/mapping/group-pattern.ts';
import { linearity, regexpsIn } from '../../support/regexps.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const found = regexpsIn(`${root}src`, root);

/** Where src/ builds an expression from a string, and what that string is made of. */
const CONSTRUCTED: Record<string, string> = {
  'src/mapping/group-pattern.ts': 'groupPattern rules from configuration, proven safe by pattern-safety.ts (checked below)',
};

describe('regular-expression literals in src/', () => {
  it('are found (the walk reads every file)', () => {
    expect(found.filter((r) => r.kind === 'literal').length).toBeGreaterThan(100);
    expect(new Set(found.map((r) => r.file.split('/')[1])).size).toBeGreaterThan(5);
  });

  for (const r of found.filter((f) => f.kind === 'literal')) {
    it(`${r.file}:${r.line} /${r.source}/${r.flags} is linear`, () => {
      const verdict = linearity(r.source!, r.flags!);
      expect(verdict.linear, verdict.said).toBe(true);
    });
  }
});

describe('regular expressions built at run time', () => {
  it('are built only where their sources are known to be checked', () => {
    const unexpected = found.filter((r) => r.kind === 'constructed' && !(r.file in CONSTRUCTED)).map((r) => `${r.file}:${r.line}`);
    expect(unexpected, 'a RegExp built from a string: prove its sources linear here, or use a literal or a matcher').toEqual([]);
  });
});

/** The groupPattern values written in the README's YAML examples. */
function readmePatterns(): string[] {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  return [...readme.matchAll(/groupPattern: ("(?:[^"\\]|\\.)*")/g)].map((m) => parseYaml(m[1]!) as string);
}

function demoPatterns(): string[] {
  const config = demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'x', sessionSecret: 'y' });
  return (config.roles ?? []).flatMap((r) => (r.groupPattern === undefined ? [] : [r.groupPattern]));
}

function expectEveryEngineLinear(source: string): void {
  const compiled = compileGroupPattern(source);
  if ('problem' in compiled) throw new Error(`${source}: ${compiled.problem}`);
  for (const re of compiled.pattern.expressions) {
    const verdict = linearity(re.source, re.flags);
    expect(verdict.linear, `${source} compiles to /${re.source}/${re.flags}: ${verdict.said}`).toBe(true);
  }
}

describe('group patterns from configuration', () => {
  it('the README and the demo write some', () => {
    expect(readmePatterns().length).toBeGreaterThanOrEqual(3);
    expect(demoPatterns().length).toBeGreaterThanOrEqual(1);
  });

  it('every pattern of the README and the demo compiles to linear expressions', () => {
    for (const source of [...readmePatterns(), ...demoPatterns()]) expectEveryEngineLinear(source);
  });

  // Patterns as people write them, from a small grammar: characters and classes, groups,
  // alternation, greedy and lazy quantifiers. pattern-safety.ts accepts some of them, and each of
  // those must be linear in recheck's judgement too.
  const { pattern } = fc.letrec<{ pattern: string; atom: string; item: string; sequence: string }>((tie) => ({
    atom: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('a', 'b', '-', '#', '@', '\\.', '.', '\\w', '\\d', '\\s', '[a-z]', '[^#]', '[a-z-]', '[ab]', '\\p{L}'),
      tie('pattern').map((p) => `(?:${p})`),
      tie('pattern').map((p) => `(?<c>${p})`),
    ),
    item: fc.tuple(tie('atom'), fc.constantFrom('', '', '', '', '', '*', '+', '?', '{1,3}', '{2,}', '{0,8}', '*?', '+?')).map(([a, q]) => a + q),
    sequence: fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((items) => items.join('')),
    pattern: fc.array(tie('sequence'), { minLength: 1, maxLength: 3 }).map((branches) => branches.join('|')),
  }));
  it('every generated pattern that pattern-safety accepts compiles to linear expressions', () => {
    let accepted = 0;
    fc.assert(fc.property(pattern, (source) => {
      if ('problem' in compileGroupPattern(source)) return;
      accepted++;
      expectEveryEngineLinear(source);
    }), { numRuns: 1500, seed: 7 });
    expect(accepted, 'enough generated patterns are accepted for the comparison to mean something').toBeGreaterThan(40);
  }, 120_000);
});
