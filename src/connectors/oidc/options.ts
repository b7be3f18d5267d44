// Options of an OpenID Connect connector: what config may say, and the fully defaulted form the
// connector runs on. Resolution checks everything at once and reports every problem.

import { CONNECTOR_ID, CONNECTOR_ID_RULE } from '../connector-id.ts';
import { HatrackError } from '../../errors.ts';
import { PENDING_LOGIN_TTL_MS } from '../connector.ts';
import { resolveAllowedDomains } from '../domains.ts';

/** Asymmetric JWS algorithms an ID token may be pinned to. `none` and HMAC are never accepted. */
export const ID_TOKEN_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

/** RFC 8176 `amr` values that mean more than one factor (or a factor beyond a password) was used. */
export const DEFAULT_MFA_AMR_VALUES = ['mfa', 'mca', 'otp', 'hwk', 'swk', 'sc', 'sms', 'tel'] as const;
/** `acr` values that mean multi-factor authentication (OpenID PAPE). */
export const DEFAULT_MFA_ACR_VALUES = ['http://schemas.openid.net/pape/policies/2007/06/multi-factor'] as const;

export interface OidcConnectorOptions {
  /** Connector id: appears in paths (`/login/:id`, `/oidc/:id/callback`) and in every Identity. */
  id: string;
  /** Shown on the login page; defaults to the id. */
  displayName?: string;
  /** Issuer identifier, exactly as the provider spells it (discovery must return the same string). */
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Defaults to `client_secret_basic` with a secret, `none` (PKCE-only public client) without. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Requested scopes; default `openid email profile`. `openid` is always added. */
  scopes?: string[];
  /**
   * Extra authorization request parameters (e.g. Google's `hd`, `prompt`); protocol parameters
   * cannot be overridden. A `max_age` is also enforced on the ID token's `auth_time`.
   */
  authorizationParams?: Record<string, string>;
  /** Claim holding the groups: a name or a dotted path such as `realm_access.roles`; default `groups`. */
  groupsClaim?: string;
  /**
   * Where groups are read from. `id_token` (default) falls back to the UserInfo response when the
   * ID token lacks the claim; `userinfo` always fetches UserInfo and reads groups only from it.
   */
  groupsFrom?: 'id_token' | 'userinfo';
  /** Claim holding the email address; default `email`. */
  emailClaim?: string;
  /**
   * Unset (default): refuse when `email_verified` is present and not true, accept when the provider
   * omits it. `true`: `email_verified` must be true. `false`: ignore `email_verified`.
   */
  requireEmailVerified?: boolean;
  /** The provider verifies every address it sends (Entra ID sends no email_verified): rules' `email` may match it. */
  emailsVerified?: boolean;
  /** Only emails in these domains get in (exact domain, case-insensitive). Unset: any domain. */
  allowedDomains?: string[];
  /** `amr` values that count as multi-factor; default DEFAULT_MFA_AMR_VALUES. */
  mfaValues?: string[];
  /** `acr` values that count as multi-factor; default DEFAULT_MFA_ACR_VALUES. */
  mfaAcrValues?: string[];
  /** The only algorithm an ID token may be signed with; default RS256. */
  idTokenAlg?: IdTokenAlg;
  /** Allowed clock difference with the provider for `exp`/`nbf`, seconds (0–300); default 60. */
  clockToleranceSeconds?: number;
  /** Timeout of each request to the provider, ms; default 10 000. */
  timeoutMs?: number;
  /** Allow an `http://` issuer and endpoints (tests and the local demo only). */
  allowInsecureHttp?: boolean;
  /** How old a pending login may be when its callback arrives, ms; default 10 minutes. */
  maxLoginAgeMs?: number;
}

export interface ResolvedOidcOptions {
  id: string;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  scopes: string[];
  authorizationParams: Record<string, string>;
  groupsClaim: string;
  groupsFrom: 'id_token' | 'userinfo';
  emailClaim: string;
  requireEmailVerified: boolean | undefined;
  emailsVerified: boolean;
  allowedDomains: string[] | undefined;
  mfaValues: string[];
  mfaAcrValues: string[];
  idTokenAlg: IdTokenAlg;
  clockToleranceSeconds: number;
  timeoutMs: number;
  allowInsecureHttp: boolean;
  maxLoginAgeMs: number;
}

// Parameters the connector sets itself; an admin's authorizationParams may not replace them.
const reservedParams = new Set([
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce',
  'code_challenge', 'code_challenge_method', 'request', 'request_uri',
]);
// RFC 6749 §3.3 scope-token.
const scopePattern = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The defaults of an OIDC connector's settings: the one table both the configuration schema
 * (config/schema.ts) and resolveOidcOptions default from.
 */
export const OIDC_DEFAULTS = {
  scopes: ['openid', 'email', 'profile'],
  groupsClaim: 'groups',
  emailClaim: 'email',
  groupsFrom: 'id_token',
  idTokenAlg: 'RS256',
  clockToleranceSeconds: 60,
} as const;

export function resolveOidcOptions(o: OidcConnectorOptions): ResolvedOidcOptions {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };

  check(typeof o.id === 'string' && CONNECTOR_ID.test(o.id), `id ${CONNECTOR_ID_RULE}`);
  check(typeof o.clientId === 'string' && o.clientId.length > 0, 'clientId is required');
  const allowInsecureHttp = o.allowInsecureHttp === true;
  problems.push(...issuerProblems(o.issuer, allowInsecureHttp));

  const authMethod = o.tokenEndpointAuthMethod ?? (o.clientSecret ? 'client_secret_basic' : 'none');
  check(['client_secret_basic', 'client_secret_post', 'none'].includes(authMethod), 'tokenEndpointAuthMethod is not supported');
  check(authMethod === 'none' || (typeof o.clientSecret === 'string' && o.clientSecret.length > 0),
    `clientSecret is required with tokenEndpointAuthMethod ${authMethod}`);

  const scopes = o.scopes ?? [...OIDC_DEFAULTS.scopes];
  check(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string' && scopePattern.test(s)), 'scopes must be scope tokens');
  const allScopes = [...new Set(['openid', ...(Array.isArray(scopes) ? scopes : [])])];

  const authorizationParams = o.authorizationParams ?? {};
  for (const [k, v] of Object.entries(authorizationParams)) {
    check(!reservedParams.has(k), `authorizationParams may not set "${k}"`);
    check(typeof v === 'string', `authorizationParams.${k} must be a string`);
  }
  // max_age is enforced on the ID token's auth_time when finishing, so it must be a number of seconds.
  check(authorizationParams.max_age === undefined || /^\d{1,9}$/.test(authorizationParams.max_age), 'authorizationParams.max_age must be a whole number of seconds');

  const groupsClaim = o.groupsClaim ?? OIDC_DEFAULTS.groupsClaim;
  check(typeof groupsClaim === 'string' && groupsClaim.length > 0, 'groupsClaim must be a claim name or dotted path');
  const emailClaim = o.emailClaim ?? OIDC_DEFAULTS.emailClaim;
  check(typeof emailClaim === 'string' && emailClaim.length > 0, 'emailClaim must be a claim name or dotted path');
  const groupsFrom = o.groupsFrom ?? OIDC_DEFAULTS.groupsFrom;
  check(groupsFrom === 'id_token' || groupsFrom === 'userinfo', 'groupsFrom must be id_token or userinfo');

  const idTokenAlg = o.idTokenAlg ?? OIDC_DEFAULTS.idTokenAlg;
  check((ID_TOKEN_ALGS as readonly string[]).includes(idTokenAlg), `idTokenAlg must be one of ${ID_TOKEN_ALGS.join(', ')}`);

  const clockToleranceSeconds = o.clockToleranceSeconds ?? OIDC_DEFAULTS.clockToleranceSeconds;
  check(Number.isFinite(clockToleranceSeconds) && clockToleranceSeconds >= 0 && clockToleranceSeconds <= 300,
    'clockToleranceSeconds must be between 0 and 300');
  const timeoutMs = o.timeoutMs ?? 10_000;
  check(Number.isFinite(timeoutMs) && timeoutMs >= 100 && timeoutMs <= 120_000, 'timeoutMs must be between 100 and 120000');
  const maxLoginAgeMs = o.maxLoginAgeMs ?? PENDING_LOGIN_TTL_MS;
  check(Number.isFinite(maxLoginAgeMs) && maxLoginAgeMs > 0 && maxLoginAgeMs <= 60 * 60_000, 'maxLoginAgeMs must be at most one hour');

  const allowedDomains = resolveAllowedDomains(o.allowedDomains, problems);

  const mfaValues = o.mfaValues ?? [...DEFAULT_MFA_AMR_VALUES];
  const mfaAcrValues = o.mfaAcrValues ?? [...DEFAULT_MFA_ACR_VALUES];
  check(mfaValues.every((v) => typeof v === 'string'), 'mfaValues must be strings');
  check(mfaAcrValues.every((v) => typeof v === 'string'), 'mfaAcrValues must be strings');

  if (problems.length > 0) {
    const where = typeof o.id === 'string' ? `connector ${o.id}` : 'an OIDC connector';
    throw new HatrackError('oidc_config_invalid', 500, `The configuration of ${where} is invalid.`, problems.join('; '));
  }
  return {
    id: o.id,
    displayName: o.displayName ?? o.id,
    issuer: o.issuer,
    clientId: o.clientId,
    clientSecret: authMethod === 'none' ? undefined : o.clientSecret,
    tokenEndpointAuthMethod: authMethod,
    scopes: allScopes,
    authorizationParams: { ...authorizationParams },
    groupsClaim,
    groupsFrom,
    emailClaim,
    requireEmailVerified: o.requireEmailVerified,
    emailsVerified: o.emailsVerified === true,
    allowedDomains,
    mfaValues: [...mfaValues],
    mfaAcrValues: [...mfaAcrValues],
    idTokenAlg,
    clockToleranceSeconds,
    timeoutMs,
    allowInsecureHttp,
    maxLoginAgeMs,
  };
}

function issuerProblems(issuer: unknown, allowInsecureHttp: boolean): string[] {
  if (typeof issuer !== 'string' || issuer.length === 0) return ['issuer is required'];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return ['issuer must be an absolute URL'];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowInsecureHttp)) {
    problems.push(allowInsecureHttp ? 'issuer must be an http(s) URL' : 'issuer must be an https URL');
  }
  if (url.search || url.hash || issuer.includes('?') || issuer.includes('#')) problems.push('issuer must not have a query or fragment');
  if (url.username || url.password) problems.push('issuer must not contain credentials');
  if (url.pathname.includes('/.well-known/')) problems.push('issuer must be the issuer identifier, not the discovery document URL');
  return problems;
}
