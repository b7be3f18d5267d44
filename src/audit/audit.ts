// The audit trail: one structured event per sign-in, refused sign-in, list of roles shown,
// credential and console issuance, device approval or denial, use of a CLI token, logout and
// configuration load — who, what, from where, with what result, and the request it belongs to.
// Each event is written synchronously to the audit log (JSON lines on stdout, log.ts) before
// the call returns — so before the credentials it records leave the broker, and whatever the
// store does — and then, when a shared store is configured, appended to its bounded audit
// stream for the admin pages; losing the store loses nothing from stdout. Never carries keys,
// tokens, codes, cookies or assertions.
import { redact, type Logger } from '../log.ts';
import type { Store } from '../store/store.ts';

export type AuditEventKind =
  | 'sign-in'
  | 'sign-in-refused'
  | 'grants-shown'
  | 'credentials'
  | 'console'
  | 'device-approved'
  | 'device-denied'
  | 'token-used'
  | 'logout'
  | 'config-loaded';

export interface AuditEvent {
  event: AuditEventKind;
  result: 'ok' | 'refused' | 'issued' | 'requested';
  /** Who: the connector and the subject it verified, and the email it vouched for. */
  connector?: string;
  subject?: string;
  email?: string;
  /** Absent when the installation sends no SourceIdentity. */
  sourceIdentity?: string;
  /** What: the role and account worn, and what was minted for them. */
  roleArn?: string;
  accountId?: string;
  sessionName?: string;
  /**
   * The ID of the SAML assertion minted for STS (once minted). Not called assertionId: the logger
   * redacts every field named like an assertion.
   */
  mintedId?: string;
  /** The session tags minted (key → value), so an ABAC decision can be traced back. */
  sessionTags?: Record<string, string>;
  sessionDuration?: number;
  rule?: number;
  /** The access key id STS issued: not secret, and what CloudTrail shows. */
  accessKeyId?: string;
  /** How many roles a list showed. */
  grants?: number;
  /** For sign-in: the groups and MFA the connector verified, and whether it vouched for the address. */
  groups?: string[];
  mfa?: boolean;
  emailVerified?: boolean;
  /** From where: the way in, the client address and user agent, and the request's id. */
  via?: 'browser' | 'cli' | 'tile';
  ip?: string;
  userAgent?: string;
  requestId?: string;
  /** Why it was refused: a HatrackError code. */
  error?: string;
  /** For config-loaded: the file (or "built-in demo") and what it holds. */
  source?: string;
  connectors?: number;
  rules?: number;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}

/** The store key of the audit stream, and how many events it keeps. */
export const AUDIT_STREAM_KEY = 'audit';
export const AUDIT_STREAM_LENGTH = 100_000;

export interface AuditLogOptions {
  log: Logger;
  /** The shared store: events also go to its bounded audit stream. Unset: stdout only. */
  store?: Pick<Store, 'append'>;
  streamLength?: number;
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { log, store } = options;
  const length = options.streamLength ?? AUDIT_STREAM_LENGTH;
  return {
    record(event) {
      const at = new Date().toISOString();
      log.audit(`audit ${event.event} ${event.result}`, { ...event });
      if (!store) return;
      // The stream is a copy for the admin pages; the log line above is the record, already out.
      store.append(AUDIT_STREAM_KEY, JSON.stringify(redact({ at, ...event })), length).catch((e: unknown) => {
        log.warn('an audit event could not be added to the store\'s audit stream (it is in the audit log)', {
          event: event.event, errorCode: (e as { code?: unknown }).code ?? 'error',
        });
      });
    },
  };
}
