// Turns the `roles` rules of the config into a RuleSet the mapping engine runs on: account aliases
// substituted, patterns parsed, proved safe and compiled once, role templates checked to produce
// valid ARNs, session tags held to AWS's limits, destinations kept on the console. Problems are
// collected, not thrown, so `check-config` can list them all at once, each with its path.
import type { ConfigProblem } from '../config/problems.ts';
import type { RoleRuleConfig } from '../config/schema.ts';
import { compileAccounts, type AccountConfig, type AccountTable } from './accounts.ts';
import { compileGroupPattern, type GroupPattern } from './group-pattern.ts';
import { parseFieldRef, type FieldRef } from './identity-fields.ts';
import { emailKey, normaliseGroup } from './normalise.ts';
import { PatternIndex } from './pattern-index.ts';
import { compileDenyTarget, compileRoleTemplate, type DenyTarget, type RoleTarget } from './role-template.ts';
import { compileSessionTags, type TagSpec } from './session-tags.ts';

export type { ResolvedRole } from './role-template.ts';

export type GroupMatcher =
  | { kind: 'group'; /** NFC, trimmed */ group: string }
  | { kind: 'pattern'; pattern: GroupPattern }
  | { kind: 'email'; /** As written (NFC, trimmed), for traces. */ email: string; /** emailKey of it. */ key: string };

interface RuleBase {
  /** Position in config `roles[]`, shown in traces. */
  index: number;
  description?: string;
  match: GroupMatcher;
  /** The connectors whose people the rule applies to; undefined: every connector (C5). */
  connectors?: ReadonlySet<string>;
}

export interface AllowRule extends RuleBase {
  effect: 'allow';
  roles: RoleTarget[];
  sessionDuration: number;
  requireMfa: boolean;
  sessionTags: TagSpec[];
  destination?: string;
}

export interface DenyRule extends RuleBase {
  effect: 'deny';
  /** Empty: every role. */
  roles: DenyTarget[];
}

export type CompiledRule = AllowRule | DenyRule;

export interface ConnectorMatching {
  /** Compare group names ignoring the case of ASCII letters (normalise.ts). */
  groupsCaseInsensitive: boolean;
}

/** Everything mapRoles needs: the rules, the accounts, how each connector's groups compare. */
export interface RuleSet {
  rules: CompiledRule[];
  accounts: AccountTable;
  connectors: ReadonlyMap<string, ConnectorMatching>;
  /** Where SourceIdentity comes from (config aws.sourceIdentity). */
  sourceIdentity: FieldRef;
  /** The pattern rules filed by their leading text (pattern-index.ts). */
  patterns: PatternIndex;
}

export interface RuleSettings {
  partition: string;
  samlProviderName: string;
  accounts: Record<string, AccountConfig>;
  /** Connectors by id: rules may name them (`connector`); `groupsCaseInsensitive` says how groups compare. */
  connectors?: ReadonlyArray<{ id: string; groupsCaseInsensitive?: boolean }>;
  /** Config aws.sourceIdentity; default email. */
  sourceIdentity?: string;
  /** The console home (aws.consoleDestination or the partition's); rule destinations must stay on its host. */
  consoleHome?: string;
}

export const DEFAULT_SESSION_DURATION = 3600;

/** An absolute console URL for a rule's `destination`, or why it is not one. */
function consoleDestination(value: string, home: string | undefined): { url: string } | { problem: string } {
  if (!home) return { url: value };
  const homeUrl = new URL(home);
  if (value.startsWith('/') && !value.startsWith('//')) return { url: new URL(value, homeUrl.origin).toString() };
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const onConsole = url !== undefined && url.protocol === homeUrl.protocol && !url.username && !url.password &&
    (url.host === homeUrl.host || url.host.endsWith(`.${homeUrl.host}`));
  if (!url || !onConsole) return { problem: `must be a path such as /ec2/home or a URL on ${homeUrl.host}` };
  return { url: url.toString() };
}

export function compileRules(
  rules: RoleRuleConfig[],
  settings: RuleSettings,
): { rules: RuleSet; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const { table: accounts, problems: accountProblems } = compileAccounts(settings.accounts, settings);
  problems.push(...accountProblems);
  const compiled: CompiledRule[] = [];
  const connectorIds = new Set((settings.connectors ?? []).map((c) => c.id));

  rules.forEach((rule, index) => {
    const path = `roles[${index}]`;
    let match: GroupMatcher;
    if (rule.groupPattern !== undefined) {
      const result = compileGroupPattern(rule.groupPattern);
      if ('problem' in result) {
        problems.push({ path: `${path}.groupPattern`, message: result.problem });
        return;
      }
      match = { kind: 'pattern', pattern: result.pattern };
      const clash = result.pattern.captures.find((c) => accounts.byAlias.has(c));
      if (clash) {
        // `{prod}` must mean one thing to whoever reads the rule.
        problems.push({ path: `${path}.groupPattern`, message: `the capture "${clash}" has the name of an account alias; rename one of them` });
        return;
      }
    } else if (rule.email !== undefined) {
      const email = normaliseGroup(rule.email);
      match = { kind: 'email', email, key: emailKey(email) };
    } else {
      match = { kind: 'group', group: normaliseGroup(rule.group ?? '') };
    }
    let connectors: ReadonlySet<string> | undefined;
    if (rule.connector !== undefined) {
      const named = Array.isArray(rule.connector) ? rule.connector : [rule.connector];
      const unknown = named.filter((id) => !connectorIds.has(id));
      if (unknown.length > 0) {
        problems.push({ path: `${path}.connector`, message: `names no configured connector: ${unknown.map((id) => `"${id}"`).join(', ')} (there are ${[...connectorIds].join(', ') || 'none'})` });
        return;
      }
      connectors = new Set(named);
    }
    const captures = new Set(match.kind === 'pattern' ? match.pattern.captures : []);
    const ctx = { partition: settings.partition, accounts, captures };
    const templates = rule.role === undefined ? [] : Array.isArray(rule.role) ? rule.role : [rule.role];
    const rolePath = (j: number) => (Array.isArray(rule.role) ? `${path}.role[${j}]` : `${path}.role`);
    const base = { index, match, ...(connectors && { connectors }), ...(rule.description !== undefined && { description: rule.description }) };

    if (rule.deny) {
      const targets: DenyTarget[] = [];
      templates.forEach((t, j) => {
        const r = compileDenyTarget(t, ctx);
        if ('problem' in r) problems.push({ path: rolePath(j), message: r.problem });
        else targets.push(r.target);
      });
      compiled.push({ ...base, effect: 'deny', roles: targets });
      return;
    }

    const targets: RoleTarget[] = [];
    templates.forEach((t, j) => {
      const r = compileRoleTemplate(t, ctx);
      if ('problem' in r) problems.push({ path: rolePath(j), message: r.problem });
      else targets.push(r.target);
    });
    const tags = compileSessionTags(rule.sessionTags, rule.transitiveTagKeys, captures, path);
    problems.push(...tags.problems);
    let destination: string | undefined;
    if (rule.destination !== undefined) {
      const d = consoleDestination(rule.destination, settings.consoleHome);
      if ('problem' in d) problems.push({ path: `${path}.destination`, message: d.problem });
      else destination = d.url;
    }
    compiled.push({
      ...base,
      effect: 'allow',
      roles: targets,
      sessionDuration: rule.sessionDuration ?? DEFAULT_SESSION_DURATION,
      requireMfa: rule.requireMfa ?? false,
      sessionTags: tags.specs,
      ...(destination !== undefined && { destination }),
    });
  });

  const source = parseFieldRef(settings.sourceIdentity ?? 'email');
  const sourceIdentity: FieldRef = 'ref' in source ? source.ref : { kind: 'email' };
  if ('problem' in source) problems.push({ path: 'aws.sourceIdentity', message: source.problem });

  const connectors = new Map<string, ConnectorMatching>(
    (settings.connectors ?? []).map((c) => [c.id, { groupsCaseInsensitive: c.groupsCaseInsensitive === true }]),
  );
  return { rules: { rules: compiled, accounts, connectors, sourceIdentity, patterns: new PatternIndex(compiled) }, problems };
}
