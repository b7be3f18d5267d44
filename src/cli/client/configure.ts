// `hatrack configure --role R --profile P` and `hatrack configure --all`: AWS CLI profiles whose
// credential_process is `hatrack creds` (AWS.md §4), written into ~/.aws/config. `--all` writes
// one per role the person may wear now, named account-alias-role.
import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { grantNamed } from '../../broker/role-names.ts';
import { profileName, shellQuote } from '../../aws/credentials-format.ts';
import type { Io } from '../main.ts';
import { callApi, type ApiRole, type ApiRoles } from './broker-api.ts';
import { roleNameFailure, usage } from './exit.ts';
import { requireLogin } from './login-state.ts';
import { writeProfiles, type Profile } from './aws-config-file.ts';

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * credential_process is split into words like a POSIX shell line: by Python's shlex in the AWS
 * CLI, by `sh -c` in other SDKs. Single quotes mean the same to both; double quotes do not.
 */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

/**
 * How the AWS CLI should run this hatrack: `hatrack` when that name on PATH is this very program,
 * else node and this script by absolute path (an unlinked checkout, a second install).
 */
export function hatrackCommand(env: NodeJS.ProcessEnv = process.env, script = process.argv[1] ?? ''): string {
  const self = realpath(script);
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => realpath(join(d, 'hatrack'))).find(Boolean);
  if (self && onPath === self) return 'hatrack';
  return [process.execPath, self ?? script].map(quoted).join(' ');
}

const roleListed = (r: ApiRole) => ({ ...r, roleArn: r.arn });

export async function configureCommand(
  options: { url?: string; role?: string; profile?: string; all?: boolean; region?: string },
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (options.all ? options.role || options.profile : !options.role) {
    throw usage('hatrack configure: either --role R [--profile P], or --all');
  }
  const login = requireLogin(options.url, env);
  const listed = await callApi<ApiRoles>(login, 'GET', '/api/roles');
  const roles = listed.roles.map(roleListed);
  let chosen: Array<{ role: ApiRole; profile: string }>;
  if (options.all) {
    // Roles of one name on two IAM paths would make one profile name: the later ones get -2, -3…
    const taken = new Map<string, number>();
    chosen = roles.map((r) => {
      const base = profileName(`${r.accountAlias ?? r.accountId}-${r.roleName}`);
      const n = (taken.get(base) ?? 0) + 1;
      taken.set(base, n);
      return { role: r, profile: n === 1 ? base : `${base}-${n}` };
    });
  } else {
    let role;
    try {
      role = grantNamed(roles, options.role);
    } catch (e) {
      throw roleNameFailure(e);
    }
    chosen = [{ role, profile: profileName(options.profile ?? `${role.accountAlias ?? role.accountId}-${role.roleName}`) }];
  }
  const command = hatrackCommand(env);
  const region = options.region ?? listed.region;
  const profiles: Profile[] = chosen.map(({ role, profile }) => ({
    name: profile,
    settings: [
      { key: 'credential_process', value: `${command} creds --role ${quoted(role.arn)}`, replace: true },
      // A region the person set on the profile stays, unless --region names one.
      ...(region ? [{ key: 'region', value: region, replace: options.region !== undefined }] : []),
    ],
  }));
  const path = writeProfiles(profiles, env);
  io.out(chosen.map(({ role, profile }) => `${profile}  ${role.arn}`).join('\n'));
  io.err(`Wrote ${profiles.length} profile${profiles.length === 1 ? '' : 's'} to ${path}; use them with aws --profile NAME.`);
  return 0;
}
