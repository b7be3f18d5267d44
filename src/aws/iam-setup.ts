// What `hatrack iam-setup` emits, computed from the rules alone (pure): for every account, the IAM
// SAML provider Hatrack is registered as (with its metadata document), and for every role the rules
// name, the trust policy that lets exactly that provider assume it (README "Register Hatrack in IAM"):
//   - `sts:AssumeRoleWithSAML` from that one provider, with `SAML:aud` equal to the sign-in endpoint
//     Hatrack puts into Recipient (IAM takes SAML:aud from Recipient, AWS.md §1);
//   - `sts:SetSourceIdentity`, since every assertion carries a SourceIdentity (W9);
//   - `sts:TagSession` only when a rule granting the role sets session tags;
//   - MaxSessionDuration at least the longest sessionDuration of those rules (IAM allows 3600–43200).
// Roles named by groupPattern rules depend on group names and cannot be listed; they get a note.
// Two renderings: one CloudFormation template per account, and plain IAM JSON.
import type { RuleSet } from '../mapping/rules.ts';
import { parseRoleArn } from './arn.ts';

export interface IamSetupInput {
  rules: RuleSet;
  /** The Recipient of minted assertions (config aws.signinUrl or the partition's endpoint): IAM's SAML:aud. */
  samlAudience: string;
  /** Hatrack's IdP metadata, as `hatrack keys metadata` prints it. */
  metadataXml: string;
}

export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Principal: { Federated: string | { Ref: string } };
    Action: string[];
    Condition: { StringEquals: { 'SAML:aud': string } };
  }>;
}

export interface RoleSetup {
  arn: string;
  name: string;
  /** IAM path, `/` or `/a/b/`. */
  path: string;
  maxSessionDuration: number;
  usesSessionTags: boolean;
  /** Indexes in config `roles[]` of the rules that grant it. */
  rules: number[];
  trustPolicy: TrustPolicy;
}

export interface AccountSetup {
  accountId: string;
  alias?: string;
  samlProvider: { name: string; arn: string };
  roles: RoleSetup[];
}

export interface IamSetup {
  samlAudience: string;
  metadataXml: string;
  accounts: AccountSetup[];
  /** Things the admin must still do by hand (roles of groupPattern rules). */
  notes: string[];
}

/** IAM's MaxSessionDuration range. */
const MIN_MAX_SESSION = 3600;
const MAX_MAX_SESSION = 43200;

export const ACTIONS = {
  assume: 'sts:AssumeRoleWithSAML',
  sourceIdentity: 'sts:SetSourceIdentity',
  tagSession: 'sts:TagSession',
} as const;

/** The trust policy letting exactly `provider` assume a role through Hatrack. */
export function trustPolicy(provider: string | { Ref: string }, samlAudience: string, options: { tagSession: boolean }): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'HatrackSignIn',
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: [ACTIONS.assume, ACTIONS.sourceIdentity, ...(options.tagSession ? [ACTIONS.tagSession] : [])],
      Condition: { StringEquals: { 'SAML:aud': samlAudience } },
    }],
  };
}

export function planIamSetup(input: IamSetupInput): IamSetup {
  const accounts = new Map<string, AccountSetup>();
  const accountFor = (id: string): AccountSetup => {
    let entry = accounts.get(id);
    if (!entry) {
      const account = input.rules.accounts.forId(id);
      const name = account.providerArn.slice(account.providerArn.lastIndexOf('/') + 1);
      entry = { accountId: id, ...(account.alias !== undefined && { alias: account.alias }), samlProvider: { name, arn: account.providerArn }, roles: [] };
      accounts.set(id, entry);
    }
    return entry;
  };
  // Every configured account gets its provider, even with no fixed role: patterns may reach it.
  for (const account of input.rules.accounts.byId.values()) accountFor(account.id);

  const roles = new Map<string, { account: string; duration: number; tags: boolean; rules: number[] }>();
  const notes: string[] = [];
  for (const rule of input.rules.rules) {
    if (rule.effect !== 'allow') continue;
    for (const target of rule.roles) {
      if (target.kind === 'template') {
        notes.push(`roles[${rule.index}] (${target.template.source}) names its roles from group names, so they are not listed: ` +
          `give each role it may name the trust policy shown here${rule.sessionTags.length > 0 ? ' with sts:TagSession' : ''} and a MaxSessionDuration of at least ${Math.max(MIN_MAX_SESSION, rule.sessionDuration)} s.`);
        continue;
      }
      const { roleArn, accountId } = target.role;
      accountFor(accountId);
      const seen = roles.get(roleArn);
      if (seen) {
        seen.duration = Math.max(seen.duration, rule.sessionDuration);
        seen.tags ||= rule.sessionTags.length > 0;
        if (!seen.rules.includes(rule.index)) seen.rules.push(rule.index);
      } else {
        roles.set(roleArn, { account: accountId, duration: rule.sessionDuration, tags: rule.sessionTags.length > 0, rules: [rule.index] });
      }
    }
  }

  for (const [arn, r] of roles) {
    const account = accountFor(r.account);
    const parsed = parseRoleArn(arn);
    account.roles.push({
      arn,
      name: parsed.name,
      path: parsed.path,
      maxSessionDuration: Math.min(MAX_MAX_SESSION, Math.max(MIN_MAX_SESSION, r.duration)),
      usesSessionTags: r.tags,
      rules: r.rules,
      trustPolicy: trustPolicy(account.samlProvider.arn, input.samlAudience, { tagSession: r.tags }),
    });
  }
  return { samlAudience: input.samlAudience, metadataXml: input.metadataXml, accounts: [...accounts.values()], notes };
}

const PROVIDER_ID = 'HatrackSamlProvider';

/** A CloudFormation logical ID (alphanumeric, unique in the template) for a role. */
function logicalIds(roles: RoleSetup[]): string[] {
  const used = new Set<string>([PROVIDER_ID]);
  return roles.map((role) => {
    const base = `Role${`${role.path}${role.name}`.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 200);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}${n}`;
    used.add(id);
    return id;
  });
}

/** One CloudFormation template for one account: the SAML provider and the roles' trust policies. */
export function cloudFormationTemplate(setup: IamSetup, account: AccountSetup): Record<string, unknown> {
  const ids = logicalIds(account.roles);
  const resources: Record<string, unknown> = {
    [PROVIDER_ID]: {
      Type: 'AWS::IAM::SAMLProvider',
      Properties: { Name: account.samlProvider.name, SamlMetadataDocument: setup.metadataXml },
    },
  };
  const outputs: Record<string, unknown> = {
    SamlProviderArn: { Description: 'The IAM SAML provider Hatrack signs in through', Value: { Ref: PROVIDER_ID } },
  };
  account.roles.forEach((role, i) => {
    const id = ids[i]!;
    resources[id] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: role.name,
        Path: role.path,
        Description: `Worn through Hatrack (rules ${role.rules.map((r) => `roles[${r}]`).join(', ')}); attach its permissions with ManagedPolicyArns or Policies.`,
        MaxSessionDuration: role.maxSessionDuration,
        // Ref makes CloudFormation create the provider first; it resolves to the provider's ARN.
        AssumeRolePolicyDocument: trustPolicy({ Ref: PROVIDER_ID }, setup.samlAudience, { tagSession: role.usesSessionTags }),
      },
    };
    outputs[`${id}Arn`] = { Value: { 'Fn::GetAtt': [id, 'Arn'] } };
  });
  const label = account.alias ? `${account.alias} (${account.accountId})` : account.accountId;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Hatrack sign-in for AWS account ${label}: the IAM SAML provider and the roles Hatrack hands out, each trusting only that provider. Generated by hatrack iam-setup.`,
    Resources: resources,
    Outputs: outputs,
  };
}

/** The plan as plain IAM JSON: per account the provider (with its metadata) and each role's trust policy. */
export function iamSetupJson(setup: IamSetup, accounts: AccountSetup[] = setup.accounts): Record<string, unknown> {
  return {
    samlAudience: setup.samlAudience,
    accounts: accounts.map((a) => ({
      accountId: a.accountId,
      ...(a.alias !== undefined && { alias: a.alias }),
      samlProvider: { name: a.samlProvider.name, arn: a.samlProvider.arn, samlMetadataDocument: setup.metadataXml },
      roles: a.roles.map((r) => ({
        roleName: r.name,
        path: r.path,
        arn: r.arn,
        maxSessionDuration: r.maxSessionDuration,
        grantedBy: r.rules.map((i) => `roles[${i}]`),
        assumeRolePolicyDocument: r.trustPolicy,
      })),
    })),
    notes: setup.notes,
  };
}
