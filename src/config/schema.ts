// The shape of hatrack.yaml (ARCHITECTURE.md "Configuration"), as a zod schema. Checks that need
// the whole document (aliases used by rules, unique ids) live in load.ts.
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseDurationSeconds } from './duration.ts';

/** What Express's `trust proxy` accepts as one entry: an address, a CIDR or a named range. */
function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address = '', bits, extra] = value.split('/');
  if (extra !== undefined || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128);
}

/** A duration in seconds: a number, or "15m", "8h"… */
const duration = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const s = parseDurationSeconds(v);
    if (s === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use seconds or e.g. 15m, 8h)` });
      return z.NEVER;
    }
    return s;
  });

/** AWS accepts 900–43200 seconds for SessionDuration (AWS.md §1). */
const sessionDuration = duration.pipe(
  z.number().min(900, 'must be at least 900 seconds (15m)').max(43200, 'must be at most 43200 seconds (12h)'),
);

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL');

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes (max 32)');

/**
 * A secret may be written inline or taken from the environment as `env:NAME`; the loader replaces
 * `env:NAME` before validation, so the schema only sees the resolved value.
 */
const secret = z.string().min(1, 'must not be empty');

const oidcConnector = z.strictObject({
  id,
  type: z.literal('oidc'),
  displayName: z.string().min(1).optional(),
  issuer: httpUrl,
  clientId: z.string().min(1),
  clientSecret: secret.optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'not a valid scope')).default(['openid', 'email', 'profile']),
  /** Dotted path to the groups in the ID token or userinfo, e.g. `groups` or `realm_access.roles`. */
  groupsClaim: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a dotted claim path').default('groups'),
  groupsFrom: z.enum(['id_token', 'userinfo']).default('id_token'),
  idTokenAlg: z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA']).default('RS256'),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
  /** Extra authorization parameters, e.g. Google's `hd` or `prompt`; protocol parameters are refused. */
  authorizationParams: z.record(z.string(), z.string()).optional(),
  emailClaim: z.string().min(1).optional(),
  /** Unset: refuse only when `email_verified` is false; true: it must be true; false: ignore it. */
  requireEmailVerified: z.boolean().optional(),
  /** `amr` values that count as multi-factor. */
  mfaValues: z.array(z.string()).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
  /** Only for a provider on http://localhost during development and tests. */
  allowInsecureHttp: z.boolean().default(false),
});

const connector = z.discriminatedUnion('type', [oidcConnector]);

const roleRule = z.strictObject({
  /** The IdP group (or email) that grants the roles; matched exactly after Unicode NFC and trimming. */
  group: z.string().trim().min(1),
  /** One role ARN or a list; `{alias}` is replaced by the account id from `accounts`. */
  role: z.union([z.string(), z.array(z.string()).min(1)]),
  sessionDuration: sessionDuration.default(3600),
});

const aws = z.strictObject({
  partition: z.enum(['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').default('us-east-1'),
  /** Name of the IAM SAML provider created in every account (`aws iam create-saml-provider --name`). */
  samlProviderName: z.string().regex(/^[\w._-]{1,128}$/).default('hatrack'),
  /** Recipient, Destination and Audience of minted assertions; default: the partition's sign-in endpoint. */
  signinUrl: httpUrl.optional(),
  /** STS endpoint; default: the SDK's endpoint for the region. */
  stsEndpoint: httpUrl.optional(),
  /** The federation endpoint of AWS.md §3; default: the partition's. */
  federationEndpoint: httpUrl.optional(),
  /** Where the console opens; default: the partition's console home. */
  consoleDestination: httpUrl.optional(),
});

export const configSchema = z.strictObject({
  publicUrl: httpUrl,
  /**
   * Express `trust proxy`: false, a hop count, or the proxies' addresses (IPs, CIDRs, `loopback`,
   * `linklocal`, `uniquelocal`). Not `true`: that believes any client's X-Forwarded-For, which
   * would let anyone pick the address that rate limits count.
   */
  trustProxy: z.preprocess(
    // Values from `env:` references arrive as strings.
    (v) => (v === 'false' ? false : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
    z.union([
      z.literal(false),
      z.number().int().min(1).max(10),
      z.string().refine(isProxyAddress, 'must be an IP address, a CIDR, loopback, linklocal or uniquelocal'),
      z.array(z.string().refine(isProxyAddress, 'must be an IP address, a CIDR, loopback, linklocal or uniquelocal')).min(1),
    ], { error: 'must be false, a hop count (1–10) or the proxies\' addresses (true would trust any client\'s X-Forwarded-For)' }),
  ).default(false),
  store: z
    .strictObject({
      redis: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
      keyPrefix: z.string().default('hatrack:'),
    })
    .default({ keyPrefix: 'hatrack:' }),
  session: z
    .strictObject({
      /** Signs the session cookie; required when several processes share the store. */
      secret: secret.optional(),
      ttl: duration.pipe(z.number().min(300).max(7 * 86400)).default(8 * 3600),
    })
    .default({ ttl: 8 * 3600 }),
  signing: z
    .strictObject({
      key: z.string().default('certs/hatrack.key'),
      cert: z.string().default('certs/hatrack.crt'),
      nextKey: z.string().default('certs/hatrack.next.key'),
      nextCert: z.string().default('certs/hatrack.next.crt'),
      /** The IdP entity ID uploaded to IAM; default `<publicUrl>/saml/metadata`. */
      entityId: z.string().min(1).optional(),
    })
    .default({
      key: 'certs/hatrack.key', cert: 'certs/hatrack.crt',
      nextKey: 'certs/hatrack.next.key', nextCert: 'certs/hatrack.next.crt',
    }),
  connectors: z.array(connector).min(1, 'at least one connector is needed'),
  accounts: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'alias must be letters, digits, _ or -'), z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')).default({}),
  roles: z.array(roleRule).default([]),
  aws: aws.default({ partition: 'aws', region: 'us-east-1', samlProviderName: 'hatrack' }),
});

/** The configuration as written, after defaults and validation. */
export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type OidcConnectorConfig = z.output<typeof oidcConnector>;
export type RoleRuleConfig = z.output<typeof roleRule>;
