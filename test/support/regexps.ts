// Finding every regular expression in Hatrack's sources, and proving one linear with recheck
// (SECURITY.md C1). recheck's automaton checker decides, for a given pattern and flags, whether
// some input makes a backtracking engine take more than linear time, and names that input; its
// fuzzing checker only samples, so nothing is accepted on its word.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@babel/parser';
import { checkSync } from 'recheck';

export interface FoundRegExp {
  /** Path relative to the repository. */
  file: string;
  line: number;
  /** A regular-expression literal, or a call of RegExp / new RegExp (whose source is computed). */
  kind: 'literal' | 'constructed';
  source?: string;
  flags?: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

type AstNode = { type?: string; loc?: { start: { line: number } }; [key: string]: unknown };

/** Every regular expression written in the TypeScript files under `dir`. */
export function regexpsIn(dir: string, root: string): FoundRegExp[] {
  const found: FoundRegExp[] = [];
  for (const path of tsFiles(dir)) {
    const file = relative(root, path);
    const ast = parse(readFileSync(path, 'utf8'), { sourceType: 'module', plugins: ['typescript'] });
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(visit);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const n = node as AstNode;
      const line = n.loc?.start.line ?? 0;
      if (n.type === 'RegExpLiteral') found.push({ file, line, kind: 'literal', source: n.pattern as string, flags: n.flags as string });
      if ((n.type === 'NewExpression' || n.type === 'CallExpression') && (n.callee as AstNode | undefined)?.type === 'Identifier'
        && (n.callee as AstNode).name === 'RegExp') {
        found.push({ file, line, kind: 'constructed' });
      }
      for (const [key, value] of Object.entries(n)) {
        if (key !== 'loc' && key !== 'extra') visit(value);
      }
    };
    visit(ast.program);
  }
  return found;
}

export interface Verdict {
  linear: boolean;
  /** What recheck said, with the attack string when it found one. */
  said: string;
}

/** recheck's automaton verdict on a pattern with its flags. */
export function linearity(source: string, flags: string): Verdict {
  const result = checkSync(source, flags, { checker: 'automaton', timeout: 20_000 });
  if (result.status === 'safe') return { linear: true, said: `safe (${result.complexity.type})` };
  if (result.status === 'vulnerable') {
    return { linear: false, said: `${result.complexity.type}: attack ${result.attack.pattern}` };
  }
  return { linear: false, said: `could not be proven (${result.error.kind})` };
}
