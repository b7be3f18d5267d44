// A benchmark child: the `oidc-provider` package's own device flow, the peer Hatrack's polling is
// compared with. One public client (token_endpoint_auth_method none) allowed the device_code
// grant, the provider's default in-memory adapter, its default routes (device authorization at
// POST /device/auth, tokens at POST /token). Signing key and cookie keys are generated per start.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { serveParent } from './device-child.ts';

const CLIENT_ID = 'bench-cli';

function configuration(): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      redirect_uris: [],
    }],
    features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
  };
}

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const provider = new Provider(`http://127.0.0.1:${port}`, configuration());
server.on('request', provider.callback());
serveParent(port, { clientId: CLIENT_ID, deviceAuthorizationPath: '/device/auth', tokenPath: '/token' }, () => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));
