// The AWS container credentials endpoint on the person's own machine: what the SDKs and the AWS
// CLI read from AWS_CONTAINER_CREDENTIALS_FULL_URI, sending AWS_CONTAINER_AUTHORIZATION_TOKEN in
// the Authorization header. Each request gets keys from the cache (refreshed five minutes before
// they expire), so a long-running program keeps working past its first keys' expiry.
// SECURITY.md E1: loopback only, and nothing without the token; E2: the keys are the logged-in
// person's own, for the one role named at start.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessCredentials } from './broker-api.ts';
import { CliFailure } from './exit.ts';

export interface ContainerEndpoint {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI */
  url: string;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN */
  token: string;
  close(): Promise<void>;
}

function sameSecret(sent: string | undefined, token: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startContainerEndpoint(keys: () => Promise<ProcessCredentials>, options: { port?: number; roleArn?: string } = {}): Promise<ContainerEndpoint> {
  const token = randomBytes(32).toString('base64url');
  const server: Server = createServer(async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!sameSecret(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'Unauthorized', message: 'missing or wrong authorization token' }));
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    try {
      const k = await keys();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        AccessKeyId: k.AccessKeyId,
        SecretAccessKey: k.SecretAccessKey,
        Token: k.SessionToken,
        Expiration: k.Expiration,
        ...(options.roleArn && { RoleArn: options.roleArn }),
      }));
    } catch (e) {
      const message = e instanceof CliFailure ? e.message : 'hatrack could not get keys';
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'CredentialsUnavailable', message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
