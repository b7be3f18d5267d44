// Reads a `groupPattern` from config into a small syntax tree, so that Hatrack can prove things
// about it before it ever meets a group name (pattern-safety.ts) and knows its named captures.
//
// The accepted language is a subset of ECMAScript regular expressions in `u` mode: literals and
// escapes, `.`, classes `[...]`, `\d \w \s` (and negations), `\p{…}`, groups `(…)`, `(?:…)`,
// `(?<name>…)`, alternation, and the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy). `^` may
// open and `$` may close the pattern; anywhere else they are refused, because Hatrack anchors every
// pattern itself (the whole group name must match) and an anchor inside an alternation reads as
// something it is not. Refused outright: backreferences and lookarounds (they defeat the
// linear-time argument of pattern-safety.ts), word-boundary assertions, inline flags.
import {
  ALL, DIGIT, DOT, EMPTY, SPACE, WORD, complement, range, single, union, type CharSet,
} from './char-set.ts';

export type PatternNode =
  | { kind: 'chars'; set: CharSet }
  | { kind: 'seq'; items: PatternNode[] }
  | { kind: 'alt'; branches: PatternNode[] }
  | { kind: 'group'; name?: string; body: PatternNode }
  | { kind: 'repeat'; body: PatternNode; min: number; max: number };

export interface ParsedPattern {
  ast: PatternNode;
  /** The pattern without its optional leading `^` and trailing `$`. */
  body: string;
  /** The body with every named group made non-capturing: the same language, matched faster. */
  bodyWithoutCaptures: string;
}

export class PatternSyntaxError extends Error {
  override readonly name = 'PatternSyntaxError';
  readonly at: number;
  constructor(message: string, at: number) {
    super(`${message} (at character ${at + 1})`);
    this.at = at;
  }
}

/** Largest `{n,m}` bound accepted: more is never needed to match a group name, and bloats the engine. */
const MAX_BOUND = 1000;
const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

export function parsePattern(source: string): ParsedPattern {
  return new Parser(source).parse();
}

class Parser {
  private pos = 0;
  private end: number;
  private start = 0;
  /** Where each `(?<name>` opener starts and how long it is. */
  private readonly namedOpeners: Array<{ at: number; length: number }> = [];

  private readonly src: string;

  constructor(src: string) {
    this.src = src;
    this.end = src.length;
  }

  parse(): ParsedPattern {
    if (this.src.startsWith('^')) this.start = this.pos = 1;
    if (this.endsWithAnchor()) this.end = this.src.length - 1;
    const ast = this.alternation(0);
    if (this.pos < this.end) {
      throw new PatternSyntaxError(this.src[this.pos] === ')' ? 'unbalanced ")"' : `unexpected "${this.src[this.pos]}"`, this.pos);
    }
    let bodyWithoutCaptures = '';
    let from = this.start;
    for (const opener of this.namedOpeners) {
      bodyWithoutCaptures += `${this.src.slice(from, opener.at)}(?:`;
      from = opener.at + opener.length;
    }
    bodyWithoutCaptures += this.src.slice(from, this.end);
    return { ast, body: this.src.slice(this.start, this.end), bodyWithoutCaptures };
  }

  /** A `$` that closes the pattern: the last character, not escaped (an odd run of backslashes before it escapes it). */
  private endsWithAnchor(): boolean {
    if (!this.src.endsWith('$') || this.src.length - 1 < this.start) return false;
    let slashes = 0;
    for (let i = this.src.length - 2; i >= 0 && this.src[i] === '\\'; i--) slashes++;
    return slashes % 2 === 0;
  }

  private peek(): string | undefined {
    return this.pos < this.end ? this.src[this.pos] : undefined;
  }

  private alternation(depth: number): PatternNode {
    const branches = [this.sequence(depth)];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.sequence(depth));
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private sequence(depth: number): PatternNode {
    const items: PatternNode[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || (c === ')' && depth > 0)) break;
      if (c === ')') throw new PatternSyntaxError('unbalanced ")"', this.pos);
      const atom = this.atom(depth);
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private quantified(atom: PatternNode): PatternNode {
    const at = this.pos;
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.end));
      if (!m) throw new PatternSyntaxError('"{" must start a quantifier such as {2,5} (write \\{ for the character)', at);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_BOUND || (max !== Infinity && max > MAX_BOUND)) throw new PatternSyntaxError(`quantifier bounds above ${MAX_BOUND} are not accepted`, at);
      if (max < min) throw new PatternSyntaxError('quantifier bounds are out of order', at);
      this.pos += m[0].length - 1;
    } else {
      return atom;
    }
    this.pos++;
    if (this.peek() === '?') this.pos++; // lazy: the same language, the same safety
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || next === '{') throw new PatternSyntaxError('a quantifier cannot follow a quantifier', this.pos);
    return { kind: 'repeat', body: atom, min, max };
  }

  private atom(depth: number): PatternNode {
    const at = this.pos;
    const c = this.src[this.pos]!;
    switch (c) {
      case '(':
        return this.group(depth);
      case '[':
        return { kind: 'chars', set: this.charClass() };
      case '.':
        this.pos++;
        return { kind: 'chars', set: DOT };
      case '\\':
        return { kind: 'chars', set: this.escape(false) };
      case '^':
        throw new PatternSyntaxError('"^" may only open the pattern (Hatrack anchors every pattern at both ends)', at);
      case '$':
        throw new PatternSyntaxError('"$" may only close the pattern (Hatrack anchors every pattern at both ends)', at);
      case '*': case '+': case '?': case '{':
        throw new PatternSyntaxError(`nothing to repeat before "${c}"`, at);
      case ']': case '}':
        throw new PatternSyntaxError(`a lone "${c}" must be escaped`, at);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return { kind: 'chars', set: single(cp) };
      }
    }
  }

  private group(depth: number): PatternNode {
    const at = this.pos;
    this.pos++;
    let name: string | undefined;
    if (this.src.startsWith('?', this.pos)) {
      const rest = this.src.slice(this.pos, this.end);
      if (rest.startsWith('?:')) {
        this.pos += 2;
      } else if (/^\?<[=!]/.test(rest) || /^\?[=!]/.test(rest)) {
        throw new PatternSyntaxError('lookarounds are not accepted in group patterns', at);
      } else if (rest.startsWith('?<')) {
        const m = /^\?<([A-Za-z_][A-Za-z0-9_]{0,63})>/.exec(rest);
        if (!m) throw new PatternSyntaxError('a capture name must be letters, digits or _ (and not start with a digit)', at);
        name = m[1];
        this.pos += m[0].length;
        this.namedOpeners.push({ at, length: 1 + m[0].length });
      } else {
        throw new PatternSyntaxError('inline flags and other (?…) forms are not accepted', at);
      }
    }
    const body = this.alternation(depth + 1);
    if (this.peek() !== ')') throw new PatternSyntaxError('unclosed "("', at);
    this.pos++;
    return { kind: 'group', name, body };
  }

  /** One escape sequence; `inClass` for the rules inside `[...]`. */
  private escape(inClass: boolean): CharSet {
    const at = this.pos;
    this.pos++; // the backslash
    const c = this.peek();
    if (c === undefined) throw new PatternSyntaxError('the pattern ends with a lone "\\"', at);
    this.pos++;
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT);
      case 'w': return WORD;
      case 'W': return complement(WORD);
      case 's': return SPACE;
      case 'S': return complement(SPACE);
      case 't': return single(0x09);
      case 'n': return single(0x0a);
      case 'v': return single(0x0b);
      case 'f': return single(0x0c);
      case 'r': return single(0x0d);
      case '0':
        if (/\d/.test(this.peek() ?? '')) throw new PatternSyntaxError('octal escapes are not accepted', at);
        return single(0);
      case 'p': case 'P': {
        // A Unicode property: its exact set is the engine's business; any character may be in it,
        // which is what the safety check assumes.
        const m = /^\{[A-Za-z0-9_=]+\}/.exec(this.src.slice(this.pos, this.end));
        if (!m) throw new PatternSyntaxError('\\p must be followed by a property such as {L}', at);
        this.pos += m[0].length;
        return ALL;
      }
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos, this.end));
        if (!m) throw new PatternSyntaxError('\\x must be followed by two hex digits', at);
        this.pos += 2;
        return single(parseInt(m[0], 16));
      }
      case 'u': {
        const rest = this.src.slice(this.pos, this.end);
        const m = /^([0-9A-Fa-f]{4})|^\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
        const cp = m ? parseInt(m[1] ?? m[2]!, 16) : NaN;
        if (!m || cp > 0x10ffff) throw new PatternSyntaxError('\\u must be followed by four hex digits or {hex}', at);
        this.pos += m[0].length;
        return single(cp);
      }
      case 'c': {
        const letter = this.peek();
        if (!letter || !/[A-Za-z]/.test(letter)) throw new PatternSyntaxError('\\c must be followed by a letter', at);
        this.pos++;
        return single(letter.charCodeAt(0) % 32);
      }
      case 'b':
        if (inClass) return single(0x08);
        throw new PatternSyntaxError('word-boundary assertions (\\b) are not accepted', at);
      case 'B':
        throw new PatternSyntaxError('word-boundary assertions (\\B) are not accepted', at);
      case 'k':
        throw new PatternSyntaxError('backreferences are not accepted in group patterns', at);
      default:
        if (/[1-9]/.test(c)) throw new PatternSyntaxError('backreferences are not accepted in group patterns', at);
        if (SYNTAX_CHARS.includes(c) || (inClass && c === '-')) return single(c.codePointAt(0)!);
        throw new PatternSyntaxError(`"\\${c}" is not an escape (write the character itself)`, at);
    }
  }

  private charClass(): CharSet {
    const at = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const parts: CharSet[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new PatternSyntaxError('unclosed "["', at);
      if (c === ']') {
        this.pos++;
        break;
      }
      const lo = this.classAtom();
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.end) {
        const dash = this.pos;
        this.pos++;
        const hi = this.classAtom();
        if (lo.single === undefined || hi.single === undefined) throw new PatternSyntaxError('a class such as \\w cannot be the end of a range', dash);
        if (hi.single < lo.single) throw new PatternSyntaxError('a range in [...] is out of order', dash);
        parts.push(range(lo.single, hi.single));
      } else {
        parts.push(lo.set);
      }
    }
    const set = parts.length === 0 ? EMPTY : union(...parts);
    return negated ? complement(set) : set;
  }

  private classAtom(): { set: CharSet; single?: number } {
    if (this.peek() === '\\') {
      const set = this.escape(true);
      return set.length === 1 && set[0]![0] === set[0]![1] ? { set, single: set[0]![0] } : { set };
    }
    const c = this.src[this.pos]!;
    if (c === '[') throw new PatternSyntaxError('a "[" inside a class must be escaped', this.pos);
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return { set: single(cp), single: cp };
  }
}

/** Named captures in the order they open, each with whether it can be left unset by a match. */
export function capturesOf(ast: PatternNode): Array<{ name: string; optional: boolean }> {
  const out: Array<{ name: string; optional: boolean }> = [];
  const walk = (node: PatternNode, optional: boolean): void => {
    switch (node.kind) {
      case 'chars': return;
      case 'seq': node.items.forEach((n) => walk(n, optional)); return;
      case 'alt': node.branches.forEach((n) => walk(n, true)); return;
      case 'group':
        if (node.name) out.push({ name: node.name, optional });
        walk(node.body, optional);
        return;
      case 'repeat': walk(node.body, optional || node.min === 0); return;
    }
  };
  walk(ast, false);
  return out;
}

/**
 * The literal text every match starts with (single characters in a row at the very start, outside
 * any repetition or alternation), so names that cannot match are passed over without running the
 * engine.
 */
export function literalPrefix(node: PatternNode): string {
  let out = '';
  const walk = (n: PatternNode): boolean => {
    if (n.kind === 'chars') {
      const only = n.set.length === 1 && n.set[0]![0] === n.set[0]![1] ? n.set[0]![0] : undefined;
      if (only === undefined) return false;
      out += String.fromCodePoint(only);
      return true;
    }
    if (n.kind === 'seq') {
      for (const item of n.items) if (!walk(item)) return false;
      return true;
    }
    if (n.kind === 'group') return walk(n.body);
    if (n.kind === 'repeat' && n.min === n.max && n.min > 0 && n.min <= 16) {
      for (let i = 0; i < n.min; i++) if (!walk(n.body)) return false;
      return true;
    }
    return false;
  };
  walk(node);
  return out;
}

/** The fewest characters a match needs; Infinity when nothing can match (an empty class on the way). */
export function minLength(node: PatternNode): number {
  switch (node.kind) {
    case 'chars': return node.set.length === 0 ? Infinity : 1;
    case 'seq': return node.items.reduce((sum, n) => sum + minLength(n), 0);
    case 'alt': return Math.min(...node.branches.map(minLength));
    case 'group': return minLength(node.body);
    case 'repeat': return node.min === 0 ? 0 : node.min * minLength(node.body);
  }
}
