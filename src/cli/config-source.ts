// Which configuration a server-side command works on: --config FILE, else $HATRACK_CONFIG, else
// ./hatrack.yaml when it exists, else the built-in demo (ARCHITECTURE.md "CLI").
import { existsSync } from 'node:fs';

export type ConfigSource = { kind: 'file'; path: string } | { kind: 'demo' };

export function configSource(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  if (flag) return { kind: 'file', path: flag };
  if (env.HATRACK_CONFIG) return { kind: 'file', path: env.HATRACK_CONFIG };
  if (existsSync('hatrack.yaml')) return { kind: 'file', path: 'hatrack.yaml' };
  return { kind: 'demo' };
}
