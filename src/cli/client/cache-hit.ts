// The path every AWS CLI call takes: `credential_process = hatrack creds --role R` finding fresh
// keys in the cache. It reads two small files and loads nothing but this module and files.ts;
// anything unusual (no login, another broker, an expired login, stale keys) is simply not a hit,
// and the full command (role-keys.ts) then says what is wrong or fetches new keys.
import { join } from 'node:path';
import type { ProcessCredentials } from './broker-api.ts';
import { configDir, readJsonFile } from './files.ts';
import type { Login } from './login-state.ts';

/** Keys closer than this to their expiry are fetched again (the margin the AWS SDKs use too). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export const loginFile = (dir: string) => join(dir, 'login.json');
export const settingsFile = (dir: string) => join(dir, 'config.json');
export const cacheDir = (dir: string) => join(dir, 'cache');

/** The broker as named: --url, else HATRACK_URL, else the URL of the last login. */
export function namedBroker(flag: string | undefined, env: NodeJS.ProcessEnv, dir: string): string | undefined {
  return flag ?? (env.HATRACK_URL || undefined) ?? readJsonFile<{ url?: string }>(settingsFile(dir))?.url;
}

/** A broker URL without a trailing slash, or undefined when it is not an http(s) URL. */
export function normalisedBrokerUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  return `${url.origin}${path}`;
}

export interface CacheRequest {
  dir: string;
  login: Login;
  /** The role as the person named it (the broker resolves the name). */
  role: string;
  durationSeconds?: number;
  now?: () => number;
}

/** What a cache file holds: the keys, and the login they were fetched under. */
export interface CacheEntry {
  login: string;
  keys: ProcessCredentials;
}

/** One file per role name and duration; a name too long for a file name is named by its hash. */
export async function cacheFile(req: CacheRequest, ext: string): Promise<string> {
  const plain = Buffer.from(`${req.role}\n${req.durationSeconds ?? ''}`).toString('base64url');
  const key = plain.length <= 180 ? plain : (await import('node:crypto')).createHash('sha256').update(plain).digest('base64url');
  return join(cacheDir(req.dir), `${key}.${ext}`);
}

export function isProcessCredentials(v: unknown): v is ProcessCredentials {
  const c = v as ProcessCredentials | undefined;
  return c?.Version === 1 && typeof c.AccessKeyId === 'string' && typeof c.SecretAccessKey === 'string' &&
    typeof c.SessionToken === 'string' && typeof c.Expiration === 'string' && !Number.isNaN(Date.parse(c.Expiration));
}

/** Cached keys of this login with more than the margin left, else undefined. */
export async function freshCachedKeys(req: CacheRequest): Promise<ProcessCredentials | undefined> {
  const cached = readJsonFile<CacheEntry>(await cacheFile(req, 'json'));
  // Keys fetched under one login are never handed out under another.
  if (!cached || cached.login !== req.login.id || !isProcessCredentials(cached.keys)) return undefined;
  const now = req.now?.() ?? Date.now();
  return Date.parse(cached.keys.Expiration) - REFRESH_MARGIN_MS > now ? cached.keys : undefined;
}

/** The credential_process document (AWS.md §4), with exactly its five fields. */
export function credentialProcessLine(keys: ProcessCredentials): string {
  return JSON.stringify({ Version: 1, AccessKeyId: keys.AccessKeyId, SecretAccessKey: keys.SecretAccessKey, SessionToken: keys.SessionToken, Expiration: keys.Expiration });
}

/** Fresh cached keys for the role under the current, live login of the named broker; else undefined. */
export async function cachedKeysFor(options: { url?: string; role?: string; duration?: string }, env: NodeJS.ProcessEnv): Promise<ProcessCredentials | undefined> {
  if (!options.role) return undefined;
  const dir = configDir(env);
  const named = namedBroker(options.url, env, dir);
  const url = named === undefined ? undefined : normalisedBrokerUrl(named);
  const login = readJsonFile<Login>(loginFile(dir));
  if (!url || !login || login.url !== url || !(Date.parse(login.expiresAt) > Date.now())) return undefined;
  let durationSeconds: number | undefined;
  if (options.duration !== undefined) {
    durationSeconds = (await import('../../config/duration.ts')).parseDurationSeconds(options.duration);
    if (durationSeconds === undefined) return undefined;
  }
  return freshCachedKeys({ dir, login, role: options.role, ...(durationSeconds !== undefined && { durationSeconds }) });
}
