// The shape of hatrack.yaml (ARCHITECTURE.md "Configuration"), as a zod schema. Checks that need
// the whole document (aliases used by rules, unique ids) live in load.ts.
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseDurationSeconds } from './duration.ts';
import { isRegionName } from '../aws/partition.ts';
import { ID_TOKEN_ALGS, OIDC_DEFAULTS } from '../connectors/oidc/options.ts';
import { SAML_DEFAULTS, SIGNATURE_REQUIREMENTS } from '../connectors/saml/options.ts';
import { DATA_ENCRYPTION_NAMES, ENCRYPTION_MODES } from '../connectors/saml/encryption.ts';
import { MAX_GROUP_LENGTH } from '../mapping/normalise.ts';
import { isDomainName } from '../connectors/domains.ts';
import { CONNECTOR_ID, CONNECTOR_ID_RULE } from '../connectors/connector-id.ts';

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

const id = z.string().regex(CONNECTOR_ID, CONNECTOR_ID_RULE);

/**
 * A secret may be written inline or taken from the environment as `env:NAME`; the loader replaces
 * `env:NAME` before validation, so the schema only sees the resolved value.
 */
const secret = z.string().min(1, 'must not be empty');

/** A connector's `allowedDomains`: at least one domain name when set. */
const domainList = z.array(z.string().refine((d) => isDomainName(d.toLowerCase()), 'must be a domain name')).min(1).optional();

const oidcConnector = z.strictObject({
  id,
  type: z.literal('oidc'),
  displayName: z.string().min(1).optional(),
  issuer: httpUrl,
  clientId: z.string().min(1),
  clientSecret: secret.optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'not a valid scope')).default(() => [...OIDC_DEFAULTS.scopes]),
  /** Dotted path to the groups in the ID token or userinfo, e.g. `groups` or `realm_access.roles`. */
  groupsClaim: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a dotted claim path').default(OIDC_DEFAULTS.groupsClaim),
  groupsFrom: z.enum(['id_token', 'userinfo']).default(OIDC_DEFAULTS.groupsFrom),
  // The connector's own list: asymmetric algorithms only, never `none` or HMAC.
  idTokenAlg: z.enum(ID_TOKEN_ALGS).default(OIDC_DEFAULTS.idTokenAlg),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
  /** Extra authorization parameters, e.g. Google's `hd` or `prompt`; protocol parameters are refused. */
  authorizationParams: z.record(z.string(), z.string()).optional(),
  emailClaim: z.string().min(1).optional(),
  /** Unset: refuse only when `email_verified` is false; true: it must be true; false: ignore it. */
  requireEmailVerified: z.boolean().optional(),
  /** `amr` values that count as multi-factor (for rules with requireMfa). */
  mfaValues: z.array(z.string()).optional(),
  /** `acr` values that count as multi-factor. */
  mfaAcrValues: z.array(z.string()).optional(),
  /**
   * The provider treats group names as case-insensitive (e.g. Entra ID, Active Directory): rules then
   * compare ASCII letters ignoring case. Default false: exact comparison.
   */
  groupsCaseInsensitive: z.boolean().default(false),
  /** Only emails in these domains get in (exact domain, case-insensitive; like Google's `hd`). */
  allowedDomains: domainList,
  /**
   * The provider verifies every address it sends, so rules' `email` may match it even without an
   * `email_verified: true` claim (Entra ID sends none). Default false.
   */
  emailsVerified: z.boolean().default(false),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
  /** Only for a provider on http://localhost during development and tests. */
  allowInsecureHttp: z.boolean().default(false),
});

/**
 * A SAML 2.0 IdP (Google Workspace by default shapes, any SAML IdP by settings). Hatrack's side:
 * ACS `<publicUrl>/saml/<id>/acs`, SP metadata at `<publicUrl>/saml/<id>/metadata`.
 */
const samlConnector = z.strictObject({
  id,
  type: z.literal('saml'),
  displayName: z.string().min(1).optional(),
  /** The IdP's entity ID exactly (Google: `https://accounts.google.com/o/saml2?idpid=…`). */
  idpEntityId: z.string().min(1),
  /** The IdP's SSO URL, HTTP-Redirect binding (Google: `https://accounts.google.com/o/saml2/idp?idpid=…`). */
  idpSsoUrl: httpUrl,
  /** The IdP's signing certificates: PEM text or file paths; list the old and new during a rotation. */
  idpCerts: z.array(z.string().min(1)).min(1, 'at least one IdP certificate is needed'),
  /** Our SP entity ID; default `<publicUrl>/saml/<id>/metadata`. */
  entityId: z.string().min(1).optional(),
  /** Accept unsolicited responses: the Google app tile (IdP-initiated). */
  allowIdpInitiated: z.boolean().default(false),
  /** From the tile, a person with exactly one role goes straight to the console. */
  straightToConsoleWhenOneRole: z.boolean().default(false),
  /** Multi-valued attribute with the groups (Google: map "Group membership" to it). */
  groupsAttribute: z.string().min(1).default(SAML_DEFAULTS.groupsAttribute),
  /** The IdP sends every group in one value, separated by exactly this text (`,` or `, `); default: one value per group. */
  groupsDelimiter: z.string().min(1).max(8).optional(),
  /** `nameid` or the attribute holding the email. */
  emailFrom: z.string().min(1).default(SAML_DEFAULTS.emailFrom),
  nameAttribute: z.string().min(1).optional(),
  firstNameAttribute: z.string().min(1).optional(),
  lastNameAttribute: z.string().min(1).optional(),
  /** Only emails in these domains get in (like Google's `hd`). */
  allowedDomains: domainList,
  /**
   * The IdP verifies every address it sends (Google Workspace: the accounts' own addresses), so
   * rules' `email` may match it. Default false: SAML carries no per-address verification.
   */
  emailsVerified: z.boolean().default(false),
  clockSkewSeconds: z.number().int().min(60).max(180).default(SAML_DEFAULTS.clockSkewSeconds),
  /**
   * Which signature must cover every assertion: `either` (default: the Assertion's own or the
   * Response's, as real IdPs do one or the other), `assertion`, `response` or `both`.
   */
  requireSignatureOn: z.enum(SIGNATURE_REQUIREMENTS, {
    error: 'must be either (the Assertion or the Response signed, or both), assertion, response or both',
  }).default(SAML_DEFAULTS.requireSignatureOn),
  /**
   * Encrypted assertions (AD FS, Okta, Shibboleth, Keycloak send them once the SP metadata offers a
   * key): `off` (default: refused), `optional`, or `required` (a plain assertion is refused).
   */
  assertionEncryption: z.enum(ENCRYPTION_MODES).default('off'),
  /** Content encryption accepted; AES-GCM by default. CBC only where the Response's signature is required (docs/decisions/0002). */
  dataEncryptionAlgorithms: z.array(z.enum(DATA_ENCRYPTION_NAMES)).min(1).optional(),
  /** Replaced by requireSignatureOn; named here so that check-config says what to write instead. */
  wantResponseSigned: z.unknown().refine(() => false, 'was replaced by requireSignatureOn: response (the Response must be signed) or both').optional(),
  wantAssertionsSigned: z.unknown().refine(() => false, 'was replaced by requireSignatureOn: assertion (the Assertion must be signed) or both').optional(),
  /** AuthnContextClassRef values that count as multi-factor. */
  mfaContextClasses: z.array(z.string()).optional(),
  groupsCaseInsensitive: z.boolean().default(false),
  /** Only for an IdP on http:// during development and tests. */
  allowInsecureHttp: z.boolean().default(false),
});

/** A person's directory entry: the LDAP attribute holding each field. */
const ldapAttributes = z.strictObject({
  /** A stable, textual id: `uid` (OpenLDAP), `sAMAccountName` (Active Directory), or `dn`. */
  subject: z.string().min(1).default('uid'),
  email: z.string().min(1).default('mail'),
  name: z.string().min(1).default('cn'),
});

/**
 * An LDAP directory (Active Directory, OpenLDAP): people sign in with a password on Hatrack's own
 * form; Hatrack binds as a service account to find them and as them to check the password.
 */
const ldapConnector = z.strictObject({
  id,
  type: z.literal('ldap'),
  displayName: z.string().min(1).optional(),
  /** `ldaps://host:636`, or `ldap://host:389` with `startTls: true`. */
  url: z.string().regex(/^ldaps?:\/\/[^\s/]+\/?$/, 'must be an ldap:// or ldaps:// URL (host and port, no path)'),
  startTls: z.boolean().default(false),
  /** The CA certificate(s) the directory's certificate must chain to: PEM text or a file path (pinned; the system's CAs are not used). */
  ca: z.string().min(1).optional(),
  bindDn: z.string().min(1),
  bindPassword: secret,
  userBase: z.string().min(1),
  /** `{username}` is replaced by the typed username, escaped (RFC 4515). */
  userFilter: z.string().refine((f) => f.includes('{username}'), 'must contain {username}').default('(&(objectClass=person)(uid={username}))'),
  attributes: ldapAttributes.prefault({}),
  /** `memberOf` (default), or a search for the groups that list the person (`{dn}` is their DN). */
  groups: z.union([
    z.literal('memberOf'),
    z.strictObject({ base: z.string().min(1), filter: z.string().refine((f) => f.includes('{dn}'), 'must contain {dn}') }),
  ]).default('memberOf'),
  /** Group names as rules see them: the value of the group DN's first RDN (`cn`), or the whole DN. */
  groupName: z.enum(['rdn', 'dn']).default('rdn'),
  timeout: duration.pipe(z.number().min(1).max(60)).default(5),
  /** The directory holds only addresses the organisation verified, so rules' `email` may match them. Default false. */
  emailsVerified: z.boolean().default(false),
  /** Active Directory compares group names ignoring case: rules then do too (ASCII letters). */
  groupsCaseInsensitive: z.boolean().default(false),
  allowedDomains: domainList,
  /** Plain ldap:// without StartTLS: only for a directory on localhost during development and tests. */
  allowInsecure: z.boolean().default(false),
}).superRefine((c, ctx) => {
  const tls = c.url.startsWith('ldaps:') || c.startTls;
  if (!tls && !c.allowInsecure) ctx.addIssue({ code: 'custom', path: ['url'], message: 'sends passwords in clear text: use ldaps://, or startTls: true (allowInsecure: true only for development)' });
  if (tls && c.ca === undefined) ctx.addIssue({ code: 'custom', path: ['ca'], message: 'is required with TLS: the directory\'s CA certificate (PEM text or a file path)' });
  if (c.url.startsWith('ldaps:') && c.startTls) ctx.addIssue({ code: 'custom', path: ['startTls'], message: 'does not apply to ldaps://, which is TLS from the start' });
});

/** A path into a strategy's profile: keys and array positions, dot-separated (`emails.0.value`). */
const profilePath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a dotted path into the profile, e.g. emails.0.value');

/**
 * Any installed passport strategy: the module and export that hold its class, the options it is
 * built with (secrets as `env:NAME`), and where its profile keeps who signed in.
 */
const passportConnector = z.strictObject({
  id,
  type: z.literal('passport'),
  displayName: z.string().min(1).optional(),
  /** An installed package (`passport-github2`), or a file path (relative ones resolve like the key and certificate paths). */
  module: z.string().min(1),
  /** The export that is the Strategy class. */
  export: z.string().min(1).default('Strategy'),
  /** Passed to the strategy's constructor; Hatrack adds the callback URL under `callbackUrlOption`. */
  options: z.record(z.string(), z.unknown()).default({}),
  callbackUrlOption: z.string().min(1).default('callbackURL'),
  /**
   * How the strategy calls its verify callback: some choose what to pass by the callback's number
   * of parameters (`arity`); the profile is the argument at `profileArgument` (0-based), by default
   * the one just before `done`.
   */
  verify: z.strictObject({
    arity: z.number().int().min(2).max(12).optional(),
    profileArgument: z.number().int().min(0).max(10).optional(),
  }).prefault({}),
  profile: z.strictObject({
    subject: profilePath.default('id'),
    email: profilePath.default('emails.0.value'),
    name: profilePath.default('displayName'),
    groups: profilePath.optional(),
  }).prefault({}),
  /** The source vouches for every address it sends, so rules' `email` may match them. Default false. */
  emailsVerified: z.boolean().default(false),
  /** The source proves a second factor for every sign-in, so `requireMfa` rules may grant. Default false. */
  provesMfa: z.boolean().default(false),
  groupsCaseInsensitive: z.boolean().default(false),
  allowedDomains: domainList,
});

const connector = z.discriminatedUnion('type', [oidcConnector, samlConnector, ldapConnector, passportConnector]);

/** A 12-digit AWS account id. */
// YAML reads an unquoted 012345678901 as the number 12345678901: the leading zero is lost.
const accountIdProblem = (issue: { input?: unknown }) => (typeof issue.input === 'number'
  ? `is read as a number (${issue.input}), which loses leading zeros: write account ids in quotes, e.g. "${String(issue.input).padStart(12, '0').slice(-12)}"`
  : undefined);
const accountId = z.string({ error: (issue) => accountIdProblem(issue) ?? 'must be a 12-digit account id, in quotes' }).regex(/^\d{12}$/, 'must be a 12-digit account id');

/**
 * An account: its id, or the id with the IAM SAML provider Hatrack is registered as there (a name,
 * or an ARN in that account); default `aws.samlProviderName`.
 */
const account = z.union([
  accountId,
  z.strictObject({
    id: accountId,
    samlProvider: z.string().refine((v) => v.startsWith('arn:') || /^[\w.-]{1,128}$/.test(v), 'must be an IAM SAML provider name or ARN').optional(),
  }),
], { error: (issue) => accountIdProblem(issue) ?? 'must be a 12-digit account id in quotes, or { id, samlProvider }' });

/**
 * A rule of `roles[]` (README "Mapping"). Which keys go together is checked below so that each
 * problem is reported at its own path; how the values resolve (aliases, patterns, tags) is checked
 * by src/mapping/rules.ts.
 */
const roleRule = z.strictObject({
  /** Shown by `hatrack explain`. */
  description: z.string().max(200).optional(),
  /** The IdP group that the rule applies to; matched exactly after Unicode NFC and trimming. */
  group: z.string().trim().min(1).max(MAX_GROUP_LENGTH, `must be at most ${MAX_GROUP_LENGTH} characters`).optional(),
  /** A regular expression the whole group name must match; its named captures fill the role template. */
  groupPattern: z.string().min(1).optional(),
  /**
   * One person: matched against the address only when the person's connector vouches for it
   * (OIDC email_verified, or the connector's emailsVerified), never against group names.
   */
  email: z.string().trim().min(3).max(320).refine((v) => /^[^@\s]+@[^@\s]+$/.test(v), 'must be one email address').optional(),
  /** The connectors whose people the rule applies to (their ids); default every connector. */
  connector: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** A deny rule takes roles away from the people it matches, whatever the allow rules say. */
  deny: z.boolean().default(false),
  /** One role ARN template or a list; `{alias}` from `accounts`, `{capture}` from groupPattern. A deny without roles denies every role. */
  role: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Default 1h. */
  sessionDuration: sessionDuration.optional(),
  /** Grant only when the sign-in used multi-factor authentication. */
  requireMfa: z.boolean().optional(),
  /** PrincipalTag key → identity field (email, name, subject, connector, claim:<path>, capture:<name>, literal:<text>). */
  sessionTags: z.record(z.string(), z.string()).optional(),
  /** Tag keys that stay with the session through role chaining. */
  transitiveTagKeys: z.array(z.string()).optional(),
  /** The console page the role opens by default: an absolute console URL or a path such as /ec2/home. */
  destination: z.string().min(1).optional(),
}).superRefine((rule, ctx) => {
  if ([rule.group, rule.groupPattern, rule.email].filter((v) => v !== undefined).length !== 1) {
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of group, groupPattern or email', path: [] });
  }
  if (!rule.deny && rule.role === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is required: the roles this rule grants', path: ['role'] });
  }
  if (rule.deny) {
    for (const key of ['sessionDuration', 'requireMfa', 'sessionTags', 'transitiveTagKeys', 'destination'] as const) {
      if (rule[key] !== undefined) ctx.addIssue({ code: 'custom', message: 'does not apply to a deny rule', path: [key] });
    }
  }
});

const aws = z.strictObject({
  partition: z.enum(['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
  region: z.string().refine(isRegionName, 'must be an AWS region such as us-east-1').default('us-east-1'),
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
  /**
   * The identity field SourceIdentity is made from (sanitised to AWS's charset): email (default),
   * subject, name or claim:<path>. It lands in CloudTrail on every call of the session.
   */
  sourceIdentity: z.string().regex(/^(email|subject|name|claim:[^.\s]+(\.[^.\s]+)*)$/, 'must be email, subject, name or claim:<path>').default('email'),
});

/** A key, its certificate, and the next pair during a rotation: `<stem>.key`, `.crt`, `.next.key`, `.next.crt` unless named. */
function keyFiles(stem: string) {
  return {
    key: z.string().default(`${stem}.key`),
    cert: z.string().default(`${stem}.crt`),
    nextKey: z.string().default(`${stem}.next.key`),
    nextCert: z.string().default(`${stem}.next.crt`),
  };
}

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');

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
      /**
       * One server (`redis://…`, `rediss://…`), a Redis Cluster (`{ cluster: { nodes: [url…] } }`)
       * or Sentinel (`{ sentinel: { name, sentinels: [host:port…], password?, sentinelPassword? } }`).
       */
      redis: z.union([
        redisUrl,
        z.strictObject({ cluster: z.strictObject({ nodes: z.array(redisUrl).min(1, 'name at least one node of the cluster') }) }),
        z.strictObject({
          sentinel: z.strictObject({
            name: z.string().min(1),
            sentinels: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port')).min(1, 'name at least one sentinel'),
            password: secret.optional(),
            sentinelPassword: secret.optional(),
          }),
        }),
      ], { error: 'must be a redis:// or rediss:// URL, { cluster: { nodes: [...] } } or { sentinel: { name, sentinels: [...] } }' }).optional(),
      keyPrefix: z.string().default('hatrack:'),
    })
    .default({ keyPrefix: 'hatrack:' }),
  session: z
    .strictObject({
      /** Signs the session cookie; required when several processes share the store. */
      secret: secret.refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'must be at least 32 bytes (e.g. `openssl rand -base64 32`)').optional(),
      ttl: duration.pipe(z.number().min(300).max(7 * 86400)).default(8 * 3600),
    })
    .default({ ttl: 8 * 3600 }),
  /**
   * Prometheus metrics, on a listener of their own (never the public one): `host:port`, e.g.
   * `127.0.0.1:9464`; port 0 picks a free one. Unset: no metrics are served.
   */
  metrics: z.strictObject({
    listen: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, 'must be host:port, e.g. 127.0.0.1:9464')
      .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'the port must be at most 65535').optional(),
  }).prefault({}),
  /**
   * Who may open the admin pages (/admin/activity): people in one of `groups` (exact names, as
   * the connector sends them), after a multi-factor sign-in where their connector can prove one.
   */
  admin: z.strictObject({
    groups: z.array(z.string().min(1)).default([]),
    requireMfa: z.boolean().default(true),
  }).prefault({}),
  /** The CLI's device login (RFC 8628) and the broker tokens it ends with. */
  device: z
    .strictObject({
      /** Public client ids allowed to ask for device codes; the `hatrack` CLI is `hatrack-cli`. */
      clients: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be letters, digits, ., _ or - (max 64)')).min(1).default(['hatrack-cli']),
      /** How long a code may wait for its approval. */
      codeTtl: duration.pipe(z.number().min(60).max(1800)).default(600),
      /** Seconds between the CLI's polls. */
      interval: z.number().int().min(1).max(60).default(5),
      /** How long a broker token lives at most; it never outlives the browser sign-in that approved it. */
      tokenTtl: duration.pipe(z.number().min(300).max(7 * 86400)).default(8 * 3600),
    })
    .prefault({}),
  signing: z
    .strictObject({
      ...keyFiles('certs/hatrack'),
      /** The IdP entity ID uploaded to IAM; default `<publicUrl>/saml/metadata`. */
      entityId: z.string().min(1).optional(),
    })
    .prefault({}),
  /** The key SAML connectors decrypt assertions with (generated when absent), published in their SP metadata. */
  decryption: z.strictObject(keyFiles('certs/hatrack-sp')).prefault({}),
  connectors: z.array(connector).min(1, 'at least one connector is needed'),
  accounts: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'alias must be letters, digits, _ or -'), account).default({}),
  roles: z.array(roleRule).default([]),
  aws: aws.default({ partition: 'aws', region: 'us-east-1', samlProviderName: 'hatrack', sourceIdentity: 'email' }),
});

/** The configuration as written, after defaults and validation. */
export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type OidcConnectorConfig = z.output<typeof oidcConnector>;
export type SamlConnectorConfig = z.output<typeof samlConnector>;
export type LdapConnectorConfig = z.output<typeof ldapConnector>;
export type PassportConnectorConfig = z.output<typeof passportConnector>;
export type RoleRuleConfig = z.output<typeof roleRule>;
export type AccountEntryConfig = z.output<typeof account>;
