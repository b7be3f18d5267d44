// Provider discovery: fetched on first use, shared by concurrent callers, kept once it succeeds and
// tried again on the next call after a failure. Builds the openid-client Configuration with the
// checks openid-client leaves off by default:
// - `id_token_signed_response_alg` pins the ID-token algorithm. Without it openid-client accepts any
//   algorithm the provider's metadata lists, `none` included (SECURITY.md O8).
// - `enableNonRepudiationChecks` verifies the ID token's signature against the provider's JWKS.
//   Without it the token-endpoint ID token is trusted on the strength of TLS alone (O9–O11).
// - the discovered issuer must equal the configured one character for character (O13);
//   openid-client only compares them after URL normalisation.

import * as client from 'openid-client';
import { fail } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { discoveryError } from './errors.ts';
import type { ResolvedOidcOptions } from './options.ts';

export interface Discovery {
  get(): Promise<client.Configuration>;
}

export function createDiscovery(o: ResolvedOidcOptions, log?: Logger): Discovery {
  let current: Promise<client.Configuration> | undefined;
  return {
    get() {
      current ??= discover(o).catch((e: unknown) => {
        current = undefined;
        const err = discoveryError(o.id, o.issuer, e);
        log?.warn('oidc discovery failed', { connector: o.id, code: err.code, detail: err.detail });
        throw err;
      });
      return current;
    },
  };
}

async function discover(o: ResolvedOidcOptions): Promise<client.Configuration> {
  const metadata: Partial<client.ClientMetadata> = {
    id_token_signed_response_alg: o.idTokenAlg,
    [client.clockTolerance]: o.clockToleranceSeconds,
    ...(o.clientSecret !== undefined && { client_secret: o.clientSecret }),
  };
  const config = await client.discovery(new URL(o.issuer), o.clientId, metadata, clientAuth(o), {
    execute: o.allowInsecureHttp ? [client.allowInsecureRequests] : [],
    timeout: o.timeoutMs / 1000,
  });
  const as = config.serverMetadata();
  const bad = (what: string) =>
    fail.upstream('oidc_discovery_failed', 'The identity provider is not available right now. Try again in a moment.',
      `connector ${o.id}: discovery of ${o.issuer}: ${what}`);

  if (as.issuer !== o.issuer) {
    throw fail.upstream('oidc_discovery_issuer_mismatch', 'The identity provider is not available right now. Try again in a moment.',
      `connector ${o.id}: discovered issuer ${JSON.stringify(as.issuer)} is not the configured ${JSON.stringify(o.issuer)}`);
  }
  for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof as[endpoint] !== 'string') throw bad(`metadata has no ${endpoint}`);
  }
  const algs = as.id_token_signing_alg_values_supported;
  if (Array.isArray(algs) && !algs.includes(o.idTokenAlg)) {
    throw bad(`provider does not sign ID tokens with ${o.idTokenAlg} (it offers ${algs.join(', ')})`);
  }
  client.enableNonRepudiationChecks(config);
  return config;
}

function clientAuth(o: ResolvedOidcOptions): client.ClientAuth {
  switch (o.tokenEndpointAuthMethod) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(o.clientSecret);
    case 'client_secret_post':
      return client.ClientSecretPost(o.clientSecret);
    case 'none':
      return client.None();
  }
}
