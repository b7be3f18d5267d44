// A `groupPattern` rule's matcher, compiled once when the config is loaded: parsed (pattern-syntax),
// proved safe against slow matching (pattern-safety), anchored at both ends, and built into two
// engines — exact, and case-insensitive for connectors whose groups are. Patterns come from config
// only; a group name is only ever the input, never part of a pattern (W7).
import { capturesOf, literalPrefix, minLength, parsePattern, PatternSyntaxError } from './pattern-syntax.ts';
import { unsafePatternReason } from './pattern-safety.ts';
import { foldAsciiCase, hasNonAsciiCaseFold, MAX_PATTERN_INPUT } from './normalise.ts';

/** Config patterns longer than this are refused: nobody can review them at a glance. */
export const MAX_PATTERN_SOURCE = 512;

export interface GroupPattern {
  /** As written in config. */
  source: string;
  /** Named captures, in order. */
  captures: readonly string[];
  /** Captures that a match may leave unset (inside `?`, `*` or one branch of `|`). */
  optionalCaptures: ReadonlySet<string>;
  /** The fewest characters a matching name has; Infinity when nothing can match. */
  minLength: number;
  /**
   * Whether `name` passes the cheap tests (length, the pattern's fixed leading text, no letters that
   * fold onto ASCII when case is ignored), so that only then the engine is worth running.
   */
  candidate(name: string, caseInsensitive: boolean): boolean;
  /**
   * The text every candidate name starts with, compared as `candidate` compares it (ASCII-folded
   * when case is ignored); empty when nothing can be relied on. pattern-index.ts files patterns by it.
   */
  prefix(caseInsensitive: boolean): string;
  /**
   * Captured values when the whole of `name` matches, else undefined. `name` must already be NFC
   * (map-roles.ts sees to it); names failing `candidate` never match.
   */
  match(name: string, caseInsensitive: boolean): Record<string, string | undefined> | undefined;
  /** The regular expressions `match` runs, so that a test can prove each of them linear. */
  expressions: readonly RegExp[];
}

export function compileGroupPattern(source: string): { pattern: GroupPattern } | { problem: string } {
  if (source.length > MAX_PATTERN_SOURCE) return { problem: `is longer than ${MAX_PATTERN_SOURCE} characters` };
  let parsed;
  try {
    parsed = parsePattern(source);
  } catch (e) {
    if (e instanceof PatternSyntaxError) return { problem: `is not an accepted pattern: ${e.message}` };
    throw e;
  }
  const unsafe = unsafePatternReason(parsed.ast);
  if (unsafe) return { problem: `is refused because ${unsafe}` };
  const captureList = capturesOf(parsed.ast);
  const names = captureList.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) return { problem: `names the capture "${duplicate}" twice` };

  // Anchored here, whatever was written: the whole name must match, and `a|b` means `^(?:a|b)$`.
  const anchored = `^(?:${parsed.body})$`;
  // Most names do not match; a probe without capture groups turns them away about twice as fast
  // (the engine tracks no capture positions while it backtracks), and only a match is run again
  // to read its captures.
  const anchoredProbe = `^(?:${parsed.bodyWithoutCaptures})$`;
  let exact: RegExp;
  let folded: RegExp;
  let exactProbe: RegExp;
  let foldedProbe: RegExp;
  try {
    exact = new RegExp(anchored, 'u');
    folded = new RegExp(anchored, 'iu');
    exactProbe = new RegExp(anchoredProbe, 'u');
    foldedProbe = new RegExp(anchoredProbe, 'iu');
  } catch (e) {
    return { problem: `is not a valid regular expression: ${(e as Error).message}` };
  }

  // A cheap first test: names not starting with the pattern's fixed text never reach the engine.
  // The folded form compares like the `i` flag does for the ASCII letters it may hold; names with
  // the two non-ASCII letters that fold onto ASCII never meet a folding pattern (below).
  const prefix = literalPrefix(parsed.ast);
  const foldedPrefix = foldAsciiCase(prefix);
  const prefixFoldsAsAscii = !/[^\x00-\x7f]/.test(prefix);
  const candidate = (name: string, caseInsensitive: boolean): boolean => {
    if (name.length > MAX_PATTERN_INPUT) return false;
    if (!caseInsensitive) return !prefix || name.startsWith(prefix);
    if (prefix && prefixFoldsAsAscii && foldAsciiCase(name.slice(0, prefix.length)) !== foldedPrefix) return false;
    // `iu` folds U+017F and U+212A onto ASCII letters; such names never meet a folding pattern.
    return !hasNonAsciiCaseFold(name);
  };

  return {
    pattern: {
      source,
      captures: names,
      optionalCaptures: new Set(captureList.filter((c) => c.optional).map((c) => c.name)),
      minLength: minLength(parsed.ast),
      candidate,
      prefix: (caseInsensitive) => (!caseInsensitive ? prefix : prefixFoldsAsAscii ? foldedPrefix : ''),
      expressions: [exact, folded, exactProbe, foldedProbe],
      match(name, caseInsensitive) {
        if (!candidate(name, caseInsensitive)) return undefined;
        if (!(caseInsensitive ? foldedProbe : exactProbe).test(name)) return undefined;
        const m = (caseInsensitive ? folded : exact).exec(name);
        if (!m) return undefined;
        return { ...m.groups };
      },
    },
  };
}
