// What a strategy's outcome means for the route: its `fail` is a refused sign-in (the strategy's
// challenge when it is a HatrackError, else one plain refusal whose text, the strategy's, goes to
// the log only), and a foreign strategy's `error` is named by what the provider refused.
import { fail, HatrackError, isHatrackError } from '../../errors.ts';

export function refusal(connector: string, challenge: unknown): HatrackError {
  if (isHatrackError(challenge)) return challenge;
  const message = typeof (challenge as { message?: unknown } | undefined)?.message === 'string' ? (challenge as { message: string }).message : 'no reason given';
  return fail.unauthenticated('login_refused', 'The sign-in service did not sign you in. Please try again.', `connector ${connector}: ${message.slice(0, 200)}`);
}

/**
 * A `type: passport` strategy's `error`. passport strategies name what the provider refused:
 * `AuthorizationError` (the callback's `error`) and `TokenError` (the code at the token endpoint)
 * are refused sign-ins — except a TokenError `invalid_client`, Hatrack's own credentials refused,
 * which is a configuration problem; anything else is the provider unreachable or answering wrongly.
 */
export function strategyError(connector: string, e: unknown): HatrackError {
  if (isHatrackError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const detail = `connector ${connector}: ${e instanceof Error ? e.name : 'error'}: ${message.split('\n')[0]!.slice(0, 200)}`;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (e instanceof Error && e.name === 'TokenError' && code === 'invalid_client') {
    return new HatrackError('login_client_rejected', 500, 'Hatrack is not configured correctly for this sign-in.', `${detail}: check the connector's client credentials`);
  }
  if (e instanceof Error && (e.name === 'AuthorizationError' || e.name === 'TokenError')) {
    return fail.unauthenticated('login_refused', 'The sign-in service did not sign you in. Please try again.', detail);
  }
  return fail.upstream('login_provider_error', 'The sign-in service could not be reached or did not answer as expected. Try again in a moment.', detail);
}
