// Routes that need no session: Hatrack's IdP metadata, health, readiness and metrics.
import { Router } from 'express';
import type { Store } from '../store/store.ts';
import type { Metrics } from '../metrics.ts';

export function metaRoutes(deps: { idpMetadataXml: () => string; store: Store; metrics: Metrics }): Router {
  const router = Router();

  // What an administrator uploads with `aws iam create-saml-provider` (AWS.md §1).
  router.get('/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml; charset=utf-8').send(deps.idpMetadataXml());
  });

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Ready only when the store answers (SECURITY.md R1).
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await deps.store.ping();
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'not ready', reason: 'store unavailable' });
    }
  });

  router.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(deps.metrics.render());
  });

  return router;
}
