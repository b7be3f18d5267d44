// Secrets stay out of the config file: any string value written as `env:NAME` is replaced by the
// environment variable NAME before validation; an unset variable is a problem at that path.
import type { ConfigProblem } from './problems.ts';
import { formatPath } from './problems.ts';

const envRef = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

export function resolveEnvRefs(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    const m = envRef.exec(value);
    if (!m) return value;
    const resolved = env[m[1]!];
    if (resolved === undefined || resolved === '') {
      problems.push({ path: formatPath(path), message: `environment variable ${m[1]} is not set` });
      return undefined;
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveEnvRefs(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
