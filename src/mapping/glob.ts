// Wildcard matching in the style of IAM's StringLike: `*` matches any run of characters (none
// included), and, where asked for, `?` matches exactly one. Built without regular expressions:
// a glob with several stars compiled to `^a.*b.*c$` backtracks in time polynomial in the text
// (SECURITY.md C1), while this matcher is linear in the text for a given glob. The glob is split at
// its stars into pieces; the first piece must start the text, the last must end it, and each piece
// between is taken at its leftmost place after the previous one — which is always safe for `*`,
// because any later place would only leave less text for the pieces after it.

export type GlobToken = { text: string } | { anyOne: true } | { anyRun: true };

export interface GlobOptions {
  /** Compare ASCII letters ignoring case (IAM action names). */
  ignoreCase?: boolean;
}

/** The tokens of an IAM-style glob: `*` any run, `?` one character, everything else literal. */
export function globTokens(pattern: string, withAnyOne: boolean): GlobToken[] {
  const tokens: GlobToken[] = [];
  let text = '';
  for (const c of pattern) {
    if (c === '*' || (withAnyOne && c === '?')) {
      if (text) tokens.push({ text });
      text = '';
      tokens.push(c === '*' ? { anyRun: true } : { anyOne: true });
    } else {
      text += c;
    }
  }
  if (text) tokens.push({ text });
  return tokens;
}

/** One piece between stars: literal text and single-character wildcards, in order (code points). */
type Piece = Array<string | null>;

/** The pieces between the stars; a glob with n stars has n + 1 pieces, some maybe empty. */
function piecesOf(tokens: readonly GlobToken[]): Piece[] {
  const pieces: Piece[] = [[]];
  for (const t of tokens) {
    if ('anyRun' in t) pieces.push([]);
    else if ('anyOne' in t) pieces[pieces.length - 1]!.push(null);
    else pieces[pieces.length - 1]!.push(...t.text);
  }
  return pieces;
}

const fold = (c: string) => (c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);

/** Whether `piece` matches the code points of `text` starting at index `at`. */
function pieceAt(text: readonly string[], at: number, piece: Piece, ignoreCase: boolean): boolean {
  if (at + piece.length > text.length) return false;
  for (let i = 0; i < piece.length; i++) {
    const want = piece[i];
    if (want === null) continue;
    const got = text[at + i]!;
    if (ignoreCase ? fold(got) !== fold(want!) : got !== want) return false;
  }
  return true;
}

/** Whether the whole of `text` matches the glob. */
export function globMatches(tokens: readonly GlobToken[], text: string, options: GlobOptions = {}): boolean {
  const ignoreCase = options.ignoreCase === true;
  const chars = [...text];
  const pieces = piecesOf(tokens);
  if (pieces.length === 1) return pieces[0]!.length === chars.length && pieceAt(chars, 0, pieces[0]!, ignoreCase);
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  if (head.length + tail.length > chars.length) return false;
  if (!pieceAt(chars, 0, head, ignoreCase) || !pieceAt(chars, chars.length - tail.length, tail, ignoreCase)) return false;
  let at = head.length;
  const end = chars.length - tail.length;
  for (const piece of pieces.slice(1, -1)) {
    let found = -1;
    for (let i = at; i + piece.length <= end; i++) {
      if (pieceAt(chars, i, piece, ignoreCase)) {
        found = i;
        break;
      }
    }
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}
