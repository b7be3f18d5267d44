// Keys for one role as every user-side command gets them: the login, the cache, and on a miss
// one POST /api/credentials. Shared by `creds`, `exec` and `serve-credentials`.
import type { ApiRoles, ProcessCredentials } from './broker-api.ts';
import { cachedCredentials, type CacheRequest } from './credentials-cache.ts';
import { roleNameFailure, usage } from './exit.ts';
import { configDir } from './files.ts';
import { requireLogin } from './login-state.ts';

export interface RoleKeyOptions {
  url?: string;
  role?: string;
  duration?: string;
}

export async function roleKeyRequest(options: RoleKeyOptions, env: NodeJS.ProcessEnv): Promise<CacheRequest> {
  if (!options.role) throw usage('hatrack: --role is required (an ARN, account-alias/role-name, or a unique end of either)');
  let durationSeconds: number | undefined;
  if (options.duration !== undefined) {
    durationSeconds = (await import('../../config/duration.ts')).parseDurationSeconds(options.duration);
    if (durationSeconds === undefined) throw usage(`hatrack: "${options.duration}" is not a duration (use seconds or e.g. 15m, 1h)`);
  }
  const dir = configDir(env);
  return { dir, login: requireLogin(options.url, env, dir), role: options.role, ...(durationSeconds !== undefined && { durationSeconds }) };
}

/**
 * As roleKeyRequest, with the role resolved to its ARN once (GET /api/roles): for commands that
 * keep fetching keys for a while, so that the role cannot change under them.
 */
export async function pinnedRoleKeyRequest(options: RoleKeyOptions, env: NodeJS.ProcessEnv): Promise<CacheRequest> {
  const req = await roleKeyRequest(options, env);
  const { callApi } = await import('./broker-api.ts');
  const { grantNamed } = await import('../../broker/role-names.ts');
  const listed = await callApi<ApiRoles>(req.login, 'GET', '/api/roles');
  try {
    return { ...req, role: grantNamed(listed.roles.map((r) => ({ ...r, roleArn: r.arn })), req.role).arn };
  } catch (e) {
    throw roleNameFailure(e);
  }
}

export function roleKeys(req: CacheRequest): Promise<ProcessCredentials> {
  // The HTTP client is loaded on a miss only.
  return cachedCredentials(req, async () => (await import('./broker-api.ts')).callApi<ProcessCredentials>(req.login, 'POST', '/api/credentials', {
    role: req.role,
    ...(req.durationSeconds !== undefined && { duration: req.durationSeconds }),
  }));
}
