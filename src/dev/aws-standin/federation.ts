// The federation endpoint (AWS.md §3): `getSigninToken` turns live temporary credentials into a
// single-use sign-in token valid 15 minutes; `login` spends it and opens a console session.
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import { StandinError } from './errors.ts';
import { assumedRoleArn, sameSecret, type CredentialRegistry, type IssuedCredentials } from './credentials.ts';
import { newConsoleSessionId, newSigninToken } from './ids.ts';
import type { ConsoleView } from './console-page.ts';

export const SIGNIN_TOKEN_TTL_MS = 15 * 60 * 1000;

interface SigninGrant {
  creds: IssuedCredentials;
  consoleExpiresAt: Date;
  tokenExpiresAt: Date;
}

/** Sign-in tokens and the console sessions they open, in memory. */
export class FederationStore {
  private readonly tokens = new Map<string, SigninGrant>();
  private readonly consoles = new Map<string, ConsoleView>();

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  issueToken(creds: IssuedCredentials, consoleExpiresAt: Date): string {
    this.purge();
    const token = newSigninToken();
    this.tokens.set(token, { creds, consoleExpiresAt, tokenExpiresAt: new Date(this.clock.now().getTime() + SIGNIN_TOKEN_TTL_MS) });
    return token;
  }

  /** Removes and returns the grant; undefined when unknown, used or expired. */
  consumeToken(token: string): SigninGrant | undefined {
    this.purge();
    const grant = this.tokens.get(token);
    if (!grant) return undefined;
    this.tokens.delete(token);
    return grant;
  }

  openConsole(view: ConsoleView): string {
    const id = newConsoleSessionId();
    this.consoles.set(id, view);
    return id;
  }

  console(id: string): ConsoleView | undefined {
    this.purge();
    return this.consoles.get(id);
  }

  private purge(): void {
    const now = this.clock.now().getTime();
    for (const [k, g] of this.tokens) if (g.tokenExpiresAt.getTime() <= now) this.tokens.delete(k);
    for (const [k, c] of this.consoles) if (c.expiresAt.getTime() <= now) this.consoles.delete(k);
  }
}

export interface FederationContext {
  clock: Clock;
  credentials: CredentialRegistry;
  store: FederationStore;
  log: Logger;
}

export type FederationResult = { kind: 'json'; body: { SigninToken: string } } | { kind: 'redirect'; location: string };

const bad = (code: 'InvalidSession' | 'InvalidSigninToken' | 'InvalidParameterValue' | 'ExpiredToken', message: string) =>
  new StandinError(code, 400, message);

interface SessionJson {
  sessionId: string;
  sessionKey: string;
  sessionToken: string;
}

function parseSession(raw: string | null): SessionJson {
  if (!raw) throw bad('InvalidSession', 'The Session parameter is required.');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad('InvalidSession', 'The Session parameter is not JSON.');
  }
  const v = value as Partial<Record<keyof SessionJson, unknown>>;
  if (typeof value !== 'object' || value === null || typeof v.sessionId !== 'string' || typeof v.sessionKey !== 'string' || typeof v.sessionToken !== 'string') {
    throw bad('InvalidSession', 'The Session parameter must hold sessionId, sessionKey and sessionToken.');
  }
  return v as SessionJson;
}

function getSigninToken(params: URLSearchParams, ctx: FederationContext): FederationResult {
  const session = parseSession(params.get('Session'));
  const creds = ctx.credentials.find(session.sessionId);
  if (!creds || !sameSecret(session.sessionKey, creds.secretAccessKey) || !sameSecret(session.sessionToken, creds.sessionToken)) {
    throw bad('InvalidSession', 'The credentials in Session are not valid.');
  }
  if (ctx.credentials.isExpired(creds)) throw bad('ExpiredToken', 'The credentials in Session have expired.');
  const raw = params.get('SessionDuration');
  let consoleExpiresAt = creds.expiration;
  if (raw !== null) {
    const seconds = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(seconds >= 900 && seconds <= 43200)) throw bad('InvalidParameterValue', 'SessionDuration must be an integer from 900 to 43200.');
    consoleExpiresAt = new Date(ctx.clock.now().getTime() + seconds * 1000);
  }
  const token = ctx.store.issueToken(creds, consoleExpiresAt);
  ctx.log.info('aws stand-in issued a sign-in token', { accessKeyId: creds.accessKeyId, consoleExpiresAt: consoleExpiresAt.toISOString() });
  return { kind: 'json', body: { SigninToken: token } };
}

function isWebUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function login(params: URLSearchParams, ctx: FederationContext): FederationResult {
  const token = params.get('SigninToken');
  const destination = params.get('Destination');
  const issuer = params.get('Issuer') ?? undefined;
  if (!token) throw bad('InvalidSigninToken', 'The SigninToken parameter is required.');
  if (!destination || !isWebUrl(destination)) throw bad('InvalidParameterValue', 'Destination must be an absolute https URL of the console.');
  const grant = ctx.store.consumeToken(token);
  if (!grant) throw bad('InvalidSigninToken', 'The sign-in token is invalid, has expired or has already been used.');
  const { creds } = grant;
  const id = ctx.store.openConsole({
    assumedRoleArn: assumedRoleArn(creds),
    roleName: creds.roleName,
    sessionName: creds.sessionName,
    account: creds.account,
    destination,
    issuer,
    sourceIdentity: creds.sourceIdentity,
    expiresAt: grant.consoleExpiresAt,
  });
  ctx.log.info('aws stand-in opened a console session', { accessKeyId: creds.accessKeyId, role: creds.roleArn });
  return { kind: 'redirect', location: `/console?session=${encodeURIComponent(id)}` };
}

export function handleFederation(params: URLSearchParams, ctx: FederationContext): FederationResult {
  const action = params.get('Action');
  if (action === 'getSigninToken') return getSigninToken(params, ctx);
  if (action === 'login') return login(params, ctx);
  throw new StandinError('InvalidParameterValue', 400, `Unknown federation Action '${action ?? ''}'.`);
}
