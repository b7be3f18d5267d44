// The mapping seam: who may wear which hat. Pure — the same identity and rules always give the
// same grants, in rule order, with a trace line per rule saying why it did or did not match.
import type { Identity } from '../identity.ts';
import type { Grant, MappingResult, TraceLine } from './types.ts';
import type { CompiledRule } from './rules.ts';

export function mapRoles(identity: Identity, rules: readonly CompiledRule[]): MappingResult {
  // A person's email counts as a group of one, so a rule may name a single person. Names from the
  // IdP are only NFC-normalised, never trimmed: trimming would strip invisible characters such as
  // U+FEFF and let "\uFEFFadmins" match "admins" (W7). Rules were trimmed when config was read.
  const memberships = new Set([...identity.groups, identity.email].map((g) => g.normalize('NFC')));
  const grants: Grant[] = [];
  const seen = new Set<string>();
  const trace: TraceLine[] = [];

  for (const rule of rules) {
    if (!memberships.has(rule.group)) {
      trace.push({ rule: rule.index, matched: false, reason: `not a member of "${rule.group}"` });
      continue;
    }
    for (const role of rule.roles) {
      if (seen.has(role.roleArn)) {
        trace.push({ rule: rule.index, matched: true, roleArn: role.roleArn, reason: `member of "${rule.group}"; role already granted by an earlier rule` });
        continue;
      }
      seen.add(role.roleArn);
      grants.push({ ...role, sessionDuration: rule.sessionDuration, rule: rule.index });
      trace.push({ rule: rule.index, matched: true, roleArn: role.roleArn, reason: `member of "${rule.group}"` });
    }
  }
  return { grants, trace };
}
