// A configuration problem with the path where it was found, e.g. `roles[2].role`.

export interface ConfigProblem {
  path: string;
  message: string;
  /** Where in the file, when it came from one (config/locate.ts). */
  line?: number;
  column?: number;
  /** The text of that line. */
  snippet?: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

/** One problem per entry; those with a place get `(line L, column C)` and the line, with a caret under the column. */
export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => {
    const head = `  ${p.path}: ${p.message}`;
    if (p.line === undefined) return head;
    const gutter = `    ${p.line} | `;
    const caret = p.column === undefined ? '' : `\n${' '.repeat(gutter.length + p.column - 1)}^`;
    return `${head} (line ${p.line}${p.column === undefined ? '' : `, column ${p.column}`})${p.snippet === undefined ? '' : `\n${gutter}${p.snippet}${caret}`}`;
  }).join('\n');
}
