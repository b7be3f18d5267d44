// Which names each group-pattern rule has to look at, found without trying every pattern on every
// name: the patterns are filed by their fixed leading text once, when the rules are compiled, and
// each of a person's names is looked up by its own leading text, once for each length such a text
// has. A person with N groups against N pattern rules thus costs a few lookups per name, not
// N × N prefix tests (bench/mapping-growth.ts).
//
// The pattern engine's budget (MAX_PATTERN_WORK) is counted here over all rules at once, before any
// pattern runs: when the names every rule would have to read add up to more than the budget, no
// pattern is tried at all, so the answer never depends on where a rule stands in the list.
import type { CompiledRule } from './rules.ts';
import { foldAsciiCase, MAX_PATTERN_INPUT, MAX_PATTERN_WORK } from './normalise.ts';

type PatternRule = CompiledRule & { match: { kind: 'pattern' } };

/** Pattern rules filed by leading text, for one way of comparing names (exact or ASCII-folded). */
interface PrefixFile {
  /** Leading text → the rules whose names must start with it, in rule order. */
  byPrefix: Map<string, PatternRule[]>;
  /** The distinct lengths of those texts, so a name is cut only where some rule's text ends. */
  lengths: number[];
  /** Rules with no leading text: every name is a candidate. */
  everyName: PatternRule[];
}

function fileRules(rules: readonly PatternRule[], caseInsensitive: boolean): PrefixFile {
  const byPrefix = new Map<string, PatternRule[]>();
  const everyName: PatternRule[] = [];
  for (const rule of rules) {
    const prefix = rule.match.pattern.prefix(caseInsensitive);
    if (prefix === '') everyName.push(rule);
    else byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), rule]);
  }
  const lengths = [...new Set([...byPrefix.keys()].map((p) => p.length))].sort((a, b) => a - b);
  return { byPrefix, lengths, everyName };
}

export interface PatternCandidates {
  /** The names a pattern rule must try, in the order the IdP sent them (empty for other rules). */
  of(rule: CompiledRule): readonly string[];
}

/** The result when the candidates hold more characters than the pattern engine may read. */
export const OVER_BUDGET = 'over-budget';

export class PatternIndex {
  private readonly exact: PrefixFile;
  private readonly folded: PrefixFile;

  constructor(rules: readonly CompiledRule[]) {
    const patterns = rules.filter((r): r is PatternRule => r.match.kind === 'pattern');
    this.exact = fileRules(patterns, false);
    this.folded = fileRules(patterns, true);
  }

  /**
   * Each rule's candidate names among `names` (NFC, in the order sent), for the rules `applies`
   * keeps; OVER_BUDGET when they add up to more than MAX_PATTERN_WORK characters.
   */
  candidates(names: readonly string[], caseInsensitive: boolean, applies: (rule: CompiledRule) => boolean): PatternCandidates | typeof OVER_BUDGET {
    const file = caseInsensitive ? this.folded : this.exact;
    const found = new Map<CompiledRule, string[]>();
    let work = 0;
    const offer = (rule: PatternRule, name: string): boolean => {
      if (!applies(rule) || !rule.match.pattern.candidate(name, caseInsensitive)) return true;
      // One more per name, so that ten thousand empty names are work too.
      work += name.length + 1;
      if (work > MAX_PATTERN_WORK) return false;
      const list = found.get(rule);
      if (list) list.push(name);
      else found.set(rule, [name]);
      return true;
    };
    const longest = file.lengths.at(-1) ?? 0;
    for (const name of names) {
      if (name.length > MAX_PATTERN_INPUT) continue; // no pattern is ever tried on it
      for (const rule of file.everyName) if (!offer(rule, name)) return OVER_BUDGET;
      if (longest === 0) continue;
      const head = caseInsensitive ? foldAsciiCase(name.slice(0, longest)) : name;
      for (const length of file.lengths) {
        if (length > head.length) break;
        for (const rule of file.byPrefix.get(head.slice(0, length)) ?? []) if (!offer(rule, name)) return OVER_BUDGET;
      }
    }
    return { of: (rule) => found.get(rule) ?? [] };
  }
}
