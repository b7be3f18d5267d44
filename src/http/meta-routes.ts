// Routes that need no session: Hatrack's IdP metadata, health and readiness. (Metrics have a
// listener of their own: metrics-server.ts.)
import { Router } from 'express';
import type { UpstreamConnector } from '../connectors/upstream.ts';
import type { Store } from '../store/store.ts';

export interface MetaRouteDeps {
  idpMetadataXml: () => string;
  store: Store;
  lifecycle: { readonly draining: boolean };
  /** Readiness waits for each connector that has something to load (OIDC discovery). */
  connectors: readonly UpstreamConnector[];
}

/** A readiness check gives up after this long: a load balancer's probe must get an answer. */
const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function metaRoutes(deps: MetaRouteDeps): Router {
  const router = Router();

  // What an administrator uploads with `aws iam create-saml-provider` (AWS.md §1).
  router.get('/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml; charset=utf-8').send(deps.idpMetadataXml());
  });

  // The process is alive (it answers); nothing else is asked.
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Ready when the store answers (SECURITY.md R1) and every connector's provider configuration is
  // loaded (OIDC discovery, kept once it succeeded); not while the process drains to exit. The
  // signing key is loaded before the process listens at all.
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (deps.lifecycle.draining) {
      res.status(503).json({ status: 'not ready', reason: 'shutting down' });
      return;
    }
    const checks: Record<string, 'ok' | 'unavailable'> = { signingKey: 'ok' };
    const check = async (name: string, run: () => Promise<unknown>) => {
      checks[name] = await within(run(), CHECK_TIMEOUT_MS).then(() => 'ok' as const, () => 'unavailable' as const);
    };
    await Promise.all([
      check('store', () => deps.store.ping()),
      ...deps.connectors.filter((c) => c.type === 'oidc').map((c) => check(`connector:${c.id}`, async () => c.ready?.())),
    ]);
    const failed = Object.keys(checks).filter((k) => checks[k] !== 'ok');
    if (failed.length === 0) res.json({ status: 'ready', checks });
    else res.status(503).json({ status: 'not ready', reason: failed.map((k) => `${k} unavailable`).join(', '), checks });
  });

  return router;
}
