// `hatrack check-config`: validate the configuration as a whole and say so.
import { ConfigError } from '../config/load.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { Io } from './main.ts';

export function checkConfigCommand(flag: string | undefined, io: Io): number {
  const source = configSource(flag);
  try {
    loadConfigFrom(source);
    io.out(source.kind === 'file' ? `ok: ${source.path}` : 'ok: no configuration file, so the built-in demo');
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    return 1;
  }
}
