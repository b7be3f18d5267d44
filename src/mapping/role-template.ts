// Role templates of the rules: `arn:aws:iam::{prod}:role/Admin`, or with captures of a
// groupPattern, `arn:aws:iam::{account}:role/{role}`. Account aliases are filled in once when the
// config is loaded; captures when a group matches. A captured value is data from the IdP, so it is
// held to IAM's name charset before it goes anywhere near an ARN (SECURITY.md W7, W8):
//   - in the account field it must be a configured alias or a configured account id;
//   - elsewhere it must be 1–64 of `[A-Za-z0-9_+=.@-]` and not only dots. IAM also allows `,` in
//     names, but the Role attribute is `roleArn,providerArn`, so a captured comma is refused.
// Deny rules may also use `*` (any run of characters) in their templates: it can only deny more.
import { parseRoleArn } from '../aws/arn.ts';
import { isHatrackError } from '../errors.ts';
import type { Account, AccountTable } from './accounts.ts';
import { globMatches, type GlobToken } from './glob.ts';

/** A role a rule names outright, with everything the assertion needs. */
export interface ResolvedRole {
  roleArn: string;
  providerArn: string;
  accountId: string;
  accountAlias?: string;
  roleName: string;
}

type Segment = { text: string } | { capture: string };

/** A role whose ARN depends on a match: the account field and the rest after `:role`. */
export interface RoleTemplate {
  source: string;
  partition: string;
  account: { id: string } | { capture: string };
  rest: Segment[];
}

export type RoleTarget = { kind: 'fixed'; role: ResolvedRole } | { kind: 'template'; template: RoleTemplate };

/** What a deny rule refuses: role ARNs matching a glob (`*` = any run of characters). */
export interface DenyTarget {
  source: string;
  segments: Array<Segment | { wildcard: true }>;
  /** Prebuilt when the target uses no capture. */
  fixed?: GlobToken[];
}

export interface TemplateContext {
  partition: string;
  accounts: AccountTable;
  /** Named captures of the rule's pattern (none for `group` rules). */
  captures: ReadonlySet<string>;
}

const placeholder = /\{([^{}]*)\}/g;
const capturedName = /^[\w+=.@-]{1,64}$/;
const MARK = 0xe000; // private-use code points stand for captures while the shape is checked

function resolvedRole(arn: string, accounts: AccountTable): ResolvedRole {
  const parsed = parseRoleArn(arn);
  const account: Account = accounts.forId(parsed.accountId);
  return { roleArn: arn, providerArn: account.providerArn, accountId: parsed.accountId, accountAlias: account.alias, roleName: parsed.name };
}

/** Splits a template into text and captures, filling in aliases; problems for unknown names. */
function segmentsOf(source: string, ctx: TemplateContext): { segments: Segment[] } | { problem: string } {
  const segments: Segment[] = [];
  let last = 0;
  for (const m of source.matchAll(placeholder)) {
    const name = m[1]!;
    if (m.index > last) segments.push({ text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    if (ctx.captures.has(name)) {
      segments.push({ capture: name });
      continue;
    }
    const account = ctx.accounts.byAlias.get(name);
    if (!account) {
      return { problem: ctx.captures.size > 0
        ? `"{${name}}" is neither a capture of the pattern nor an account alias (define it under accounts)`
        : `unknown account alias "{${name}}" (define it under accounts)` };
    }
    segments.push({ text: account.id });
  }
  if (last < source.length) segments.push({ text: source.slice(last) });
  const merged: Segment[] = [];
  for (const s of segments) {
    const prev = merged[merged.length - 1];
    if ('text' in s && prev && 'text' in prev) merged[merged.length - 1] = { text: prev.text + s.text };
    else merged.push(s);
  }
  return { segments: merged };
}

function marked(segments: Segment[], captureIndex: Map<string, number>): string {
  return segments.map((s) => ('text' in s ? s.text : String.fromCodePoint(MARK + captureIndex.get(s.capture)!))).join('');
}

function unmark(text: string, names: string[]): Segment[] {
  const out: Segment[] = [];
  let buf = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= MARK && cp < MARK + names.length) {
      if (buf) out.push({ text: buf });
      buf = '';
      out.push({ capture: names[cp - MARK]! });
    } else {
      buf += ch;
    }
  }
  if (buf) out.push({ text: buf });
  return out;
}

/** Compiles the role template of an allow rule. */
export function compileRoleTemplate(source: string, ctx: TemplateContext): { target: RoleTarget } | { problem: string } {
  const split = segmentsOf(source, ctx);
  if ('problem' in split) return split;
  const names = [...new Set(split.segments.flatMap((s) => ('capture' in s ? [s.capture] : [])))];

  if (names.length === 0) {
    const arn = split.segments.map((s) => ('text' in s ? s.text : '')).join('');
    try {
      const role = resolvedRole(arn, ctx.accounts);
      const partition = arn.split(':')[1];
      if (partition !== ctx.partition) return { problem: `role is in partition "${partition}" but aws.partition is "${ctx.partition}"` };
      return { target: { kind: 'fixed', role } };
    } catch (e) {
      if (!isHatrackError(e)) throw e;
      return { problem: `"${arn}" is not a valid IAM role ARN` };
    }
  }

  const index = new Map(names.map((n, i) => [n, i]));
  const shape = /^arn:([^:]*):iam::([^:]*):role(\/.*)$/su.exec(marked(split.segments, index));
  if (!shape) return { problem: `"${source}" does not have the shape arn:<partition>:iam::<account>:role/<name>` };
  const [, partition, accountField, rest] = shape as unknown as [string, string, string, string];
  if (partition !== ctx.partition) return { problem: `role is in partition "${partition}" but aws.partition is "${ctx.partition}"` };

  let account: RoleTemplate['account'];
  const accountSegments = unmark(accountField, names);
  const only = accountSegments[0];
  if (accountSegments.length === 1 && only && 'capture' in only) {
    if (ctx.accounts.byId.size === 0) return { problem: `"{${only.capture}}" in the account field needs the accounts it may name under accounts` };
    account = { capture: only.capture };
  } else if (accountSegments.length === 1 && only && 'text' in only && /^\d{12}$/.test(only.text)) {
    account = { id: only.text };
  } else {
    return { problem: 'the account field must be a 12-digit id, an account alias or a single capture' };
  }

  const template: RoleTemplate = { source, partition, account, rest: unmark(rest, names) };
  // Try it with harmless sample values: a template that cannot make a valid ARN is a config error.
  const sampleAccount = 'id' in account ? account.id : [...ctx.accounts.byId.keys()][0]!;
  const sample = `arn:${partition}:iam::${sampleAccount}:role${template.rest.map((s) => ('text' in s ? s.text : 'x')).join('')}`;
  try {
    parseRoleArn(sample);
  } catch (e) {
    if (!isHatrackError(e)) throw e;
    return { problem: `"${source}" cannot produce a valid IAM role ARN (with sample values: "${sample}")` };
  }
  return { target: { kind: 'template', template } };
}

/** Why a captured value may not go into a role name or path, or undefined when it may. */
export function capturedValueProblem(value: string | undefined): string | undefined {
  if (value === undefined) return 'is not set by this match';
  if (!capturedName.test(value)) return 'has characters outside [A-Za-z0-9_+=.@-] or is longer than 64';
  if (/^\.+$/.test(value)) return 'is only dots';
  return undefined;
}

/** The role a template names for one match, or why the match gives none. */
export function expandRoleTemplate(
  template: RoleTemplate,
  captured: Readonly<Record<string, string | undefined>>,
  accounts: AccountTable,
): { role: ResolvedRole } | { dropped: string } {
  let account: Account | undefined;
  if ('id' in template.account) {
    account = accounts.forId(template.account.id);
  } else {
    const name = template.account.capture;
    const value = captured[name];
    if (value === undefined) return { dropped: `the capture "${name}" is not set by this match` };
    account = accounts.byAlias.get(value) ?? (/^\d{12}$/.test(value) ? accounts.byId.get(value) : undefined);
    if (!account) return { dropped: `the captured account is not one of the configured accounts` };
  }
  let rest = '';
  for (const s of template.rest) {
    if ('text' in s) {
      rest += s.text;
      continue;
    }
    const problem = capturedValueProblem(captured[s.capture]);
    if (problem) return { dropped: `the capture "${s.capture}" ${problem}` };
    rest += captured[s.capture];
  }
  const arn = `arn:${template.partition}:iam::${account.id}:role${rest}`;
  try {
    const parsed = parseRoleArn(arn);
    return { role: { roleArn: arn, providerArn: account.providerArn, accountId: account.id, accountAlias: account.alias, roleName: parsed.name } };
  } catch (e) {
    if (!isHatrackError(e)) throw e;
    return { dropped: 'the captured values do not make a valid IAM role ARN' };
  }
}

function globSegments(segments: Segment[]): DenyTarget['segments'] {
  const out: DenyTarget['segments'] = [];
  for (const s of segments) {
    if ('capture' in s) {
      out.push(s);
      continue;
    }
    s.text.split('*').forEach((part, i) => {
      if (i > 0) out.push({ wildcard: true });
      if (part) out.push({ text: part });
    });
  }
  return out;
}

/** The glob of a deny target, with captured values as literal text (a captured `*` is no wildcard). */
function globOf(segments: DenyTarget['segments'], captured: Readonly<Record<string, string | undefined>>): GlobToken[] {
  return segments.map((s) => ('wildcard' in s ? { anyRun: true } : { text: 'text' in s ? s.text : captured[s.capture]! }));
}

/** Compiles one role entry of a deny rule. */
export function compileDenyTarget(source: string, ctx: TemplateContext): { target: DenyTarget } | { problem: string } {
  const split = segmentsOf(source, ctx);
  if ('problem' in split) return split;
  const text = split.segments.map((s) => ('text' in s ? s.text : 'x')).join('');
  if (!/^arn:[\w+=,.@:/*-]+$/.test(text) || !/:role\//.test(text)) {
    return { problem: `"${source}" is not a role ARN (a deny may use * for any run of characters)` };
  }
  const segments = globSegments(split.segments);
  const usesCapture = segments.some((s) => 'capture' in s);
  return { target: { source, segments, ...(!usesCapture && { fixed: globOf(segments, {}) }) } };
}

/** Whether the deny target covers `roleArn` for this match (a capture that is unusable covers nothing). */
export function denyTargetCovers(target: DenyTarget, roleArn: string, captured: Readonly<Record<string, string | undefined>>): boolean {
  if (target.fixed) return globMatches(target.fixed, roleArn);
  for (const s of target.segments) {
    if ('capture' in s && capturedValueProblem(captured[s.capture]) !== undefined) return false;
  }
  return globMatches(globOf(target.segments, captured), roleArn);
}
