// The IAM side of the stand-in: SAML providers (what `aws iam create-saml-provider` would hold)
// and roles with their trust: either a real trust policy document (trust-policy.ts), or, for tests
// that only need to switch one fact, the few booleans AssumeRoleWithSAML consults.
import { StandinError } from './errors.ts';
import { parseTrustPolicy, trustPolicyAllows, type TrustPolicy } from './trust-policy.ts';
import { newRoleId } from './ids.ts';
import { parseIdpMetadata, type IdpMetadata } from './metadata.ts';

export interface SamlProvider extends IdpMetadata {
  arn: string;
  account: string;
  /** The provider's friendly name, the last part of its ARN. */
  name: string;
}

export interface RoleOptions {
  /** Seconds, 3600–43200 as IAM allows; default 3600. */
  maxSessionDuration?: number;
  /** Provider ARNs the trust policy names; default: any registered provider in the role's account. */
  trustedProviders?: string[];
  /** Whether the trust policy allows `sts:SetSourceIdentity`; default true. */
  allowSetSourceIdentity?: boolean;
  /** Whether the trust policy allows `sts:TagSession`; default true. */
  allowTagSession?: boolean;
  /**
   * A real trust policy document (object or JSON text), as `aws iam create-role
   * --assume-role-policy-document` takes it; when given, it alone decides who may assume the role
   * and the three options above must be left out.
   */
  trustPolicy?: unknown;
}

/** The actions AssumeRoleWithSAML asks the trust policy about. */
export type TrustAction = 'sts:AssumeRoleWithSAML' | 'sts:SetSourceIdentity' | 'sts:TagSession';

export interface Role {
  arn: string;
  /** `aws`, `aws-us-gov`, `aws-cn`: the first field of its ARN. */
  partition: string;
  account: string;
  /** The role's name without its path. */
  name: string;
  roleId: string;
  maxSessionDuration: number;
  trustedProviders?: ReadonlySet<string>;
  allowSetSourceIdentity: boolean;
  allowTagSession: boolean;
  trustPolicy?: TrustPolicy;
}

// IAM ARNs read field by field (`arn:partition:iam::account:resource`), each field with its own
// pattern: one expression for the whole ARN would let the path repetition and the name overlap.
const PARTITION = /^aws(-[a-z]+)*$/;
const ACCOUNT = /^\d{12}$/;
const PROVIDER_NAME = /^[\w.-]{1,128}$/;
// A role path is `/`, or `/`-separated runs of printable ASCII ending in `/`; the runs hold no `/`.
const ROLE_PATH = /^\/(?:[\x21-\x2e\x30-\x7e]+\/)*$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The fields of an IAM ARN whose resource starts with `type/`; undefined for anything else. */
function iamArn(arn: string, type: string): { partition: string; account: string; resource: string } | undefined {
  const fields: string[] = [];
  let rest = arn;
  // The first five fields end at a colon; the resource (a role path may hold colons) is the rest.
  for (let i = 0; i < 5; i++) {
    const colon = rest.indexOf(':');
    if (colon < 0) return undefined;
    fields.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const [scheme, partition, service, region, account] = fields as [string, string, string, string, string];
  if (scheme !== 'arn' || !PARTITION.test(partition) || service !== 'iam' || region !== '' || !ACCOUNT.test(account)) return undefined;
  if (!rest.startsWith(`${type}/`)) return undefined;
  return { partition, account, resource: rest.slice(type.length) };
}

export function parseProviderArn(arn: string): { account: string; name: string } | undefined {
  const parsed = iamArn(arn, 'saml-provider');
  const name = parsed?.resource.slice(1);
  return parsed && name !== undefined && PROVIDER_NAME.test(name) ? { account: parsed.account, name } : undefined;
}

export function parseRoleArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const parsed = iamArn(arn, 'role');
  if (!parsed) return undefined;
  const slash = parsed.resource.lastIndexOf('/');
  const path = parsed.resource.slice(0, slash + 1);
  const name = parsed.resource.slice(slash + 1);
  return ROLE_PATH.test(path) && ROLE_NAME.test(name) ? { partition: parsed.partition, account: parsed.account, name } : undefined;
}

/** The account an ARN belongs to: its fifth field. */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export class IamDirectory {
  private readonly providers = new Map<string, SamlProvider>();
  private readonly roles = new Map<string, Role>();

  private readonly accountIdFor: (arn: string) => string;

  constructor(accountIdFor: (arn: string) => string = accountOfArn) {
    this.accountIdFor = accountIdFor;
  }

  /** Registers or replaces (as update-saml-provider does) a SAML provider from its IdP metadata. */
  registerSamlProvider(arn: string, metadataXml: string): SamlProvider {
    const parsed = parseProviderArn(arn);
    if (!parsed) throw new StandinError('InvalidInput', 400, `'${arn}' is not a SAML provider ARN.`);
    const provider = { ...parseIdpMetadata(metadataXml), arn, account: this.accountIdFor(arn), name: parsed.name };
    this.providers.set(arn, provider);
    return provider;
  }

  registerRole(arn: string, options: RoleOptions = {}): Role {
    const parsed = parseRoleArn(arn);
    if (!parsed) throw new StandinError('InvalidInput', 400, `'${arn}' is not a role ARN.`);
    const max = options.maxSessionDuration ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) {
      throw new StandinError('InvalidInput', 400, 'MaxSessionDuration must be between 3600 and 43200 seconds.');
    }
    if (options.trustPolicy !== undefined &&
      (options.trustedProviders !== undefined || options.allowSetSourceIdentity !== undefined || options.allowTagSession !== undefined)) {
      throw new StandinError('InvalidInput', 400, 'Give either a trust policy document or the trust options, not both.');
    }
    const trustPolicy = options.trustPolicy === undefined ? undefined : parseTrustPolicy(options.trustPolicy);
    const previous = this.roles.get(arn);
    const role: Role = {
      arn,
      partition: parsed.partition,
      account: this.accountIdFor(arn),
      name: parsed.name,
      roleId: previous?.roleId ?? newRoleId(),
      maxSessionDuration: max,
      trustedProviders: options.trustedProviders ? new Set(options.trustedProviders) : undefined,
      allowSetSourceIdentity: options.allowSetSourceIdentity ?? true,
      allowTagSession: options.allowTagSession ?? true,
      ...(trustPolicy && { trustPolicy }),
    };
    this.roles.set(arn, role);
    return role;
  }

  provider(arn: string): SamlProvider | undefined {
    return this.providers.get(arn);
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  /** Whether the role's trust policy lets principals federated by `provider` assume it. */
  trusts(role: Role, provider: SamlProvider): boolean {
    if (role.trustPolicy) return this.permits(role, 'sts:AssumeRoleWithSAML', provider, {});
    if (role.trustedProviders) return role.trustedProviders.has(provider.arn);
    return role.account === provider.account;
  }

  /**
   * Whether the role's trust lets `provider`'s principals perform `action`, given the condition keys
   * of the call (lower case, e.g. `saml:aud`).
   */
  permits(role: Role, action: TrustAction, provider: SamlProvider, keys: Readonly<Record<string, string | undefined>>): boolean {
    if (role.trustPolicy) return trustPolicyAllows(role.trustPolicy, { action, principal: provider.arn, keys });
    if (action === 'sts:AssumeRoleWithSAML') return this.trusts(role, provider);
    if (action === 'sts:SetSourceIdentity') return role.allowSetSourceIdentity;
    return role.allowTagSession;
  }
}
