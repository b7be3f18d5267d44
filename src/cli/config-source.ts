// Which configuration a server-side command works on: --config FILE, else $HATRACK_CONFIG, else
// ./hatrack.yaml when it exists, else the built-in demo (ARCHITECTURE.md "CLI").
import { existsSync } from 'node:fs';
import { loadConfigFile, validateConfig, type LoadedConfig } from '../config/load.ts';

export type ConfigSource = { kind: 'file'; path: string } | { kind: 'demo' };

export function configSource(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  if (flag) return { kind: 'file', path: flag };
  if (env.HATRACK_CONFIG) return { kind: 'file', path: env.HATRACK_CONFIG };
  if (existsSync('hatrack.yaml')) return { kind: 'file', path: 'hatrack.yaml' };
  return { kind: 'demo' };
}

/**
 * The configuration of `source`, validated. For the demo: its configuration as `npm start` would
 * run it on PORT (3000), with placeholder secrets, since `npm start` makes new ones each time. The
 * demo's module is loaded only then, so that a real configuration never loads src/dev.
 */
export async function loadConfigFrom(source: ConfigSource, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  if (source.kind === 'file') return loadConfigFile(source.path, env);
  const { demoConfig } = await import('../dev/demo-config.ts');
  const broker = Number(env.PORT) || 3000;
  const raw = demoConfig({ broker, oidc: broker + 1, aws: broker + 2 }, { clientSecret: 'demo', sessionSecret: 'demo-placeholder-session-secret-32b' });
  return validateConfig(raw, 'built-in demo', env);
}
