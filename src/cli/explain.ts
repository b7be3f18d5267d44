// `hatrack explain`: who gets which role and why, from the same mapRoles trace the broker runs on.
//   hatrack explain --user EMAIL --groups a,b [--mfa] [--connector ID] [--unverified-email]
//   hatrack explain --identity identity.json      (exact names: commas, spaces, anything)
// Text for people, `--json` for scripts. Group names are shown quoted, invisible characters made
// visible, so a look-alike never reads as the real thing (W7).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fail } from '../errors.ts';
import { normaliseIdentity, type Identity } from '../identity.ts';
import type { LoadedConfig } from '../config/load.ts';
import { mapRoles } from '../mapping/map-roles.ts';
import { shownName } from '../mapping/normalise.ts';
import type { Grant, MappingResult, TraceLine } from '../mapping/types.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { CliValues, Io } from './main.ts';

const identityFile = z.strictObject({
  email: z.string().min(1),
  groups: z.array(z.string()).default([]),
  connector: z.string().min(1).optional(),
  subject: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  mfa: z.boolean().default(false),
  /** Whether the connector vouches for the address (rules' `email` match only then); default true. */
  emailVerified: z.boolean().default(true),
  claims: z.record(z.string(), z.unknown()).default({}),
});

function usageError(message: string): never {
  throw fail.badRequest('explain_usage', message);
}

function identityFrom(values: CliValues, loaded: LoadedConfig): Identity {
  const defaultConnector = values.connector ?? loaded.config.connectors[0]!.id;
  if (values.identity !== undefined) {
    if (values.user !== undefined || values.groups !== undefined || values.mfa !== undefined || values['unverified-email'] !== undefined) {
      usageError('Give either --identity FILE or --user/--groups/--mfa/--unverified-email, not both.');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.identity, 'utf8'));
    } catch (e) {
      usageError(`${values.identity} cannot be read as JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    const parsed = identityFile.safeParse(raw);
    if (!parsed.success) {
      usageError(`${values.identity} is not an identity: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    }
    const f = parsed.data;
    return normaliseIdentity({
      connector: values.connector ?? f.connector ?? defaultConnector,
      subject: f.subject ?? f.email,
      email: f.email,
      emailVerified: f.emailVerified,
      ...(f.name !== undefined && { name: f.name }),
      groups: f.groups,
      mfa: f.mfa,
      claims: f.claims,
    });
  }
  if (values.user === undefined) usageError('Say who: --user EMAIL [--groups a,b] [--mfa], or --identity FILE.');
  // Commas separate groups here, and spaces around them are dropped; --identity takes names exactly.
  const groups = (values.groups ?? '').split(',').map((g) => g.trim()).filter((g) => g.length > 0);
  return normaliseIdentity({
    connector: defaultConnector, subject: values.user, email: values.user, emailVerified: values['unverified-email'] !== true,
    groups, mfa: values.mfa === true, claims: {},
  });
}

const duration = (s: number) => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

function ruleLabel(loaded: LoadedConfig, index: number): string {
  const rule = loaded.rules.rules.find((r) => r.index === index);
  return rule?.description ? `roles[${index}] (${rule.description})` : `roles[${index}]`;
}

function grantLines(loaded: LoadedConfig, g: Grant, line: TraceLine | undefined): string[] {
  const account = g.accountAlias ? `${g.accountAlias} ${g.accountId}` : g.accountId;
  const out = [
    `  ${g.roleName} in ${account}, ${duration(g.sessionDuration)}`,
    `    ${g.roleArn}`,
    `    from ${ruleLabel(loaded, g.rule)}: ${line?.reason ?? ''}`,
  ];
  if (g.sessionTags && g.sessionTags.length > 0) {
    out.push(`    session tags: ${g.sessionTags.map((t) => `${t.key}=${t.value}${t.transitive ? ' (transitive)' : ''}`).join(', ')}`);
  }
  if (g.destination) out.push(`    console opens at ${g.destination}`);
  return out;
}

export function formatExplanation(loaded: LoadedConfig, identity: Identity, result: MappingResult): string {
  const lines: string[] = [];
  const groups = identity.groups.length === 0 ? 'no groups' : `groups ${identity.groups.map((g) => shownName(g)).join(', ')}`;
  const address = identity.emailVerified ? 'address vouched for by the connector' : 'address not vouched for';
  lines.push(`${identity.email} via ${identity.connector} (${address}): ${groups}; ${identity.mfa ? 'signed in with MFA' : 'no MFA'}`);
  const sourceIdentity = result.grants[0]?.sourceIdentity;
  if (sourceIdentity !== undefined) lines.push(`SourceIdentity from ${loaded.config.aws.sourceIdentity}: ${sourceIdentity}`);
  lines.push('');
  if (result.grants.length === 0) {
    lines.push('No role is granted.');
  } else {
    lines.push(`Roles granted (${result.grants.length}):`);
    for (const g of result.grants) {
      const line = result.trace.find((t) => t.outcome === 'granted' && t.rule === g.rule && t.roleArn === g.roleArn);
      lines.push(...grantLines(loaded, g, line));
    }
  }
  const others = result.trace.filter((t) => t.outcome !== 'granted');
  if (others.length > 0) {
    lines.push('', 'Rules that granted nothing more:');
    for (const t of others) {
      const what = t.effect === 'deny' ? 'deny ' : '';
      lines.push(`  ${what}${ruleLabel(loaded, t.rule)}: ${t.reason}${t.roleArn ? ` [${t.roleArn}]` : ''}`);
    }
  }
  if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `Note: ${n}`));
  return lines.join('\n');
}

export async function explainCommand(values: CliValues, io: Io): Promise<number> {
  const loaded = await loadConfigFrom(configSource(values.config));
  const identity = identityFrom(values, loaded);
  const result = mapRoles(identity, loaded.rules);
  if (values.json) {
    io.out(JSON.stringify({
      identity: { connector: identity.connector, subject: identity.subject, email: identity.email, emailVerified: identity.emailVerified, groups: identity.groups, mfa: identity.mfa },
      sourceIdentityField: loaded.config.aws.sourceIdentity,
      grants: result.grants,
      trace: result.trace,
      notes: result.notes,
    }, null, 2));
  } else {
    io.out(formatExplanation(loaded, identity, result));
  }
  return 0;
}
