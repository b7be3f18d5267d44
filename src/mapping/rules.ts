// Turns the `roles` rules of the config into resolved rules: account aliases substituted, every
// role ARN checked against the strict pattern, the SAML provider ARN of its account attached.
// Problems are collected, not thrown, so `check-config` can list them all at once.
import type { ConfigProblem } from '../config/problems.ts';
import type { RoleRuleConfig } from '../config/schema.ts';
import { parseRoleArn, samlProviderArn } from '../aws/arn.ts';
import { isHatrackError } from '../errors.ts';
import { normaliseGroup } from './normalise.ts';

export interface ResolvedRole {
  roleArn: string;
  providerArn: string;
  accountId: string;
  accountAlias?: string;
  roleName: string;
}

export interface CompiledRule {
  /** Position in config `roles[]`, shown in traces. */
  index: number;
  /** The group as compared: NFC, trimmed. */
  group: string;
  roles: ResolvedRole[];
  sessionDuration: number;
}

export interface RuleSettings {
  partition: string;
  samlProviderName: string;
  accounts: Record<string, string>;
}

const placeholder = /\{([^{}]*)\}/g;

export function compileRules(
  rules: RoleRuleConfig[],
  settings: RuleSettings,
): { rules: CompiledRule[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const aliasOf = new Map(Object.entries(settings.accounts).map(([alias, id]) => [id, alias]));
  const compiled: CompiledRule[] = [];

  rules.forEach((rule, index) => {
    const templates = Array.isArray(rule.role) ? rule.role : [rule.role];
    const roles: ResolvedRole[] = [];
    templates.forEach((template, j) => {
      const path = Array.isArray(rule.role) ? `roles[${index}].role[${j}]` : `roles[${index}].role`;
      let unknown = false;
      const arn = template.replace(placeholder, (_, alias: string) => {
        const id = settings.accounts[alias];
        if (id === undefined) {
          problems.push({ path, message: `unknown account alias "{${alias}}" (define it under accounts)` });
          unknown = true;
          return '';
        }
        return id;
      });
      if (unknown) return;
      try {
        const parsed = parseRoleArn(arn);
        if (parsed.partition !== settings.partition) {
          problems.push({ path, message: `role is in partition "${parsed.partition}" but aws.partition is "${settings.partition}"` });
          return;
        }
        roles.push({
          roleArn: arn,
          providerArn: samlProviderArn(parsed.partition, parsed.accountId, settings.samlProviderName),
          accountId: parsed.accountId,
          accountAlias: aliasOf.get(parsed.accountId),
          roleName: parsed.name,
        });
      } catch (e) {
        if (!isHatrackError(e)) throw e;
        problems.push({ path, message: `"${arn}" is not a valid IAM role ARN` });
      }
    });
    compiled.push({ index, group: normaliseGroup(rule.group), roles, sessionDuration: rule.sessionDuration });
  });

  return { rules: compiled, problems };
}
