// `hatrack serve-credentials --role R [--port P]`: the container credentials endpoint of `exec`
// on its own, for programs started elsewhere (an IDE, a second terminal). Prints the two
// variables to set, as shell exports on stdout, and serves until interrupted.
import type { Io } from '../main.ts';
import { shellQuote } from '../../aws/credentials-format.ts';
import { startContainerEndpoint } from './container-endpoint.ts';
import { usage } from './exit.ts';
import { pinnedRoleKeyRequest, roleKeys, type RoleKeyOptions } from './role-keys.ts';

export async function serveCredentialsCommand(options: RoleKeyOptions & { port?: string }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage('hatrack serve-credentials: --port is a port number');
  const req = await pinnedRoleKeyRequest(options, env);
  await roleKeys(req);
  const endpoint = await startContainerEndpoint(() => roleKeys(req), { port, roleArn: req.role });
  io.out([
    `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${shellQuote(endpoint.url)}`,
    `export AWS_CONTAINER_AUTHORIZATION_TOKEN=${shellQuote(endpoint.token)}`,
    ...(req.login.region ? [`export AWS_REGION=${shellQuote(req.login.region)}`] : []),
  ].join('\n'));
  io.err(`Serving keys for ${req.role} on ${endpoint.url} until interrupted (Ctrl-C).`);
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
  });
  await endpoint.close();
  return 0;
}
