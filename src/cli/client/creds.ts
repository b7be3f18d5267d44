// `hatrack creds --role R [--format json|env|credentials] [--duration D]`: keys for a role on
// stdout, and nothing else there. JSON is the credential_process document (AWS.md §4), so
// `credential_process = hatrack creds --role R` works in ~/.aws/config. A cache hit is
// cache-hit.ts alone; everything else is loaded only on a miss.
import type { Io } from '../main.ts';
import { cachedKeysFor, credentialProcessLine } from './cache-hit.ts';
import type { RoleKeyOptions } from './role-keys.ts';

const FORMATS = ['json', 'env', 'credentials'] as const;

export async function credsCommand(options: RoleKeyOptions & { format?: string }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const format = options.format ?? 'json';
  if (format === 'json') {
    const hit = await cachedKeysFor(options, env);
    if (hit) {
      io.out(credentialProcessLine(hit));
      return 0;
    }
  }
  const { usage } = await import('./exit.ts');
  if (!(FORMATS as readonly string[]).includes(format)) throw usage(`hatrack creds: --format is one of ${FORMATS.join(', ')}`);
  const { roleKeyRequest, roleKeys } = await import('./role-keys.ts');
  const req = await roleKeyRequest(options, env);
  const keys = await roleKeys(req);
  if (format === 'json') {
    io.out(credentialProcessLine(keys));
    return 0;
  }
  const { credentialsFileBlock, envExports, profileName } = await import('../../aws/credentials-format.ts');
  const creds = { accessKeyId: keys.AccessKeyId, secretAccessKey: keys.SecretAccessKey, sessionToken: keys.SessionToken, expiration: new Date(keys.Expiration) };
  io.out(format === 'env' ? envExports(creds, { region: req.login.region }) : credentialsFileBlock(creds, profileName(req.role.split(/[:/]/).slice(-2).join('-'))));
  return 0;
}
