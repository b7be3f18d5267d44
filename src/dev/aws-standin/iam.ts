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

const PROVIDER_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):saml-provider\/([\w.-]{1,128})$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;

export function parseProviderArn(arn: string): { account: string; name: string } | undefined {
  const m = PROVIDER_ARN.exec(arn);
  return m ? { account: m[2]!, name: m[3]! } : undefined;
}

export function parseRoleArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: arn.split(':')[1]!, account: m[2]!, name: m[4]! } : undefined;
}

/** The account an ARN belongs to: its fifth field. */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export class IamDirectory {
  private readonly providers = new Map<string, SamlProvider>();
  private readonly roles = new Map<string, Role>();

  constructor(private readonly accountIdFor: (arn: string) => string = accountOfArn) {}

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
