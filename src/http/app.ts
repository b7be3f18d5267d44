// createApp(deps): the Express application. Everything protocol-specific lives behind the deps;
// this file only wires middleware and routers, in the order a request meets them.
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { fileURLToPath } from 'node:url';
import './session-types.ts';
import type { HatRack } from '../broker/types.ts';
import type { RuleSet } from '../mapping/rules.ts';
import type { UpstreamConnector } from '../connectors/upstream.ts';
import type { Clock } from '../clock.ts';
import { withoutTrailingSlashes } from '../config/derived.ts';
import { fail } from '../errors.ts';
import { storeUnavailable } from '../store/errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { BrokerTokens } from '../device/broker-tokens.ts';
import type { DeviceFlow } from '../device/device-flow.ts';
import { apiRoutes } from './api-routes.ts';
import { adminRoutes, adminVerdict } from './admin-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { passwordRoutes } from './password-routes.ts';
import { loginPassport } from './strategies/login-passport.ts';
import type { PasswordConnector } from '../connectors/ldap/ldap-connector.ts';
import { errorHandler } from './errors.ts';
import { metaRoutes } from './meta-routes.ts';
import { createRenderer } from './render.ts';
import { roleRoutes } from './role-routes.ts';
import { acsBodyParser, samlRoutes } from './saml-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { assignRequestId } from './request-meta.ts';
import { StoreSessionStore } from './session-store.ts';
import type { AuditLog } from '../audit/audit.ts';

export interface AppDeps {
  audit: AuditLog;
  publicUrl: string;
  trustProxy: false | number | string | string[];
  sessionSecret: string;
  sessionTtlSeconds: number;
  region: string;
  store: Store;
  connectors: ReadonlyMap<string, UpstreamConnector>;
  /** The compiled rules, for the admin access page. */
  rules: RuleSet;
  /** Who may open the admin pages (config `admin`). */
  admin: { groups: readonly string[]; requireMfa: boolean };
  /** Connectors whose people sign in on Hatrack's own password form (LDAP). */
  passwordConnectors: ReadonlyMap<string, PasswordConnector>;
  hats: HatRack;
  device: DeviceFlow;
  /** The public client ids of config `device.clients`. */
  deviceClients: readonly string[];
  tokens: BrokerTokens;
  idpMetadataXml: () => string;
  /** Set while the process drains before exiting: not ready, and connections are not kept open. */
  lifecycle: { readonly draining: boolean };
  /** Origins a form may be redirected to after its POST (the AWS federation endpoint). */
  formActionOrigins: string[];
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));

export function createApp(deps: AppDeps): express.Express {
  const url = new URL(deps.publicUrl);
  const https = url.protocol === 'https:';
  const base = withoutTrailingSlashes(url.pathname);
  const publicUrl = `${url.origin}${base}`;
  const render = createRenderer();
  // `__Host-` binds the cookie to this exact origin (Secure, Path=/, no Domain): SECURITY.md W4.
  const cookieName = https ? '__Host-hatrack' : 'hatrack';

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  const router = express.Router();
  router.use(assignRequestId);
  // While draining, no answer keeps its connection open (static files included).
  router.use((_req: Request, res: Response, next: NextFunction) => {
    if (deps.lifecycle.draining) res.set('Connection', 'close');
    next();
  });
  router.use(securityHeaders({ formActionOrigins: deps.formActionOrigins, https }));
  router.use('/static', express.static(publicDir, { index: false, maxAge: '1h' }));
  router.use(metaRoutes({
    idpMetadataXml: deps.idpMetadataXml, store: deps.store, lifecycle: deps.lifecycle,
    connectors: [...deps.connectors.values()],
  }));

  router.post('/saml/:connector/acs', acsBodyParser);
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use(express.json({ limit: '16kb' }));
  // What the CLI calls carries a bearer token or a device code, never a cookie: answered before
  // any session is loaded or made.
  router.use(oauthRoutes({
    audit: deps.audit, device: deps.device, clientIds: deps.deviceClients, tokens: deps.tokens, store: deps.store,
    clock: deps.clock, log: deps.log, metrics: deps.metrics,
  }));
  router.use(apiRoutes({ audit: deps.audit, hats: deps.hats, tokens: deps.tokens, store: deps.store, region: deps.region, clock: deps.clock }));
  router.use(session({
    name: cookieName,
    secret: deps.sessionSecret,
    store: new StoreSessionStore(deps.store, { ttlSeconds: deps.sessionTtlSeconds, clock: deps.clock }),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // `proxy` unset: express-session then trusts X-Forwarded-Proto exactly as far as Express's
    // own `trust proxy` does (req.secure), no further.
    cookie: { httpOnly: true, secure: https, sameSite: 'lax', path: '/', maxAge: deps.sessionTtlSeconds * 1000 },
  }));
  // express-session leaves req.session undefined when its store is unusable: that is signed out
  // and unavailable (SECURITY.md R1), never a pass.
  router.use((req: Request, _res: Response, next: NextFunction) => {
    if (!req.session) return next(storeUnavailable('express-session has no session: its store is not usable'));
    // A sign-in lasts session.ttl from the moment it happened, however busy the session is.
    if (req.session.identity && (req.session.expiresAt ?? 0) <= deps.clock.now().getTime()) {
      delete req.session.identity;
      delete req.session.expiresAt;
    }
    next();
  });

  // Who may open the admin pages (admin-routes.ts), also asked by the picker for its link to them.
  const admins = {
    groups: deps.admin.groups, requireMfa: deps.admin.requireMfa,
    provesMfa: (id: string) => {
      const c = deps.connectors.get(id);
      return c !== undefined && (c.type === 'oidc' || c.type === 'saml' || (c.type === 'passport' && c.provesMfa));
    },
  };
  const passport = loginPassport({
    upstream: deps.connectors, password: deps.passwordConnectors, store: deps.store, publicUrl, publicOrigin: url.origin, metrics: deps.metrics,
  });
  const loginChoices = [...deps.connectors.values(), ...deps.passwordConnectors.values()].map((c) => ({ id: c.id, displayName: c.displayName }));
  // Before authRoutes: GET /login/:connector of a password connector is its form, not a redirect.
  router.use(passwordRoutes({
    connectors: deps.passwordConnectors, passport, audit: deps.audit, store: deps.store, tokens: deps.tokens, render, base, publicUrl, publicOrigin: url.origin,
    sessionTtlSeconds: deps.sessionTtlSeconds, clock: deps.clock, log: deps.log, metrics: deps.metrics,
  }));
  router.use(authRoutes({
    connectors: deps.connectors, passport, render, base, audit: deps.audit, store: deps.store, tokens: deps.tokens, publicUrl, publicOrigin: url.origin,
    sessionTtlSeconds: deps.sessionTtlSeconds, cookie: { name: cookieName, secure: https },
    clock: deps.clock, log: deps.log, metrics: deps.metrics,
  }));
  router.use(samlRoutes({
    connectors: deps.connectors, passport, audit: deps.audit, hats: deps.hats, store: deps.store, tokens: deps.tokens, publicUrl, publicOrigin: url.origin,
    sessionTtlSeconds: deps.sessionTtlSeconds, cookie: { name: cookieName, secure: https },
    clock: deps.clock, log: deps.log, metrics: deps.metrics,
  }));
  router.use(roleRoutes({ audit: deps.audit, isAdmin: (who) => adminVerdict(admins, who) === 'ok', hats: deps.hats, store: deps.store, render, loginChoices, base, publicOrigin: url.origin, region: deps.region, clock: deps.clock }));
  router.use(deviceRoutes({
    audit: deps.audit, device: deps.device, tokens: deps.tokens, store: deps.store, render, loginChoices,
    base, publicOrigin: url.origin, clock: deps.clock, log: deps.log,
  }));
  router.use(adminRoutes({
    ...admins, store: deps.store, render, base, region: deps.region,
    rules: deps.rules, connectorIds: [...deps.connectors.keys(), ...deps.passwordConnectors.keys()],
  }));
  router.use((_req: Request, _res: Response, next: NextFunction) => next(fail.notFound('not_found', 'There is nothing at this address.')));
  router.use(errorHandler({ log: deps.log, render, base, metrics: deps.metrics }));

  app.use(base || '/', router);
  return app;
}
