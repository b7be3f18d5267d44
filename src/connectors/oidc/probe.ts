// `check-config --online` for an OIDC connector: discovery (with the issuer and algorithm checks
// of discovery.ts), the JWKS and a key for the pinned algorithm, and the client credentials at the
// token endpoint — a code grant with a made-up code: `invalid_grant` means the provider accepted
// the client and refused only the code; `invalid_client` means the credentials are wrong.
import * as client from 'openid-client';
import { isHatrackError } from '../../errors.ts';
import { probeFetch, unreachable, type ProbeProblem } from '../../online/probe.ts';
import type { OidcConnector } from './oidc-connector.ts';

/** The JWK key types that can carry each pinned algorithm. */
function keyTypeOf(alg: string): string {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'RSA';
  if (alg.startsWith('ES')) return 'EC';
  return 'OKP';
}

export async function probeOidc(connector: OidcConnector, redirectUri: string): Promise<ProbeProblem[]> {
  const o = connector.options;
  let config: client.Configuration;
  try {
    config = await connector.configuration();
  } catch (e) {
    return [{ setting: 'issuer', message: `discovery failed: ${isHatrackError(e) ? e.detail ?? e.message : unreachable(e)}` }];
  }
  const problems: ProbeProblem[] = [];

  const jwksUri = config.serverMetadata().jwks_uri!;
  try {
    const res = await probeFetch(jwksUri);
    const keys = res.ok ? ((await res.json()) as { keys?: Array<{ kty?: string; alg?: string; use?: string }> }).keys : await res.body?.cancel();
    if (!Array.isArray(keys)) problems.push({ setting: 'issuer', message: `the provider's JWKS (${jwksUri}) answered ${res.status} without keys` });
    else if (!keys.some((k) => (k.alg === undefined ? k.kty === keyTypeOf(o.idTokenAlg) : k.alg === o.idTokenAlg) && k.use !== 'enc')) {
      problems.push({ setting: 'idTokenAlg', message: `the provider's JWKS has no key for ${o.idTokenAlg}` });
    }
  } catch (e) {
    problems.push({ setting: 'issuer', message: `the provider's JWKS (${jwksUri}) could not be read: ${unreachable(e)}` });
  }

  try {
    await client.genericGrantRequest(config, 'authorization_code', { code: 'hatrack-check-config', redirect_uri: redirectUri });
  } catch (e) {
    // A refused client is invalid_client in the body, or a 401 with a challenge (client_secret_basic).
    const refused = (e instanceof client.ResponseBodyError && e.error === 'invalid_client') || (e instanceof client.WWWAuthenticateChallengeError && e.status === 401);
    if (refused) {
      problems.push({ setting: 'clientSecret', message: 'the provider refuses the client credentials (invalid_client): check clientId and clientSecret (and tokenEndpointAuthMethod)' });
    } else if (!(e instanceof client.ResponseBodyError) && !(e instanceof client.WWWAuthenticateChallengeError)) {
      problems.push({ setting: 'issuer', message: `the token endpoint could not be asked: ${unreachable(e)}` });
    }
    // Any other error (invalid_grant for the made-up code, an unknown redirect URI) came after the client was accepted.
  }
  return problems;
}
