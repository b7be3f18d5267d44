// What the mapping engine hands to the rest of the broker: the hats a person may wear, and the
// explanation — one trace line per rule and match — that `hatrack explain` prints.
import type { SessionTag } from '../aws/mint.ts';

/** One IAM role a person may assume, with everything needed to mint the assertion for it. */
export interface Grant {
  /** `arn:<partition>:iam::<account>:role/<path/name>` — checked against a strict pattern. */
  roleArn: string;
  /** The IAM SAML provider in the same account: `arn:<partition>:iam::<account>:saml-provider/<name>`. */
  providerArn: string;
  accountId: string;
  /** The account's alias from config, when it has one. */
  accountAlias?: string;
  /** The role's name (last path segment), for display. */
  roleName: string;
  /** Seconds, 900–43200: the SessionDuration attribute and the console session length. */
  sessionDuration: number;
  /** Index of the rule in config `roles[]` that granted this role. */
  rule: number;
  /** PrincipalTag values of the rule (mapRoles always sets it; absent means none). */
  sessionTags?: SessionTag[];
  /** The console page this role opens by default (the rule's `destination`). */
  destination?: string;
  /** The granting rule's `description`, shown with the role. */
  description?: string;
  /** The granting rule requires an MFA sign-in (this one had it). */
  requireMfa?: true;
  /**
   * The value SourceIdentity is made from (config `aws.sourceIdentity`, by default the verified
   * email); the minter sanitises it to AWS's charset. Absent: the identity's email.
   */
  sourceIdentity?: string;
}

/**
 * How one rule turned out for one person:
 * - `granted`: the role is granted by this rule;
 * - `duplicate`: the role was already granted by an earlier rule, whose settings win;
 * - `denied`: the rule matched but a deny rule takes the role away;
 * - `deny-applies`: a deny rule matched;
 * - `no-match`: the rule's group or pattern matched none of the person's groups;
 * - `mfa-required`: it matched, but requires MFA and the sign-in had none;
 * - `dropped`: it matched, but no valid grant could be made (a capture outside the ARN charset,
 *   an account that is not configured, a tag value missing, no SourceIdentity…), or the rule
 *   was not evaluated (its pattern's reading budget was spent, or a deny could not be checked).
 */
export type TraceOutcome = 'granted' | 'duplicate' | 'denied' | 'deny-applies' | 'no-match' | 'mfa-required' | 'dropped';

/** One line of the explanation `hatrack explain` prints: why a rule did or did not grant. */
export interface TraceLine {
  /** Index of the rule in config `roles[]`. */
  rule: number;
  effect: 'allow' | 'deny';
  /** Whether the rule's group or pattern matched. */
  matched: boolean;
  outcome: TraceOutcome;
  /** A sentence; names from the IdP in it are quoted with invisible characters made visible. */
  reason: string;
  roleArn?: string;
  /** The person's group (or email) that matched, as sent. */
  group?: string;
}

export interface MappingResult {
  grants: Grant[];
  trace: TraceLine[];
  /** Remarks about the identity as a whole, e.g. names too long to be compared. */
  notes: string[];
}
