// Which modules a node process loads: a resolve hook (registered with --import) appends every
// resolved URL to a file, so a test can assert what a command did and did not load.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ModuleRecorder {
  /** node arguments that install the hook. */
  nodeArgs: string[];
  /** Environment the process needs for the hook. */
  env: Record<string, string>;
  /** Every file: URL resolved so far, once each. */
  loaded(): string[];
}

export function moduleRecorder(dir: string): ModuleRecorder {
  const log = join(dir, 'resolved.txt');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'hooks.mjs'), [
    "import { appendFileSync } from 'node:fs';",
    'export async function resolve(specifier, context, next) {',
    '  const result = await next(specifier, context);',
    "  if (result.url.startsWith('file:')) appendFileSync(process.env.HATRACK_TEST_RESOLVED, result.url + '\\n');",
    '  return result;',
    '}',
  ].join('\n'));
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  return {
    nodeArgs: ['--import', pathToFileURL(join(dir, 'register.mjs')).href],
    env: { HATRACK_TEST_RESOLVED: log },
    loaded: () => [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))],
  };
}
