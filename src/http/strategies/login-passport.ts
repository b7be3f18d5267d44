// The one passport instance of the browser sign-ins: every connector is a Strategy registered under
// its connector id (SAML on passport-saml, OIDC on openid-client's, LDAP on Hatrack's own, and any
// installed strategy for `type: passport`), and
// every login route runs passport.authenticate(id, { session: false }, callback). passport's own
// session support is not used: Hatrack's sign-in completion (a fresh session, its absolute end, the
// log line) runs in each route's callback (sign-in.ts).
import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import type { UpstreamConnector } from '../../connectors/upstream.ts';
import type { PasswordConnector } from '../../connectors/ldap/ldap-connector.ts';
import type { Store } from '../../store/store.ts';
import { OidcLoginStrategy } from './oidc-strategy.ts';
import { PasswordStrategy } from './password-strategy.ts';
import { SamlLoginStrategy } from './saml-strategy.ts';
import { GenericLoginStrategy } from './generic-strategy.ts';
import type { LoginStep } from './login-step.ts';
import type { Metrics } from '../../metrics.ts';
import { callbackUrl } from '../../connectors/upstream.ts';

export interface LoginPassportDeps {
  upstream: ReadonlyMap<string, UpstreamConnector>;
  password: ReadonlyMap<string, PasswordConnector>;
  store: Store;
  publicUrl: string;
  publicOrigin: string;
  metrics: Metrics;
}

/** passport's custom callback: an error, or the identity (false when refused) with what the strategy adds. */
export type LoginCallback = (err: unknown, identity: unknown, info: unknown) => void;

export interface LoginPassport {
  /** Runs the strategy of `connectorId` on this request; `callback` gets its outcome unless it redirected. */
  authenticate(connectorId: string, options: object, callback: LoginCallback, req: Request, res: Response, next: NextFunction): Promise<void>;
}

export function loginPassport(deps: LoginPassportDeps): LoginPassport {
  const passport = new Passport();
  const registered = new Set<string>();
  const use = (id: string, strategy: Parameters<typeof passport.use>[1]) => {
    passport.use(id, strategy);
    registered.add(id);
  };
  for (const c of deps.upstream.values()) {
    if (c.type === 'saml') use(c.id, new SamlLoginStrategy(c, deps));
    if (c.type === 'passport') use(c.id, new GenericLoginStrategy(c, callbackUrl(deps.publicUrl, c), deps.store));
  }
  for (const c of deps.password.values()) use(c.id, new PasswordStrategy(c));

  // openid-client's Strategy is built from the provider's discovered configuration, so an OIDC
  // connector's is registered on its first use after discovery succeeds (it is kept from then on).
  async function registeredStrategy(id: string): Promise<void> {
    if (registered.has(id)) return;
    const connector = deps.upstream.get(id);
    if (connector?.type !== 'oidc') throw new Error(`no sign-in strategy for connector ${id}`);
    const config = await connector.configuration();
    if (!registered.has(id)) use(id, new OidcLoginStrategy(config, connector, deps));
  }

  return {
    async authenticate(connectorId, options, callback, req, res, next) {
      await registeredStrategy(connectorId);
      // The time to verify a provider's answer (its token, UserInfo or directory calls included);
      // a start, which only redirects, is not timed.
      const isStart = (options as Partial<LoginStep>).loginStep?.kind === 'start';
      const stop = isStart ? undefined : deps.metrics.idpTimer(connectorId);
      const timed: LoginCallback = (err, identity, info) => {
        stop?.();
        callback(err, identity, info);
      };
      passport.authenticate(connectorId, { ...options, session: false }, timed)(req, res, next);
    },
  };
}
