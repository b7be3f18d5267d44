// `hatrack check-config`: validate the configuration as a whole and say so.
import { ConfigError, loadConfigFile } from '../config/load.ts';
import { configSource } from './config-source.ts';
import type { Io } from './main.ts';

export function checkConfigCommand(flag: string | undefined, io: Io): number {
  const source = configSource(flag);
  if (source.kind === 'demo') {
    io.out('ok (no configuration file: the built-in demo)');
    return 0;
  }
  try {
    loadConfigFile(source.path);
    io.out(`ok: ${source.path}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    return 1;
  }
}
