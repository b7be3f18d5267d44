// The `accounts` section resolved: alias → 12-digit id and the ARN of the IAM SAML provider that
// Hatrack is registered as in that account (default `arn:<partition>:iam::<id>:saml-provider/<aws.samlProviderName>`,
// or the account's own `samlProvider`, a name or an ARN in that account).
import type { ConfigProblem } from '../config/problems.ts';
import { isSamlProviderArn, parseSamlProviderArn, samlProviderArn } from '../aws/arn.ts';

export interface Account {
  id: string;
  alias?: string;
  providerArn: string;
}

export type AccountConfig = string | { id: string; samlProvider?: string };

export interface AccountTable {
  /** By alias, as written in config. */
  readonly byAlias: ReadonlyMap<string, Account>;
  /** By id; an id under two aliases is listed under the first. */
  readonly byId: ReadonlyMap<string, Account>;
  /** The account for an id, configured or not (then with the default provider). */
  forId(id: string): Account;
}

export interface AccountSettings {
  partition: string;
  samlProviderName: string;
}

export function compileAccounts(
  accounts: Record<string, AccountConfig>,
  settings: AccountSettings,
): { table: AccountTable; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const byAlias = new Map<string, Account>();
  const byId = new Map<string, Account>();

  for (const [alias, entry] of Object.entries(accounts)) {
    const id = typeof entry === 'string' ? entry : entry.id;
    const provider = typeof entry === 'string' ? undefined : entry.samlProvider;
    let providerArn: string;
    if (provider === undefined) {
      providerArn = samlProviderArn(settings.partition, id, settings.samlProviderName);
    } else if (provider.startsWith('arn:')) {
      if (!isSamlProviderArn(provider)) {
        problems.push({ path: `accounts.${alias}.samlProvider`, message: `"${provider}" is not an IAM SAML provider ARN` });
        continue;
      }
      const parsed = parseSamlProviderArn(provider);
      if (parsed.accountId !== id || parsed.partition !== settings.partition) {
        // AssumeRoleWithSAML needs the provider in the role's own account (and partition).
        problems.push({ path: `accounts.${alias}.samlProvider`, message: `must be a provider in account ${id} of partition ${settings.partition}` });
        continue;
      }
      providerArn = provider;
    } else {
      providerArn = samlProviderArn(settings.partition, id, provider);
    }
    const account: Account = { id, alias, providerArn };
    const earlier = byId.get(id);
    if (earlier && earlier.providerArn !== providerArn) {
      problems.push({ path: `accounts.${alias}`, message: `account ${id} is also "${earlier.alias}" with another SAML provider; one account has one provider for Hatrack` });
      continue;
    }
    byAlias.set(alias, account);
    if (!earlier) byId.set(id, account);
  }

  return {
    table: {
      byAlias,
      byId,
      forId: (id) => byId.get(id) ?? { id, providerArn: samlProviderArn(settings.partition, id, settings.samlProviderName) },
    },
    problems,
  };
}
