// `hatrack configure --role R --profile P` and `hatrack configure --all`: AWS CLI profiles whose
// credential_process is `hatrack creds` (AWS.md §4), written into ~/.aws/config. `--all` writes
// one per role the person may wear now, named account-alias-role.
import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { grantNamed } from '../../broker/role-names.ts';
import { profileName } from '../../aws/credentials-format.ts';
import { isHatrackError } from '../../errors.ts';
import type { Io } from '../main.ts';
import { callApi, type ApiRole, type ApiRoles } from './broker-api.ts';
import { CliFailure, EXIT, usage } from './exit.ts';
import { requireLogin } from './login-state.ts';
import { writeProfiles, type Profile } from './aws-config-file.ts';

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** credential_process splits its command like a POSIX shell: quote what has spaces or quotes. */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
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
    chosen = roles.map((r) => ({ role: r, profile: profileName(`${r.accountAlias ?? r.accountId}-${r.roleName}`) }));
  } else {
    let role;
    try {
      role = grantNamed(roles, options.role);
    } catch (e) {
      throw new CliFailure(`hatrack configure: ${isHatrackError(e) ? e.message : String(e)}`, EXIT.notEntitled);
    }
    chosen = [{ role, profile: profileName(options.profile ?? `${role.accountAlias ?? role.accountId}-${role.roleName}`) }];
  }
  const command = hatrackCommand(env);
  const region = options.region ?? listed.region;
  const profiles: Profile[] = chosen.map(({ role, profile }) => ({
    name: profile,
    settings: [
      { key: 'credential_process', value: `${command} creds --role ${role.arn}`, replace: true },
      // A region the person set on the profile stays, unless --region names one.
      ...(region ? [{ key: 'region', value: region, replace: options.region !== undefined }] : []),
    ],
  }));
  const path = writeProfiles(profiles, env);
  io.out(chosen.map(({ role, profile }) => `${profile}  ${role.arn}`).join('\n'));
  io.err(`Wrote ${profiles.length} profile${profiles.length === 1 ? '' : 's'} to ${path}; use them with aws --profile NAME.`);
  return 0;
}
