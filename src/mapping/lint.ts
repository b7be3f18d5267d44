// Findings about a valid rule set that an admin wants to hear before going live (`hatrack
// check-config` prints them as warnings; the broker logs them at start): rules that can never
// grant, the same role granted twice with settings that then depend on the order of rules, and,
// with several connectors, allow rules that any of them can satisfy (C5).
// These are warnings, not errors: the rules are well-formed and do exactly what they say.
import type { ConfigProblem } from '../config/problems.ts';
import { MAX_PATTERN_INPUT, shownName } from './normalise.ts';
import type { AllowRule, CompiledRule, DenyRule, RuleSet } from './rules.ts';
import { denyTargetCovers } from './role-template.ts';

/** Whether the people of `outer`'s connectors include all of `inner`'s. */
function scopeCovers(outer: CompiledRule, inner: CompiledRule): boolean {
  if (outer.connectors === undefined) return true;
  return inner.connectors !== undefined && [...inner.connectors].every((c) => outer.connectors!.has(c));
}

/** Whether `deny` applies to everybody `allow` applies to. */
function denyMatchesAllOf(deny: DenyRule, allow: AllowRule): boolean {
  if (!scopeCovers(deny, allow)) return false;
  const d = deny.match;
  const a = allow.match;
  if (d.kind === 'email') return a.kind === 'email' && a.key === d.key;
  if (d.kind === 'group') return a.kind === 'group' && a.group === d.group;
  if (a.kind === 'pattern') return a.pattern.source === d.pattern.source;
  // Patterns are tried on group names, never on addresses.
  return a.kind === 'group' && d.pattern.match(a.group, false) !== undefined;
}

function sameMatcher(a: CompiledRule, b: CompiledRule): boolean {
  if (!scopeCovers(a, b) || !scopeCovers(b, a)) return false;
  if (a.match.kind === 'group') return b.match.kind === 'group' && a.match.group === b.match.group;
  if (a.match.kind === 'email') return b.match.kind === 'email' && a.match.key === b.match.key;
  return b.match.kind === 'pattern' && a.match.pattern.source === b.match.pattern.source;
}

function settingsOf(rule: AllowRule): string {
  return JSON.stringify([rule.sessionDuration, rule.requireMfa, rule.sessionTags, rule.destination ?? null]);
}

const hours = (s: number) => (s % 3600 === 0 ? `${s / 3600}h` : `${Math.round(s / 60)}m`);

export function lintRules(ruleSet: RuleSet): ConfigProblem[] {
  const findings: ConfigProblem[] = [];
  const allows = ruleSet.rules.filter((r): r is AllowRule => r.effect === 'allow');
  const denies = ruleSet.rules.filter((r): r is DenyRule => r.effect === 'deny');

  for (const rule of ruleSet.rules) {
    const at = `roles[${rule.index}]`;
    if (rule.match.kind === 'group') {
      const g = rule.match.group;
      if (/[*?^$|[\]\\]/.test(g)) {
        findings.push({ path: `${at}.group`, message: `${shownName(g)} looks like a pattern, but group rules match the name exactly; use groupPattern for patterns` });
      }
      const invisible = [...g].filter((c) => /[\p{Cf}\p{Cc}]/u.test(c));
      if (invisible.length > 0) {
        findings.push({ path: `${at}.group`, message: `${shownName(g)} contains invisible characters, so it only matches a name with exactly those characters` });
      }
    } else if (rule.match.kind === 'pattern') {
      const p = rule.match.pattern;
      if (p.minLength > MAX_PATTERN_INPUT) {
        findings.push({ path: `${at}.groupPattern`, message: p.minLength === Infinity
          ? 'can never match: it contains an empty character class on every path'
          : `can never match: it needs at least ${p.minLength} characters and names longer than ${MAX_PATTERN_INPUT} are never matched against patterns` });
      }
      if (rule.effect === 'allow') {
        const used = new Set(rule.roles.flatMap((t) => (t.kind === 'template' ? t.template.rest.flatMap((s) => ('capture' in s ? [s.capture] : [])).concat('capture' in t.template.account ? [t.template.account.capture] : []) : [])));
        for (const name of used) {
          if (p.optionalCaptures.has(name)) {
            findings.push({ path: `${at}.groupPattern`, message: `the capture "${name}" is optional, and a match that leaves it unset grants nothing` });
          }
        }
      }
    }
  }

  // Two providers can both send a group called `admins`; an unscoped rule grants to either's (C5).
  const connectorIds = [...ruleSet.connectors.keys()];
  if (connectorIds.length > 1) {
    for (const allow of allows.filter((r) => r.connectors === undefined)) {
      findings.push({ path: `roles[${allow.index}]`, message: `applies to the people of every connector (${connectorIds.join(', ')}): `
        + `any of them can send ${allow.match.kind === 'email' ? 'a vouched-for address' : 'a group'} that matches; add connector: to say whose` });
    }
  }

  for (const allow of allows) {
    const at = `roles[${allow.index}]`;
    // A deny that always applies with this rule, and covers all of its roles, leaves it nothing.
    for (const deny of denies) {
      if (!denyMatchesAllOf(deny, allow)) continue;
      if (deny.roles.length === 0) {
        findings.push({ path: at, message: `can never grant anything: roles[${deny.index}] denies every role to everyone this rule matches` });
        break;
      }
      const fixed = allow.roles.filter((t) => t.kind === 'fixed');
      const covered = fixed.filter((t) => deny.roles.some((d) => d.fixed !== undefined && denyTargetCovers(d, t.role.roleArn, {})));
      if (covered.length > 0 && covered.length === allow.roles.length) {
        findings.push({ path: at, message: `can never grant anything: roles[${deny.index}] denies all its roles to everyone this rule matches` });
        break;
      }
      for (const t of covered) {
        findings.push({ path: at, message: `never grants ${t.role.roleArn}: roles[${deny.index}] denies it to everyone this rule matches` });
      }
    }
  }

  // The same role from two rules: the first that matches wins, so its settings decide.
  const firstGrant = new Map<string, AllowRule>();
  for (const rule of allows) {
    for (const t of rule.roles) {
      if (t.kind !== 'fixed') continue;
      const arn = t.role.roleArn;
      const earlier = firstGrant.get(arn);
      if (!earlier) {
        firstGrant.set(arn, rule);
        continue;
      }
      const at = `roles[${rule.index}]`;
      if (earlier.index === rule.index) {
        findings.push({ path: `${at}.role`, message: `lists ${arn} twice` });
      } else if (sameMatcher(earlier, rule) && (!earlier.requireMfa || rule.requireMfa)) {
        findings.push({ path: at, message: `never grants ${arn}: roles[${earlier.index}] already grants it to the same people` });
      } else if (settingsOf(earlier) !== settingsOf(rule)) {
        findings.push({ path: at, message: `grants ${arn} like roles[${earlier.index}] but with other settings; a person matching both gets roles[${earlier.index}]'s (${hours(earlier.sessionDuration)}${earlier.requireMfa ? ', MFA' : ''}${earlier.sessionTags.length ? `, tags ${earlier.sessionTags.map((s) => s.key).join('/')}` : ''})` });
      }
    }
  }
  return findings;
}
