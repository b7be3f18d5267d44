// `hatrack exec --role R [--duration D] -- CMD ARGS…`: runs CMD with the role's keys. The keys
// are served on the container credentials endpoint (not as fixed variables), so a command that
// outlives them gets new ones; CMD's exit code is hatrack's.
import { spawn } from 'node:child_process';
import type { Io } from '../main.ts';
import { startContainerEndpoint } from './container-endpoint.ts';
import { CliFailure, usage } from './exit.ts';
import { roleKeyRequest, roleKeys, type RoleKeyOptions } from './role-keys.ts';

/** Variables that would make an SDK pick other credentials than the endpoint's. */
const CONFLICTING = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function execCommand(options: RoleKeyOptions, command: string[], _io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (command.length === 0) throw usage('hatrack exec: name the command after --, e.g. hatrack exec --role prod/Admin -- aws s3 ls');
  const req = await roleKeyRequest(options, env);
  // Fail here, before the command starts, when the role is not granted or the login ended.
  await roleKeys(req);
  const endpoint = await startContainerEndpoint(() => roleKeys(req));
  const childEnv: NodeJS.ProcessEnv = { ...env };
  for (const name of CONFLICTING) delete childEnv[name];
  childEnv.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint.url;
  childEnv.AWS_CONTAINER_AUTHORIZATION_TOKEN = endpoint.token;
  if (req.login.region && !childEnv.AWS_REGION) {
    childEnv.AWS_REGION = req.login.region;
    childEnv.AWS_DEFAULT_REGION ??= req.login.region;
  }
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: childEnv });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      for (const s of SIGNALS) process.on(s, forward);
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(new CliFailure(`hatrack exec: cannot run ${command[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`, e.code === 'ENOENT' ? 127 : 126));
      });
      child.on('exit', (code, signal) => {
        for (const s of SIGNALS) process.off(s, forward);
        // A command killed by a signal exits as a shell reports it: 128 + the signal number.
        resolve(code ?? 128 + (signal ? (({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 } as Record<string, number>)[signal] ?? 1) : 1));
      });
    });
  } finally {
    await endpoint.close();
  }
}
