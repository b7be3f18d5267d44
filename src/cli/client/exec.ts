// `hatrack exec --role R [--duration D] -- CMD ARGS…`: runs CMD with the role's keys. The keys
// are served on the container credentials endpoint (not as fixed variables), so a command that
// outlives them gets new ones; hatrack exits as CMD did (128 + the signal's number when a signal
// ended it, as a shell reports it).
import { spawn } from 'node:child_process';
import type { Io } from '../main.ts';
import { startContainerEndpoint } from './container-endpoint.ts';
import { CliFailure, usage } from './exit.ts';
import { defaultProfileHasKeys } from './aws-config-file.ts';
import { pinnedRoleKeyRequest, roleKeys, type RoleKeyOptions } from './role-keys.ts';

/**
 * Variables that would make an SDK pick other credentials than the endpoint's: fixed keys, a
 * profile, web identity, another container endpoint.
 */
const CONFLICTING = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

/**
 * Passed on to CMD. Ctrl-C and Ctrl-\ are not: the terminal sends them to CMD itself (it is in
 * the same process group), and a second interrupt makes some programs (Terraform) abort at once.
 */
const FORWARDED = ['SIGTERM', 'SIGHUP'] as const;
const LEFT_TO_CMD = ['SIGINT', 'SIGQUIT'] as const;

export async function execCommand(options: RoleKeyOptions, command: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (command.length === 0) throw usage('hatrack exec: name the command after --, e.g. hatrack exec --role prod/Admin -- aws s3 ls');
  // E2: the role is fixed by its ARN now, so a rule change cannot make a later refresh another role.
  const req = await pinnedRoleKeyRequest(options, env);
  // Fail here, before the command starts, when the role is not granted or the login ended.
  await roleKeys(req);
  const endpoint = await startContainerEndpoint(() => roleKeys(req), { roleArn: req.role });
  const childEnv: NodeJS.ProcessEnv = { ...env };
  for (const name of CONFLICTING) delete childEnv[name];
  childEnv.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint.url;
  childEnv.AWS_CONTAINER_AUTHORIZATION_TOKEN = endpoint.token;
  if (req.login.region && !childEnv.AWS_REGION) {
    childEnv.AWS_REGION = req.login.region;
    childEnv.AWS_DEFAULT_REGION ??= req.login.region;
  }
  // The SDKs read a [default] profile before the container endpoint.
  if (defaultProfileHasKeys(env)) io.err('hatrack exec: warning: your [default] AWS profile has keys, and the AWS SDKs use those before the role\'s');
  const ignore = () => undefined;
  for (const s of LEFT_TO_CMD) process.on(s, ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: childEnv });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      for (const s of FORWARDED) process.on(s, forward);
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(new CliFailure(`hatrack exec: cannot run ${command[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`, e.code === 'ENOENT' ? 127 : 126));
      });
      child.on('exit', (code, signal) => {
        for (const s of FORWARDED) process.off(s, forward);
        resolve(code ?? 128 + (signal ? process.getBuiltinModule('node:os').constants.signals[signal] : 0));
      });
    });
  } finally {
    for (const s of LEFT_TO_CMD) process.off(s, ignore);
    await endpoint.close();
  }
}
