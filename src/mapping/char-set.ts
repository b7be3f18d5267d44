// Sets of Unicode code points as sorted, merged ranges: just enough algebra for the config-time
// safety check of group patterns (pattern-safety.ts), which asks "can these two repetitions match
// the same character?". Nothing here runs while mapping a person.

/** Inclusive code point ranges, sorted and merged. */
export type CharSet = ReadonlyArray<readonly [number, number]>;

export const MAX_CODE_POINT = 0x10ffff;

export const EMPTY: CharSet = [];
export const ALL: CharSet = [[0, MAX_CODE_POINT]];

export function single(cp: number): CharSet {
  return [[cp, cp]];
}

export function range(lo: number, hi: number): CharSet {
  return lo <= hi ? [[lo, hi]] : [];
}

export function union(...sets: CharSet[]): CharSet {
  const all = sets.flatMap((s) => s.map((r) => [r[0], r[1]] as [number, number])).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of union(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (ahi < blo) i++;
    else if (bhi < alo) j++;
    else return true;
  }
  return false;
}

export function isEmpty(set: CharSet): boolean {
  return set.length === 0;
}

export function contains(set: CharSet, cp: number): boolean {
  return set.some(([lo, hi]) => cp >= lo && cp <= hi);
}

// The classes of ECMAScript regular expressions (ECMA-262 "CharacterClassEscape"), u-mode.
export const DIGIT: CharSet = range(0x30, 0x39);
export const WORD: CharSet = union(DIGIT, range(0x41, 0x5a), single(0x5f), range(0x61, 0x7a));
export const SPACE: CharSet = union(
  range(0x09, 0x0d), single(0x20), single(0xa0), single(0x1680), range(0x2000, 0x200a),
  range(0x2028, 0x2029), single(0x202f), single(0x205f), single(0x3000), single(0xfeff),
);
/** What `.` matches without the `s` flag: everything but line terminators. */
export const DOT: CharSet = complement(union(single(0x0a), single(0x0d), range(0x2028, 0x2029)));

/**
 * The set widened by case: every ASCII letter gets its other case, and the two non-ASCII code points
 * that Unicode simple case folding maps onto ASCII letters (U+017F long s → s, U+212A Kelvin → k)
 * are joined to theirs. A superset of what the `iu` flags can match, which is all the safety check
 * needs: over-estimating overlaps only makes it stricter.
 */
export function withCaseVariants(set: CharSet): CharSet {
  const extra: CharSet[] = [];
  for (const [lo, hi] of set) {
    const upperLo = Math.max(lo, 0x41);
    const upperHi = Math.min(hi, 0x5a);
    if (upperLo <= upperHi) extra.push(range(upperLo + 32, upperHi + 32));
    const lowerLo = Math.max(lo, 0x61);
    const lowerHi = Math.min(hi, 0x7a);
    if (lowerLo <= lowerHi) extra.push(range(lowerLo - 32, lowerHi - 32));
  }
  let widened = union(set, ...extra);
  const pairs: Array<[number, number[]]> = [[0x17f, [0x53, 0x73]], [0x212a, [0x4b, 0x6b]]];
  for (const [special, letters] of pairs) {
    if (contains(widened, special) || letters.some((l) => contains(widened, l))) {
      widened = union(widened, single(special), ...letters.map(single));
    }
  }
  return widened;
}
