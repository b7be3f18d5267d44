// The broker's HTTP API as the CLI calls it (ARCHITECTURE.md "Public contract"): the device
// endpoints of RFC 8628 and the bearer API. Failures become CliFailures with the exit code of
// their kind; the server's own sentence is shown when it sent one.
import { readFileSync } from 'node:fs';
import { CliFailure, EXIT, loginExpired } from './exit.ts';
import type { Login } from './login-state.ts';

export const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const USER_AGENT = `hatrack-cli/${VERSION} node/${process.versions.node} ${process.platform}`;

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...init.headers }, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const reason = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new CliFailure(`hatrack: cannot reach the broker at ${new URL(url).origin} (${reason})`, EXIT.unreachable);
  }
}

async function bodyOf(res: Response): Promise<Record<string, unknown>> {
  try {
    return (await res.json()) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** An RFC 6749 §5.2 error answer of the token endpoint. */
export interface OAuthAnswer {
  ok: boolean;
  status: number;
  body: Record<string, unknown>;
}

export async function postForm(url: string, path: string, form: Record<string, string>): Promise<OAuthAnswer> {
  const res = await send(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { ok: res.ok, status: res.status, body: await bodyOf(res) };
}

function failureFor(status: number, body: Record<string, unknown>): CliFailure {
  const said = typeof body.message === 'string' ? body.message : undefined;
  if (status === 401) return loginExpired();
  if (status === 403) return new CliFailure(`hatrack: ${said ?? 'not allowed'}`, EXIT.notEntitled);
  // 409: the role name fits several roles; the message lists them.
  if (status === 409) return new CliFailure(`hatrack: ${said ?? 'that role name is ambiguous'}`, EXIT.usage);
  if (status === 400) return new CliFailure(`hatrack: ${said ?? 'the broker refused the request'}`, EXIT.usage);
  return new CliFailure(`hatrack: the broker answered ${status}${said ? `: ${said}` : ''}`, EXIT.failed);
}

/** One call of the bearer API; the parsed JSON answer, or the failure of its kind. */
export async function callApi<T>(login: Login, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await send(`${login.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${login.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const answer = await bodyOf(res);
  if (!res.ok) throw failureFor(res.status, answer);
  return answer as T;
}

/** A role as GET /api/roles lists it. */
export interface ApiRole {
  arn: string;
  name: string;
  accountId: string;
  accountAlias?: string;
  roleName: string;
  sessionDuration: number;
}

export interface ApiRoles {
  email: string;
  region: string;
  loginExpiresAt: string;
  roles: ApiRole[];
}

/** The credential_process document (AWS.md §4). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}
