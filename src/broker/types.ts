// What the HTTP layer and the CLI API ask of the broker once a person is verified.
import type { Identity } from '../identity.ts';
import type { Grant } from '../mapping/types.ts';
import type { AssumedRole } from '../aws/sts.ts';

/** What wearing a role hands back: STS's temporary credentials and the assumed-role ARN. */
export type TemporaryCredentials = AssumedRole;

export interface HatRack {
  /** The roles this identity may wear, re-derived from the verified identity every time (W6). */
  grants(identity: Identity): Grant[];
  /**
   * The grants, and how many more roles rules would grant after a multi-factor sign-in (rules
   * that matched but require MFA this sign-in lacked): for the picker's "sign in with MFA" hint.
   */
  picker(identity: Identity): { grants: Grant[]; moreWithMfa: number };
  /** The grant for `roleArn`, or a 403 `role_not_granted` HatrackError. */
  requireGrant(identity: Identity, roleArn: unknown): Grant;
  /** Mints the assertion for `grant`, records the audit event and calls AssumeRoleWithSAML. */
  credentials(identity: Identity, grant: Grant, meta: RequestMeta & { durationSeconds?: number }): Promise<TemporaryCredentials>;
  /** Credentials as above, then the federation sign-in URL (AWS.md §3). A bearer secret. */
  consoleUrl(identity: Identity, grant: Grant, meta: RequestMeta & { destination?: string; region?: string }): Promise<string>;
}

/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  via: 'browser' | 'cli' | 'tile';
  /** The request's id, as in its log lines and error page. */
  requestId?: string;
}
