// `hatrack roles [--json]`: the roles the logged-in person may wear now, as the broker derives
// them from the current rules.
import type { Io } from '../main.ts';
import { callApi, type ApiRoles } from './broker-api.ts';
import { requireLogin } from './login-state.ts';

function hours(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${Math.round(seconds / 60)}m`;
}

export async function rolesCommand(options: { url?: string; json?: boolean }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const answer = await callApi<ApiRoles>(requireLogin(options.url, env), 'GET', '/api/roles');
  if (options.json) {
    io.out(JSON.stringify(answer.roles, null, 2));
    return 0;
  }
  if (answer.roles.length === 0) {
    io.err(`hatrack: no role is granted to ${answer.email}`);
    return 0;
  }
  const width = Math.max(...answer.roles.map((r) => r.name.length));
  io.out(answer.roles.map((r) => `${r.name.padEnd(width)}  ${hours(r.sessionDuration).padStart(4)}  ${r.arn}`).join('\n'));
  return 0;
}
