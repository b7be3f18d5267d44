// Relative key paths moved: they are read from the configuration file's folder, where they were
// read from the working directory before. Refusing a start that would replace a key left behind.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HatrackError } from '../errors.ts';
import type { Config } from './schema.ts';

/**
 * Relative key paths are read from the configuration file's folder; before, from the working
 * directory. A key left where it was would be replaced by a new one, silently breaking every AWS
 * sign-in until the new metadata is uploaded: such a start is refused, saying what to do.
 */
export function refuseMovedKeys(config: Config, baseDir: string): void {
  const cwd = process.cwd();
  if (resolve(baseDir) === resolve(cwd)) return;
  for (const [setting, file] of [['signing.key', config.signing.key], ['decryption.key', config.decryption.key]] as const) {
    if (isAbsolute(file) || existsSync(resolve(baseDir, file)) || !existsSync(resolve(cwd, file))) continue;
    throw new HatrackError('config_key_moved', 500, `${setting} (${file}) is read relative to the configuration file's folder (${baseDir}), `
      + `but the key is in the working directory (${resolve(cwd, file)}): move it there, or set ${setting} to its absolute path`);
  }
}

