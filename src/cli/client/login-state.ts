// Which broker the CLI talks to and the login it holds there. The broker URL comes from --url,
// else HATRACK_URL, else the one remembered at the last login; the login (broker token) is kept
// in login.json, mode 0600, and belongs to the broker it was made at.
import { cacheDir, loginFile, namedBroker, normalisedBrokerUrl, settingsFile } from './cache-hit.ts';
import { CliFailure, EXIT, loginExpired, notLoggedIn } from './exit.ts';
import { configDir, readJsonFile, removeFile, writePrivateFile } from './files.ts';

export interface Login {
  url: string;
  token: string;
  /** Random, new at each login: cached keys name the login they were fetched under. */
  id?: string;
  /** ISO 8601: when the broker ends the token at the latest. */
  expiresAt: string;
  email?: string;
  /** The broker's AWS region, for profiles and `exec`. */
  region?: string;
}

export const CLIENT_ID = 'hatrack-cli';

export function brokerUrl(flag: string | undefined, env: NodeJS.ProcessEnv, dir = configDir(env)): string {
  const named = namedBroker(flag, env, dir);
  if (!named) throw new CliFailure('hatrack: which broker? Run `hatrack login --url https://hatrack.example.com` (or set HATRACK_URL)', EXIT.usage);
  const url = normalisedBrokerUrl(named);
  if (!url) throw new CliFailure(`hatrack: "${named}" is not an http(s) URL of a Hatrack broker`, EXIT.usage);
  return url;
}

/** The login for the broker in use, or a "not logged in" failure. */
export function requireLogin(flag: string | undefined, env: NodeJS.ProcessEnv, dir = configDir(env)): Login {
  const url = brokerUrl(flag, env, dir);
  const login = readJsonFile<Login>(loginFile(dir));
  if (!login || typeof login.token !== 'string') throw notLoggedIn();
  if (login.url !== url) throw new CliFailure(`hatrack: logged in to ${login.url}, not ${url}: run \`hatrack login --url ${url}\``, EXIT.notLoggedIn);
  // Past its end the broker refuses the token anyway; cached keys are not handed out either.
  if (!(Date.parse(login.expiresAt) > Date.now())) throw loginExpired();
  return login;
}

/** Keeps the login (with a new id) as the current one, and returns what was kept. */
export function saveLogin(dir: string, login: Login): Login {
  const saved = { ...login, id: login.id ?? globalThis.crypto.randomUUID() };
  writePrivateFile(loginFile(dir), JSON.stringify(saved));
  writePrivateFile(settingsFile(dir), JSON.stringify({ url: login.url }));
  // Keys cached under another login are not this one's.
  removeFile(cacheDir(dir));
  return saved;
}

export function readLogin(dir: string): Login | undefined {
  return readJsonFile<Login>(loginFile(dir));
}

export function forgetLogin(dir: string): void {
  removeFile(loginFile(dir));
  removeFile(cacheDir(dir));
}
