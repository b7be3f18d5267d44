// `hatrack logout`: revokes the broker token at the broker (RFC 7009) and forgets it and every
// cached key here. The local files go even when the broker cannot be reached.
import type { Io } from '../main.ts';
import { postForm } from './broker-api.ts';
import { configDir } from './files.ts';
import { CLIENT_ID, forgetLogin, readLogin } from './login-state.ts';

export async function logoutCommand(io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = configDir(env);
  const login = readLogin(dir);
  if (!login) {
    io.err('hatrack: not logged in');
    forgetLogin(dir);
    return 0;
  }
  try {
    await postForm(login.url, '/oauth/revoke', { token: login.token, token_type_hint: 'access_token', client_id: CLIENT_ID });
  } catch (e) {
    io.err(`${(e as Error).message}; the login is forgotten here, and ends at the broker by ${login.expiresAt}`);
  }
  forgetLogin(dir);
  io.err(`Logged out of ${login.url}.`);
  return 0;
}
