// Checks of the authorization response, in the order RFC 9207 and RFC 6749 give them, before any
// request to the token endpoint: the pending login exists and belongs here, the issuer parameter
// (mix-up defence), the state, then a provider error, then the code. openid-client repeats the
// issuer and state checks; doing them first here gives each failure its own code.

import { timingSafeEqual } from 'node:crypto';
import { fail } from '../../errors.ts';
import type { PendingLogin } from '../connector.ts';
import { asOidcPendingLogin, type OidcPendingLogin } from './login-data.ts';
import { safeProviderText } from './errors.ts';

export interface CallbackContext {
  connector: string;
  issuer: string;
  /** The provider advertises `authorization_response_iss_parameter_supported`. */
  issParameterRequired: boolean;
  now: number;
  maxLoginAgeMs: number;
}

const restart = 'This sign-in could not be completed. Please start again.';

/** Returns the pending login and the authorization code, or throws the first check that fails. */
export function checkCallback(ctx: CallbackContext, params: URLSearchParams, stored: PendingLogin | undefined): { pending: OidcPendingLogin; code: string } {
  const detail = (what: string) => `connector ${ctx.connector}: ${what}`;

  if (stored === undefined) {
    throw fail.unauthenticated('oidc_state_mismatch', restart, detail('no pending login for this callback (unknown, expired or already used state)'));
  }
  if (stored.connector !== ctx.connector) {
    throw fail.unauthenticated('oidc_state_mismatch', restart, detail(`pending login belongs to connector ${stored.connector}`));
  }
  const pending = asOidcPendingLogin(stored);
  if (pending === undefined) throw fail.unauthenticated('oidc_state_mismatch', restart, detail('the stored pending login is malformed'));
  const age = ctx.now - pending.createdAt;
  if (age > ctx.maxLoginAgeMs || age < -60_000) {
    throw fail.unauthenticated('oidc_login_expired', 'This sign-in took too long. Please start again.', detail(`pending login is ${Math.round(age / 1000)} s old`));
  }

  for (const name of ['iss', 'state', 'code', 'error', 'error_description']) {
    if (params.getAll(name).length > 1) {
      throw fail.unauthenticated('oidc_callback_invalid', restart, detail(`callback repeats the "${name}" parameter`));
    }
  }

  const iss = params.get('iss');
  if (iss === null ? ctx.issParameterRequired : iss !== ctx.issuer) {
    throw fail.unauthenticated('oidc_issuer_mismatch', restart,
      detail(iss === null ? 'callback has no "iss" parameter although the provider promises one' : `callback "iss" is ${JSON.stringify(safeProviderText(iss, 100))}, expected ${ctx.issuer}`));
  }

  const state = params.get('state');
  if (state === null) throw fail.unauthenticated('oidc_state_mismatch', restart, detail('callback has no "state" parameter'));
  if (!sameString(state, pending.state)) throw fail.unauthenticated('oidc_state_mismatch', restart, detail('callback "state" does not match the pending login'));

  const error = params.get('error');
  if (error !== null) {
    const code = safeProviderText(error, 64) || 'unknown_error';
    const description = safeProviderText(params.get('error_description'));
    const refused = fail.unauthenticated('oidc_provider_error',
      `The identity provider did not sign you in (${code}${description ? `: ${description}` : ''}).`,
      detail(`provider returned error ${code}${description ? `: ${description}` : ''}`));
    // access_denied: the person cancelled (or was turned away) there; the page says so, not "failed".
    if (code === 'access_denied') refused.heading = 'Sign-in cancelled';
    throw refused;
  }

  const code = params.get('code');
  if (code === null || code.length === 0) throw fail.unauthenticated('oidc_callback_invalid', restart, detail('callback has no "code" parameter'));
  if (params.has('id_token') || params.has('access_token') || params.has('response')) {
    throw fail.unauthenticated('oidc_callback_invalid', restart, detail('callback carries tokens; only the code flow is accepted'));
  }
  return { pending, code };
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
