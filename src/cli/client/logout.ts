// `hatrack logout`: revokes the broker token at the broker (RFC 7009) and forgets it and every
// cached key here. The local files go even when the broker cannot be reached, which it says.
import type { Io } from '../main.ts';
import { postForm } from './broker-api.ts';
import { configDir } from './files.ts';
import { brokerUrl, CLIENT_ID, forgetLogin, readLogin, type Login } from './login-state.ts';

/** Ends the token at the broker; false when the broker could not be told. */
export async function revokeAtBroker(login: Login, io: Io): Promise<boolean> {
  try {
    const answer = await postForm(login.url, '/oauth/revoke', { token: login.token, token_type_hint: 'access_token', client_id: CLIENT_ID });
    if (answer.ok) return true;
    io.err(`hatrack: the broker answered ${answer.status} to the logout; the login ends there by ${login.expiresAt}`);
  } catch (e) {
    io.err(`${(e as Error).message}; the login ends at the broker by ${login.expiresAt}`);
  }
  return false;
}

export async function logoutCommand(options: { url?: string }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = configDir(env);
  const login = readLogin(dir);
  if (!login || (options.url !== undefined && brokerUrl(options.url, env, dir) !== login.url)) {
    io.err(options.url === undefined ? 'hatrack: not logged in' : `hatrack: not logged in to ${options.url}`);
    if (!login) forgetLogin(dir);
    return 0;
  }
  await revokeAtBroker(login, io);
  forgetLogin(dir);
  io.err(`Logged out of ${login.url}.`);
  return 0;
}
