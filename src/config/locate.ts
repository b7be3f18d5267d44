// Where a problem is in the YAML file: line, column and the line's text, from the problem's path
// (`connectors[0].idpCerts[1]`) through the parsed document's node ranges.
import type { Document, LineCounter } from 'yaml';
import { isNode, isPair, isScalar } from 'yaml';

export interface Place {
  line: number;
  column: number;
  snippet: string;
}

/** `roles[2].role` → ['roles', 2, 'role']; `(root)` → []. */
export function pathParts(path: string): Array<string | number> {
  if (path === '(root)') return [];
  const parts: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return parts;
}

/**
 * The place of the deepest node the path reaches: a setting's key (its line is where people look,
 * and the value may be a block), a list's item, or — for a part that is not in the file (a missing
 * setting) — the nearest enclosing one.
 */
export function locate(doc: Document, lines: LineCounter, text: string, path: string): Place | undefined {
  const parts = pathParts(path);
  let node: unknown = doc.contents;
  let at: unknown = node;
  for (const part of parts) {
    const collection = node as { items?: unknown[] } | null;
    if (!isNode(collection) || !Array.isArray(collection.items)) break;
    if (typeof part === 'number') {
      const item = collection.items[part];
      if (item === undefined) break;
      node = at = item;
      continue;
    }
    const pair = collection.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === part);
    if (!isPair(pair)) break;
    at = pair.key;
    node = pair.value;
  }
  const range = isNode(at) ? at.range : undefined;
  if (!range) return undefined;
  const { line, col } = lines.linePos(range[0]);
  const snippet = (text.split(/\r?\n/)[line - 1] ?? '').slice(0, 160);
  return { line, column: col, snippet };
}
