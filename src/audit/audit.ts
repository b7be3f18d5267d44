// The audit trail: one line per credential or console session handed out, written synchronously
// to the process log before the credentials leave the broker, so an outage of the store cannot
// lose it (SECURITY.md "Stores and faults"). Never carries keys, tokens or assertions.
import type { Logger } from '../log.ts';

export interface AuditEvent {
  action: 'credentials' | 'console';
  connector: string;
  subject: string;
  email: string;
  roleArn: string;
  accountId: string;
  sessionName: string;
  /** Absent when the installation sends no SourceIdentity. */
  sourceIdentity?: string;
  /**
   * The ID of the SAML assertion minted for STS (once minted). Not called assertionId: the logger
   * redacts every field named like an assertion.
   */
  mintedId?: string;
  /** The session tags minted (key → value), so an ABAC decision can be traced back. */
  sessionTags?: Record<string, string>;
  sessionDuration: number;
  rule: number;
  via: 'browser' | 'cli';
  ip?: string;
  userAgent?: string;
  /** Set once STS answered: the assumed-role ARN and the access key id (not secret, and what CloudTrail shows). */
  outcome?: 'issued' | 'refused';
  accessKeyId?: string;
  error?: string;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}

export function createAuditLog(log: Logger): AuditLog {
  const audit = log.child({ audit: true });
  return { record: (event) => audit.info(`audit ${event.action} ${event.outcome ?? 'requested'}`, { ...event }) };
}
