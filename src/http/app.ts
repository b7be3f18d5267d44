// createApp(deps): the Express application. Everything protocol-specific lives behind the deps;
// this file only wires middleware and routers, in the order a request meets them.
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { fileURLToPath } from 'node:url';
import './session-types.ts';
import type { HatRack } from '../broker/types.ts';
import type { RedirectConnector } from '../connectors/connector.ts';
import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import { authRoutes } from './auth-routes.ts';
import { errorHandler } from './errors.ts';
import { metaRoutes } from './meta-routes.ts';
import { createRenderer } from './render.ts';
import { roleRoutes } from './role-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { StoreSessionStore } from './session-store.ts';

export interface AppDeps {
  publicUrl: string;
  trustProxy: boolean | number | string;
  sessionSecret: string;
  sessionTtlSeconds: number;
  region: string;
  store: Store;
  connectors: ReadonlyMap<string, RedirectConnector>;
  hats: HatRack;
  idpMetadataXml: () => string;
  /** Origins a form may be redirected to after its POST (the AWS federation endpoint). */
  formActionOrigins: string[];
  log: Logger;
  metrics: Metrics;
}

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));

export function createApp(deps: AppDeps): express.Express {
  const url = new URL(deps.publicUrl);
  const https = url.protocol === 'https:';
  const base = url.pathname.replace(/\/+$/, '');
  const publicUrl = `${url.origin}${base}`;
  const render = createRenderer();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  const router = express.Router();
  router.use(securityHeaders({ formActionOrigins: deps.formActionOrigins, https }));
  router.use('/static', express.static(publicDir, { index: false, maxAge: '1h' }));
  router.use(metaRoutes({ idpMetadataXml: deps.idpMetadataXml, store: deps.store, metrics: deps.metrics }));

  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.use(express.json({ limit: '16kb' }));
  router.use(session({
    name: https ? '__Host-hatrack' : 'hatrack',
    secret: deps.sessionSecret,
    store: new StoreSessionStore(deps.store, { ttlSeconds: deps.sessionTtlSeconds }),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: deps.trustProxy !== false,
    cookie: { httpOnly: true, secure: https, sameSite: 'lax', path: '/', maxAge: deps.sessionTtlSeconds * 1000 },
  }));
  // express-session leaves req.session undefined when its store is unusable: that is signed out
  // and unavailable (SECURITY.md R1), never a pass.
  router.use((req: Request, _res: Response, next: NextFunction) => {
    if (!req.session) return next(fail.unavailable('store_unavailable', 'The session store is unavailable. Please try again in a moment.'));
    next();
  });

  router.use(authRoutes({ connectors: deps.connectors, store: deps.store, publicUrl, publicOrigin: url.origin, log: deps.log, metrics: deps.metrics }));
  router.use(roleRoutes({ hats: deps.hats, store: deps.store, render, connectors: deps.connectors, base, publicOrigin: url.origin, region: deps.region }));
  router.use((_req: Request, _res: Response, next: NextFunction) => next(fail.notFound('not_found', 'There is nothing at this address.')));
  router.use(errorHandler({ log: deps.log, render, base }));

  app.use(base || '/', router);
  return app;
}
