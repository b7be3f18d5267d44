// The CLI's own files, under $XDG_CONFIG_HOME/hatrack (default ~/.config/hatrack): the broker URL,
// the broker token and the cached keys. The directory is 0700 and every file 0600, written to a
// temporary name and renamed, so a reader never sees half a file.
import { dirname, join } from 'node:path';

/**
 * node:fs for the CLI's hot path. `import { … } from 'node:fs'` in an ES module builds the
 * module's namespace, which reads `fs.promises` and so loads fs/promises, readline and a dozen
 * more internal modules: about a tenth of what a cache hit of `hatrack creds` costs. The
 * CommonJS object is the same functions without that.
 */
export const fs = process.getBuiltinModule('node:fs');

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = () => env.HOME || process.getBuiltinModule('node:os').homedir();
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home(), '.config');
  return join(base, 'hatrack');
}

export function readJsonFile<T>(path: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // A damaged file is as good as none: the next write replaces it.
    return undefined;
  }
}

let written = 0;

export function writePrivateFile(path: string, text: string): void {
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // A directory made earlier by someone else, or with a looser umask, is made private too.
  if ((fs.statSync(dirname(path)).mode & 0o077) !== 0) fs.chmodSync(dirname(path), 0o700);
  // Unique among processes (pid) and within one (counter); `wx` refuses a leftover of the same name.
  const temp = `${path}.${process.pid}.${++written}.tmp`;
  try {
    fs.writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, path);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

export function removeFile(path: string): void {
  fs.rmSync(path, { force: true, recursive: true });
}
