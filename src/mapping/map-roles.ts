// The mapping seam: who may wear which hat. Pure — the same identity and rules always give the
// same grants, in rule order, with trace lines per rule saying why it did or did not grant; the
// trace is what `hatrack explain` prints.
//
// Order of reasoning: the person's names are prepared once (they arrive in NFC from the connector,
// normaliseIdentity; ASCII case is folded when their connector says groups are case-insensitive;
// over-long names are set aside), deny rules are matched
// first, then each allow rule in order: match → MFA → session tags → role ARNs → deny → duplicate.
// A deny wins over every allow, wherever it stands in the list. Each pattern rule tries only the
// names that start with its fixed text (pattern-index.ts); when those add up to more than
// MAX_PATTERN_WORK characters for one person, no pattern is tried and pattern rules grant nothing,
// and a deny pattern left unchecked makes the whole mapping grant nothing (fail closed).
import type { Identity } from '../identity.ts';
import type { Grant, MappingResult, TraceLine } from './types.ts';
import type { AllowRule, CompiledRule, DenyRule, RuleSet } from './rules.ts';
import { describeFieldRef, readField } from './identity-fields.ts';
import { emailKey, foldAsciiCase, MAX_GROUP_LENGTH, MAX_PATTERN_INPUT, MAX_PATTERN_WORK, shownName } from './normalise.ts';
import { OVER_BUDGET, type PatternCandidates } from './pattern-index.ts';
import { denyTargetCovers, expandRoleTemplate } from './role-template.ts';
import { resolveSessionTags } from './session-tags.ts';

type Captures = Readonly<Record<string, string | undefined>>;

interface Match {
  /** The person's group (or email) that matched, NFC. */
  group: string;
  captures: Captures;
}

const noCaptures: Captures = Object.freeze({});

/** The person's names, prepared once for every rule. */
class Memberships {
  /** IdP groups: NFC, at most MAX_GROUP_LENGTH, in the order sent (patterns are tried on these). */
  readonly names: string[] = [];
  /** Compared form (folded or not) → the name as sent, for the names some `group` rule asks about. */
  private readonly exact = new Map<string, string>();
  tooLong = 0;
  tooLongForPatterns = 0;
  /** Each pattern rule's candidate names; OVER_BUDGET when patterns are not tried at all (pattern-index.ts). */
  private readonly patternCandidates: PatternCandidates | typeof OVER_BUDGET;

  /** The person's address, as sent (NFC). */
  readonly email: string;
  /** emailKey of the person's vouched-for address; undefined when the connector does not vouch for it. */
  readonly emailKey: string | undefined;

  readonly caseInsensitive: boolean;

  constructor(identity: Identity, ruleSet: RuleSet, caseInsensitive: boolean) {
    const rules = ruleSet.rules;
    this.caseInsensitive = caseInsensitive;
    this.email = identity.email;
    // Only the few names rules ask for are indexed: one lookup per group in a small set is far
    // cheaper than a map of ten thousand names.
    // Folding keeps the length, so a name of another length than every rule group is passed over
    // without being folded or hashed.
    const wanted = new Set<string>();
    const lengths = new Set<number>();
    for (const rule of rules) {
      if (rule.match.kind !== 'group') continue;
      wanted.add(this.key(rule.match.group));
      lengths.add(rule.match.group.length);
    }
    const note = (name: string) => {
      if (!lengths.has(name.length)) return;
      const key = this.key(name);
      if (wanted.has(key) && !this.exact.has(key)) this.exact.set(key, name);
    };
    for (const name of identity.groups) {
      if (typeof name !== 'string') continue;
      // A 1 MB name costs a length check, nothing more.
      if (name.length > MAX_GROUP_LENGTH) {
        this.tooLong++;
        continue;
      }
      this.names.push(name);
      if (name.length > MAX_PATTERN_INPUT) this.tooLongForPatterns++;
      note(name);
    }
    // Only an address the connector vouches for can match a rule's `email`, and it is never a
    // group: a group that happens to be called carla@corp.example gets nothing of Carla's (C5).
    this.emailKey = identity.emailVerified === true && typeof identity.email === 'string' && identity.email.length <= MAX_GROUP_LENGTH
      ? emailKey(identity.email) : undefined;
    this.patternCandidates = ruleSet.patterns.candidates(this.names, caseInsensitive, (rule) => inScope(rule, identity));
  }

  key(name: string): string {
    return this.caseInsensitive ? foldAsciiCase(name) : name;
  }

  get patternWorkExhausted(): boolean {
    return this.patternCandidates === OVER_BUDGET;
  }

  /** The matches of a rule; undefined when its pattern could not be tried on every name (budget spent). */
  matches(rule: CompiledRule): Match[] | undefined {
    if (rule.match.kind === 'email') {
      return this.emailKey !== undefined && this.emailKey === rule.match.key ? [{ group: this.email, captures: noCaptures }] : [];
    }
    if (rule.match.kind === 'group') {
      const group = this.exact.get(this.key(rule.match.group));
      return group === undefined ? [] : [{ group, captures: noCaptures }];
    }
    if (this.patternCandidates === OVER_BUDGET) return undefined;
    const pattern = rule.match.pattern;
    const out: Match[] = [];
    let seen: Set<string> | undefined;
    for (const name of this.patternCandidates.of(rule)) {
      const captures = pattern.match(name, this.caseInsensitive);
      if (!captures) continue;
      // The same name sent twice is one match.
      seen ??= new Set();
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({ group: name, captures });
    }
    return out;
  }
}

function matchedBecause(rule: CompiledRule, m: Match): string {
  switch (rule.match.kind) {
    case 'group': return `member of ${shownName(rule.match.group)}`;
    case 'email': return `signed in as ${shownName(m.group)}, an address the connector vouches for`;
    case 'pattern': return `${shownName(m.group)} matches ${rule.match.pattern.source}`;
  }
}

function noMatchReason(rule: CompiledRule, who: Memberships): string {
  if (rule.match.kind === 'group') return `not a member of ${shownName(rule.match.group)}`;
  if (rule.match.kind === 'email') {
    return who.emailKey === undefined && emailKey(who.email) === rule.match.key
      ? `the address ${shownName(who.email)} is not one the connector vouches for (email_verified, or the connector's emailsVerified)`
      : `not ${shownName(rule.match.email)}`;
  }
  const skipped = who.tooLongForPatterns > 0 ? ` (${who.tooLongForPatterns} longer than ${MAX_PATTERN_INPUT} characters not tried)` : '';
  return `no group matches ${rule.match.pattern.source}${skipped}`;
}

/** Whether the rule applies to people of the identity's connector (`connector` in the rule, C5). */
function inScope(rule: CompiledRule, identity: Identity): boolean {
  return rule.connectors === undefined || rule.connectors.has(identity.connector);
}

function outOfScope(rule: CompiledRule, identity: Identity): string {
  return `applies only to people of ${[...rule.connectors ?? []].join(', ')}, not of ${shownName(identity.connector)}`;
}

const unchecked = `not evaluated: the person's groups are too many or too long for the group patterns to read them all (over ${MAX_PATTERN_WORK} characters)`;

export function mapRoles(identity: Identity, ruleSet: RuleSet): MappingResult {
  const caseInsensitive = ruleSet.connectors.get(identity.connector)?.groupsCaseInsensitive === true;
  const who = new Memberships(identity, ruleSet, caseInsensitive);
  const lines = new Map<number, TraceLine[]>();
  const trace = (line: TraceLine) => {
    const list = lines.get(line.rule);
    if (list) list.push(line);
    else lines.set(line.rule, [line]);
  };

  // Deny rules first: they take roles away from every allow rule, before or after them.
  const denials: Array<{ rule: DenyRule; match: Match }> = [];
  let denyUnchecked: number | undefined;
  for (const rule of ruleSet.rules) {
    if (rule.effect !== 'deny') continue;
    if (!inScope(rule, identity)) {
      trace({ rule: rule.index, effect: 'deny', matched: false, outcome: 'no-match', reason: outOfScope(rule, identity) });
      continue;
    }
    const found = denyUnchecked === undefined ? who.matches(rule) : undefined;
    if (found === undefined) {
      // A deny that cannot be checked must be assumed to apply: fail closed.
      denyUnchecked ??= rule.index;
      trace({ rule: rule.index, effect: 'deny', matched: false, outcome: 'dropped', reason: unchecked });
      continue;
    }
    if (found.length === 0) {
      trace({ rule: rule.index, effect: 'deny', matched: false, outcome: 'no-match', reason: noMatchReason(rule, who) });
      continue;
    }
    for (const match of found) {
      denials.push({ rule, match });
      const what = rule.roles.length === 0 ? 'every role' : rule.roles.map((t) => t.source).join(', ');
      trace({ rule: rule.index, effect: 'deny', matched: true, outcome: 'deny-applies', reason: `${matchedBecause(rule, match)}: denies ${what}`, group: match.group });
    }
  }
  const deniedBy = (roleArn: string): number | undefined => denials.find(({ rule, match }) =>
    rule.roles.length === 0 || rule.roles.some((t) => denyTargetCovers(t, roleArn, match.captures)))?.rule.index;

  // SourceIdentity is the same for every grant: without it no assertion may be minted (W9).
  const source = readField(identity, ruleSet.sourceIdentity);
  const sourceProblem = 'missing' in source ? source.missing
    : source.value.length === 0 ? `${describeFieldRef(ruleSet.sourceIdentity)} is empty` : undefined;
  const sourceIdentity = 'value' in source ? source.value : undefined;

  const grants: Grant[] = [];
  const grantedBy = new Map<string, number>();
  for (const rule of ruleSet.rules) {
    if (rule.effect !== 'allow') continue;
    allow(rule);
  }

  function allow(rule: AllowRule): void {
    if (!inScope(rule, identity)) {
      trace({ rule: rule.index, effect: 'allow', matched: false, outcome: 'no-match', reason: outOfScope(rule, identity) });
      return;
    }
    if (denyUnchecked !== undefined) {
      trace({ rule: rule.index, effect: 'allow', matched: false, outcome: 'dropped', reason: `not evaluated: deny rule roles[${denyUnchecked}] could not be checked` });
      return;
    }
    const found = who.matches(rule);
    if (found === undefined) {
      trace({ rule: rule.index, effect: 'allow', matched: false, outcome: 'dropped', reason: unchecked });
      return;
    }
    if (found.length === 0) {
      trace({ rule: rule.index, effect: 'allow', matched: false, outcome: 'no-match', reason: noMatchReason(rule, who) });
      return;
    }
    if (rule.requireMfa && !identity.mfa) {
      const first = found[0]!;
      trace({ rule: rule.index, effect: 'allow', matched: true, outcome: 'mfa-required', group: first.group,
        reason: `${matchedBecause(rule, first)}, but the rule requires MFA and this sign-in had none` });
      return;
    }
    for (const match of found) {
      const because = matchedBecause(rule, match);
      const base = { rule: rule.index, effect: 'allow' as const, matched: true, group: match.group };
      const tags = resolveSessionTags(rule.sessionTags, identity, match.captures);
      if ('dropped' in tags) {
        trace({ ...base, outcome: 'dropped', reason: `${because}, but ${tags.dropped}` });
        continue;
      }
      for (const target of rule.roles) {
        const expanded = target.kind === 'fixed' ? { role: target.role } : expandRoleTemplate(target.template, match.captures, ruleSet.accounts);
        if ('dropped' in expanded) {
          trace({ ...base, outcome: 'dropped', reason: `${because}, but ${expanded.dropped}` });
          continue;
        }
        const role = expanded.role;
        const line = { ...base, roleArn: role.roleArn };
        if (sourceProblem !== undefined) {
          trace({ ...line, outcome: 'dropped', reason: `${because}, but there is no SourceIdentity: ${sourceProblem}` });
          continue;
        }
        const denied = deniedBy(role.roleArn);
        if (denied !== undefined) {
          trace({ ...line, outcome: 'denied', reason: `${because}, but denied by roles[${denied}]` });
          continue;
        }
        const earlier = grantedBy.get(role.roleArn);
        if (earlier !== undefined) {
          trace({ ...line, outcome: 'duplicate', reason: `${because}; role already granted by roles[${earlier}], whose settings apply` });
          continue;
        }
        grantedBy.set(role.roleArn, rule.index);
        grants.push({
          ...role,
          sessionDuration: rule.sessionDuration,
          rule: rule.index,
          sessionTags: tags.tags,
          ...(rule.destination !== undefined && { destination: rule.destination }),
          ...(sourceIdentity !== undefined && { sourceIdentity }),
          ...(rule.description !== undefined && { description: rule.description }),
          ...(rule.requireMfa && { requireMfa: true as const }),
        });
        trace({ ...line, outcome: 'granted', reason: because });
      }
    }
  }

  const notes: string[] = [];
  if (who.patternWorkExhausted) {
    notes.push(`the groups sent hold more than ${MAX_PATTERN_WORK} characters for the group patterns to read, so patterns were not tried on all of them` +
      (denyUnchecked !== undefined ? '; a deny rule could not be checked, so nothing is granted' : '; pattern rules grant nothing'));
  }
  if (who.tooLong > 0) notes.push(`${who.tooLong} group name${who.tooLong === 1 ? '' : 's'} longer than ${MAX_GROUP_LENGTH} characters ignored`);
  if (sourceProblem !== undefined) notes.push(`no SourceIdentity (${describeFieldRef(ruleSet.sourceIdentity)}): ${sourceProblem}; nothing can be granted`);
  return { grants, trace: [...lines.keys()].sort((a, b) => a - b).flatMap((k) => lines.get(k)!), notes };
}
