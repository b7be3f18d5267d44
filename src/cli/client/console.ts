// `hatrack console --role R [--print] [--region REGION] [--destination URL]`: a console sign-in
// URL for the role, opened in the browser. The URL is a bearer secret for 15 minutes (AWS.md §3):
// it is printed only when asked (--print), to stdout, never logged.
import type { Io } from '../main.ts';
import { callApi } from './broker-api.ts';
import { CliFailure, EXIT, usage } from './exit.ts';
import { requireLogin } from './login-state.ts';
import { openBrowser } from './open-browser.ts';

export async function consoleCommand(
  options: { url?: string; role?: string; print?: boolean; region?: string; destination?: string },
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!options.role) throw usage('hatrack console: --role is required');
  const login = requireLogin(options.url, env);
  const { url } = await callApi<{ url: string }>(login, 'POST', '/api/console', {
    role: options.role,
    ...(options.region && { region: options.region }),
    ...(options.destination && { destination: options.destination }),
  });
  if (options.print) {
    io.out(url);
    return 0;
  }
  if (!openBrowser(url, env)) throw new CliFailure('hatrack console: no browser to open here; use --print to get the sign-in URL (valid 15 minutes, keep it secret)', EXIT.failed);
  io.err('Opened the AWS console in your browser.');
  return 0;
}
