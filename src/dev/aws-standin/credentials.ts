// Temporary credentials the stand-in has issued, kept in memory until they expire. Time comes
// from the injected clock, so tests can step past an expiry without waiting.
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { newAccessKeyId, newSecretAccessKey, newSessionToken } from './ids.ts';

export interface SessionPrincipal {
  roleArn: string;
  partition: string;
  roleId: string;
  roleName: string;
  account: string;
  sessionName: string;
  sourceIdentity?: string;
  tags: Readonly<Record<string, string>>;
  /** The SAML provider that vouched for the session. */
  providerArn: string;
}

export interface IssuedCredentials extends SessionPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  issuedAt: Date;
  expiration: Date;
}

export function assumedRoleArn(p: SessionPrincipal): string {
  return `arn:${p.partition}:sts::${p.account}:assumed-role/${p.roleName}/${p.sessionName}`;
}

export function assumedRoleId(p: SessionPrincipal): string {
  return `${p.roleId}:${p.sessionName}`;
}

/** Constant-time string comparison (lengths are not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class CredentialRegistry {
  private readonly byAccessKey = new Map<string, IssuedCredentials>();
  /** Expired credentials are kept this long, so that late callers hear ExpiredToken rather than InvalidClientTokenId. */
  private readonly graceMs = 24 * 3600 * 1000;

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  issue(principal: SessionPrincipal, expiration: Date): IssuedCredentials {
    this.purge();
    const creds: IssuedCredentials = {
      ...principal,
      accessKeyId: newAccessKeyId(),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      issuedAt: this.clock.now(),
      expiration,
    };
    this.byAccessKey.set(creds.accessKeyId, creds);
    return creds;
  }

  /** The credentials issued under this access key id, expired or not; undefined if never issued (or long gone). */
  find(accessKeyId: string): IssuedCredentials | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  isExpired(creds: IssuedCredentials): boolean {
    return this.clock.now().getTime() >= creds.expiration.getTime();
  }

  private purge(): void {
    const cutoff = this.clock.now().getTime() - this.graceMs;
    for (const [k, c] of this.byAccessKey) if (c.expiration.getTime() < cutoff) this.byAccessKey.delete(k);
  }
}

/** Assertion IDs already used, remembered until the assertion could no longer be accepted anyway. */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  has(id: string): boolean {
    this.purge();
    return this.seen.has(id);
  }

  remember(id: string, until: Date): void {
    this.seen.set(id, until.getTime());
  }

  private purge(): void {
    const now = this.clock.now().getTime();
    for (const [id, until] of this.seen) if (until < now) this.seen.delete(id);
  }
}
