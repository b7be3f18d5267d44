// `hatrack check-config`: validate the configuration as a whole and say so.
import { ConfigError, loadConfigFile, validateConfig } from '../config/load.ts';
import { demoConfig } from '../dev/demo-config.ts';
import { configSource } from './config-source.ts';
import type { Io } from './main.ts';

export function checkConfigCommand(flag: string | undefined, io: Io): number {
  const source = configSource(flag);
  try {
    if (source.kind === 'demo') {
      validateConfig(demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'demo', sessionSecret: 'demo' }), 'built-in demo');
      io.out('ok: no configuration file, so the built-in demo');
      return 0;
    }
    loadConfigFile(source.path);
    io.out(`ok: ${source.path}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    return 1;
  }
}
