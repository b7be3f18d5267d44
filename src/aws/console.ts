// Turns temporary credentials into an AWS console sign-in URL through the federation endpoint
// (AWS.md §3): `getSigninToken`, then the `Action=login` URL. The URL is a bearer secret for 15
// minutes: the caller delivers it with a 303 and never logs it; nothing here logs or puts the
// token or the keys into an error.
import { HatrackError } from '../errors.ts';
import type { SessionCredentials } from './types.ts';

export interface ConsoleSigninSettings {
  /** e.g. `https://signin.aws.amazon.com/federation` (partition.ts). */
  federationEndpoint: string;
  /** Hatrack's page, where AWS sends people whose console session ended. */
  issuerUrl: string;
  /** The console page to open, e.g. `https://console.aws.amazon.com/`. */
  destination: string;
  /** 900–43200 s. Omitted by default so that the console session matches the credentials. */
  sessionDuration?: number;
  /** Bound on the whole getSigninToken exchange; default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function httpUrl(name: string, value: string): URL {
  if (typeof value === 'string' && URL.canParse(value)) {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  }
  throw new HatrackError('federation_invalid_settings', 500, 'Hatrack\'s AWS console settings are invalid; ask an administrator.', `${name} is not an http(s) URL`);
}

/** Calls `getSigninToken` and returns the `Action=login` URL. */
export async function consoleSigninUrl(
  creds: SessionCredentials,
  settings: ConsoleSigninSettings,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const endpoint = httpUrl('federationEndpoint', settings.federationEndpoint);
  httpUrl('issuerUrl', settings.issuerUrl);
  httpUrl('destination', settings.destination);
  const { sessionDuration } = settings;
  if (sessionDuration !== undefined && (!Number.isInteger(sessionDuration) || sessionDuration < 900 || sessionDuration > 43200)) {
    throw new HatrackError('federation_invalid_settings', 500, 'The console session length must be 15 minutes to 12 hours.', `sessionDuration ${sessionDuration}`);
  }

  const tokenUrl = new URL(endpoint);
  tokenUrl.search = '';
  tokenUrl.searchParams.set('Action', 'getSigninToken');
  if (sessionDuration !== undefined) tokenUrl.searchParams.set('SessionDuration', String(sessionDuration));
  tokenUrl.searchParams.set('Session', JSON.stringify({
    sessionId: creds.accessKeyId,
    sessionKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
  }));

  let status: number;
  let body: string;
  // A timer cleared after the call rather than AbortSignal.timeout, which would still fire (and
  // build its error) long after every sign-in.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('getSigninToken timed out', 'TimeoutError')), settings.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const res = await fetchImpl(tokenUrl, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: deadline.signal,
    });
    status = res.status;
    body = await res.text();
  } catch (e) {
    const reason = e instanceof Error ? (e.name === 'TimeoutError' ? 'timed out' : `${e.name}${(e.cause as { code?: string } | undefined)?.code ? ` ${(e.cause as { code: string }).code}` : ''}`) : 'error';
    throw new HatrackError('federation_unreachable', 503, 'The AWS sign-in service could not be reached. Please try again in a moment.', `getSigninToken at ${endpoint.host}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }

  if (status !== 200) {
    // AWS answers 400 for credentials it will not federate (e.g. chained role credentials with
    // SessionDuration). The body is not echoed: it could quote the request.
    throw new HatrackError('federation_failed', 502, 'AWS refused to open a console session for these credentials.', `getSigninToken at ${endpoint.host}: HTTP ${status}`);
  }
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token.length === 0 || /[\s]/.test(token)) {
    throw new HatrackError('federation_bad_response', 502, 'The AWS sign-in service gave an answer Hatrack does not understand.', `getSigninToken at ${endpoint.host}: no SigninToken in the response`);
  }

  const login = new URL(endpoint);
  login.search = '';
  login.searchParams.set('Action', 'login');
  login.searchParams.set('Issuer', settings.issuerUrl);
  login.searchParams.set('Destination', settings.destination);
  login.searchParams.set('SigninToken', token);
  return login.toString();
}
