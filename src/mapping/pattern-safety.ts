// Proves at config time that a group pattern cannot be made slow by a crafted group name
// (SECURITY.md W7: group names are data and must not be able to cost the broker its CPU).
//
// JavaScript's regular expressions backtrack. Backtracking is only ever worse than linear when the
// same characters can be split between repetitions in more than one way, which takes one of three
// shapes, each refused here:
//   1. a repetition inside a repetition — `(a+)+`, `(?:\w+\.){0,3}` — exponential or polynomial;
//   2. a repetition of an alternation whose branches can start alike — `(a|ab)*` — exponential;
//   3. two repetitions in a row that can match the same character, with nothing between them
//      that only one of them could match — `\w+\w+`, `.*admins.*`, `[a-z-]+-[a-z-]+` — polynomial
//      (quadratic for two, cubic for three…).
// Only "long" repetitions count for 1 and 3 (`*`, `+`, `{n,}`, or an upper bound above 4): short
// bounded ones multiply the work by a constant. Alternations that are not repeated are treated as
// one opaque item made of all their characters, which errs towards refusing. What is left matches
// in time linear in the length of the name; mapping also never feeds a pattern a name longer than
// MAX_PATTERN_INPUT (normalise.ts), as a second line of defence.
import { overlaps, union, withCaseVariants, type CharSet } from './char-set.ts';
import type { PatternNode } from './pattern-syntax.ts';

const SHORT_REPEAT = 4;

const isLong = (n: PatternNode): boolean => n.kind === 'repeat' && n.max > SHORT_REPEAT;

function some(node: PatternNode, test: (n: PatternNode) => boolean): boolean {
  if (test(node)) return true;
  switch (node.kind) {
    case 'chars': return false;
    case 'seq': return node.items.some((n) => some(n, test));
    case 'alt': return node.branches.some((n) => some(n, test));
    case 'group': return some(node.body, test);
    case 'repeat': return some(node.body, test);
  }
}

/** Every character the node can match anywhere, widened by case (the rule may meet a case-insensitive connector). */
function charsOf(node: PatternNode): CharSet {
  switch (node.kind) {
    case 'chars': return withCaseVariants(node.set);
    case 'seq': return union(...node.items.map(charsOf));
    case 'alt': return union(...node.branches.map(charsOf));
    case 'group': return charsOf(node.body);
    case 'repeat': return charsOf(node.body);
  }
}

function nullable(node: PatternNode): boolean {
  switch (node.kind) {
    case 'chars': return false;
    case 'seq': return node.items.every(nullable);
    case 'alt': return node.branches.some(nullable);
    case 'group': return nullable(node.body);
    case 'repeat': return node.min === 0 || nullable(node.body);
  }
}

/** The characters a match of the node can start with. */
function firstOf(node: PatternNode): CharSet {
  switch (node.kind) {
    case 'chars': return withCaseVariants(node.set);
    case 'seq': {
      const parts: CharSet[] = [];
      for (const item of node.items) {
        parts.push(firstOf(item));
        if (!nullable(item)) break;
      }
      return union(...parts);
    }
    case 'alt': return union(...node.branches.map(firstOf));
    case 'group': return firstOf(node.body);
    case 'repeat': return firstOf(node.body);
  }
}

interface Item {
  chars: CharSet;
  nullable: boolean;
  /** A long repetition, or something holding one. */
  long: boolean;
}

/** A sequence as the engine walks it: plain groups opened up, alternations and repetitions kept whole. */
function flatten(node: PatternNode): Item[] {
  if (node.kind === 'seq') return node.items.flatMap(flatten);
  if (node.kind === 'group' && node.body.kind !== 'alt') return flatten(node.body);
  return [{ chars: charsOf(node), nullable: nullable(node), long: some(node, isLong) }];
}

function alternativesOverlap(alt: Extract<PatternNode, { kind: 'alt' }>): boolean {
  const firsts = alt.branches.map((b) => (nullable(b) ? null : firstOf(b)));
  if (firsts.some((f) => f === null)) return true;
  for (let i = 0; i < firsts.length; i++) {
    for (let j = i + 1; j < firsts.length; j++) if (overlaps(firsts[i]!, firsts[j]!)) return true;
  }
  return false;
}

/** Why the pattern is unsafe, in words for the config problem; undefined when it is safe. */
export function unsafePatternReason(ast: PatternNode): string | undefined {
  let reason: string | undefined;
  const visit = (node: PatternNode): void => {
    if (reason) return;
    if (node.kind === 'repeat') {
      const repeated = node.max > 1;
      if (repeated && (isLong(node) ? some(node.body, (n) => n.kind === 'repeat' && n.max > 1) : some(node.body, isLong))) {
        reason = 'it repeats a group that itself contains a repetition (e.g. (a+)+ or (?:\\w+\\.){0,3}), which a crafted group name can make slow';
        return;
      }
      if (isLong(node) && some(node.body, (n) => n.kind === 'alt' && alternativesOverlap(n))) {
        reason = 'it repeats an alternation whose branches can start with the same character (e.g. (a|ab)*), which a crafted group name can make slow';
        return;
      }
    }
    if (node.kind === 'seq' || (node.kind === 'group' && node.body.kind !== 'alt')) {
      const items = flatten(node);
      for (let i = 0; i < items.length && !reason; i++) {
        const first = items[i]!;
        if (!first.long) continue;
        for (let j = i + 1; j < items.length; j++) {
          const next = items[j]!;
          const shared = overlaps(first.chars, next.chars);
          if (next.long && shared) {
            reason = 'two repetitions in a row can match the same characters (e.g. \\w+\\w+, .*x.*, [a-z-]+-[a-z-]+), which a crafted group name can make slow; put a separator between them that the first cannot match, such as [^#]+#';
            break;
          }
          if (!next.nullable && !shared) break;
        }
      }
    }
    switch (node.kind) {
      case 'seq': node.items.forEach(visit); break;
      case 'alt': node.branches.forEach(visit); break;
      case 'group': visit(node.body); break;
      case 'repeat': visit(node.body); break;
      case 'chars': break;
    }
  };
  visit(ast);
  return reason;
}
