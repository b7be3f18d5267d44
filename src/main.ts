// Composition root: configuration → keys → store → connectors → broker → HTTP app → listen.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { AUDIT_STREAM_LENGTH, createAuditLog } from './audit/audit.ts';
import { awsEndpoints } from './aws/partition.ts';
import { keyFilePaths, loadOrCreateKeyPairs, loadOrCreateSigningKeys } from './aws/keys.ts';
import { createKeySigner } from './aws/signer.ts';
import { idpMetadataXml } from './aws/metadata.ts';
import { closeStsClients } from './aws/sts.ts';
import { createHatRack } from './broker/broker.ts';
import { systemClock, type Clock } from './clock.ts';
import type { LoadedConfig } from './config/load.ts';
import { idpEntityId, publicBaseUrl } from './config/derived.ts';
import type { Config } from './config/schema.ts';
import { connectorsFromConfig } from './connectors/registry.ts';
import { DECRYPTION_CERT_NAME, type DecryptionKey } from './connectors/saml/encryption.ts';
import type { Express } from 'express';
import { createApp } from './http/app.ts';
import { isHatrackError } from './errors.ts';
import { refuseMovedKeys } from './config/moved-keys.ts';
import { startMetricsServer } from './http/metrics-server.ts';
import { createBrokerTokens } from './device/broker-tokens.ts';
import { createDeviceFlow } from './device/device-flow.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { createStore } from './store/index.ts';
import type { Store } from './store/store.ts';

export interface StartOptions {
  /** 0 picks a free port. */
  port: number;
  /** Address to bind; default all interfaces (a container), HOST in the environment. */
  host?: string;
  log: Logger;
  clock?: Clock;
  /** Base directory for relative key, certificate and module paths; default the configuration's (its file's folder). */
  baseDir?: string;
  /**
   * An already-listening server to serve on instead of opening one: the demo binds its port
   * before it knows the public URL that the configuration needs.
   */
  server?: Server;
  /**
   * Attaches the app to the server; default `server.on('request', app)`. The demo holds the
   * requests that arrive before it is ready and releases them here (http/held-requests.ts).
   */
  attach?: (app: Express) => void;
}

export interface RunningHatrack {
  listenUrl: string;
  /** The HTTP application, for tests that walk its routes. */
  app: Express;
  /** The IdP metadata to upload to IAM in every account. */
  idpMetadataXml: string;
  entityId: string;
  store: Store;
  /** Where the metrics are served, when `metrics.listen` is set. */
  metricsUrl?: string;
  /**
   * Answers /readyz with 503 for `notReadyMs`, then stops accepting connections, gives requests in
   * flight up to `graceMs` to finish, and closes the rest and the store (both default 0).
   */
  close(options?: { graceMs?: number; notReadyMs?: number }): Promise<void>;
}

/** How long start-up waits for the store's first answer before serving anyway (with 503s until it answers). */
const STORE_STARTUP_WAIT_MS = 3000;

async function storeAnswers(store: Store, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    try {
      await store.ping();
      return true;
    } catch {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * The SP decryption keys, current then next, when a SAML connector takes encrypted assertions:
 * generated like the signing key on first use, published in those connectors' SP metadata.
 */
async function loadDecryptionKeys(config: Config, baseDir: string, log: Logger): Promise<DecryptionKey[]> {
  if (!config.connectors.some((c) => c.type === 'saml' && c.assertionEncryption !== 'off')) return [];
  const keys = await loadOrCreateKeyPairs({ ...keyFilePaths(config.decryption, baseDir), commonName: DECRYPTION_CERT_NAME });
  if (keys.created) log.info('generated a new SAML decryption key and certificate', { cert: config.decryption.cert });
  for (const warning of keys.warnings) log.warn(warning);
  return [keys.current, ...(keys.next ? [keys.next] : [])];
}

export async function startHatrack(loaded: LoadedConfig, options: StartOptions): Promise<RunningHatrack> {
  const { config, rules } = loaded;
  const log = options.log;
  const clock = options.clock ?? systemClock;
  const baseDir = options.baseDir ?? loaded.baseDir;
  const publicUrl = publicBaseUrl(config);
  // Rules that can never grant and the like: the config is valid, but an admin wants to know.
  for (const w of loaded.warnings) log.warn(`config: ${w.path}: ${w.message}`);

  // A base directory given by the caller (the demo, tests) is where keys are meant to be.
  if (options.baseDir === undefined) refuseMovedKeys(config, baseDir);
  const keys = await loadOrCreateSigningKeys(keyFilePaths(config.signing, baseDir));
  if (keys.created) log.info('generated a new signing key and certificate', { cert: config.signing.cert });
  for (const warning of keys.warnings) log.warn(warning);
  const signer = createKeySigner(keys);
  const decryptionKeys = await loadDecryptionKeys(config, baseDir, log);
  const entityId = idpEntityId(config);
  const metadata = idpMetadataXml({ entityId, certificates: signer.certificates, ssoUrl: `${publicUrl}/` });

  const endpoints = awsEndpoints(config.aws.partition, config.aws.region);
  const store = createStore(config.store, { log, clock });
  // The store connects in the background; requests that came before it is up would all be 503.
  if (!(await storeAnswers(store, STORE_STARTUP_WAIT_MS))) {
    log.warn('the store does not answer yet: requests that need it get 503 until it does', { waitedMs: STORE_STARTUP_WAIT_MS });
  }
  if (!config.store.redis) log.warn('sessions and login state are kept in memory: fine for one process in development, lost on restart, and not shared between processes; set store.redis for production');
  let sessionSecret = config.session.secret;
  if (!sessionSecret) {
    sessionSecret = randomBytes(32).toString('base64url');
    log.warn('no session.secret configured: a random one is used, so sessions end when the process restarts');
  }

  const connectors = await connectorsFromConfig(config, { store, clock, log, baseDir, publicUrl, decryptionKeys });
  // A provider that cannot be used is a configuration problem to fix, said at start-up rather
  // than at the first sign-in (check-config --online tells more).
  config.connectors.forEach((c, i) => {
    const connector = connectors.upstream.get(c.id);
    if (connector?.type !== 'oidc') return;
    connector.configuration().catch((e: unknown) => log.warn(`configuration problem: connectors[${i}].issuer: the provider cannot be used`, {
      connector: c.id, errorCode: isHatrackError(e) ? e.code : 'error', detail: isHatrackError(e) ? e.detail : undefined,
    }));
  });
  const metrics = new Metrics();
  // The audit stream in the store feeds the admin pages; in memory (development) it keeps less.
  const audit = createAuditLog({ log, store, streamLength: config.store.redis ? AUDIT_STREAM_LENGTH : 10_000 });
  audit.record({ event: 'config-loaded', result: 'ok', source: loaded.source, connectors: config.connectors.length, rules: rules.rules.length });
  const lifecycle = { draining: false };
  const federationEndpoint = config.aws.federationEndpoint ?? endpoints.federation;
  const hats = createHatRack({
    rules,
    idp: {
      entityId,
      signer,
      recipient: config.aws.signinUrl ?? endpoints.samlRecipient,
      audience: endpoints.samlAudience,
    },
    sts: { region: config.aws.region, endpoint: config.aws.stsEndpoint },
    console: {
      federationEndpoint,
      issuerUrl: `${publicUrl}/`,
      destination: config.aws.consoleDestination ?? endpoints.console,
    },
    partition: config.aws.partition,
    audit,
    metrics,
    clock,
  });

  const app = createApp({
    publicUrl,
    trustProxy: config.trustProxy,
    sessionSecret,
    sessionTtlSeconds: config.session.ttl,
    region: config.aws.region,
    store,
    connectors: connectors.upstream,
    passwordConnectors: connectors.password,
    hats,
    device: createDeviceFlow(store, clock, {
      clientIds: config.device.clients,
      codeTtlSeconds: config.device.codeTtl,
      intervalSeconds: config.device.interval,
      verificationUri: `${publicUrl}/device`,
    }),
    deviceClients: config.device.clients,
    tokens: createBrokerTokens(store, clock, { ttlSeconds: config.device.tokenTtl, approvalTtlSeconds: config.device.codeTtl }),
    idpMetadataXml: () => metadata,
    admin: config.admin,
    rules,
    audit,
    lifecycle,
    formActionOrigins: [new URL(federationEndpoint).origin],
    clock,
    log,
    metrics,
  });

  // Before the public listener: a metrics address that is taken stops the start before it listens.
  const metricsServer = config.metrics.listen === undefined ? undefined : await startMetricsServer(config.metrics.listen, metrics, log);
  const server = options.server ?? createServer();
  if (options.attach) options.attach(app);
  else server.on('request', app);
  // The answers being worked on, so that a drain can close their connections once they are sent.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  if (!server.listening) {
    try {
      await new Promise<void>((done, fail) => {
        server.once('error', fail);
        server.listen(options.port, options.host ?? process.env.HOST, () => done());
      });
    } catch (e) {
      // Nothing is left open by a start that failed.
      await metricsServer?.close();
      await store.close();
      throw e;
    }
  }
  const address = server.address() as AddressInfo;
  const listenUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info('listening', { listen: listenUrl, publicUrl, entityId });

  return {
    listenUrl,
    app,
    idpMetadataXml: metadata,
    entityId,
    store,
    ...(metricsServer && { metricsUrl: metricsServer.url }),
    async close({ graceMs = 0, notReadyMs = 0 } = {}) {
      // Draining: first /readyz answers 503 for notReadyMs while requests are still served, so
      // that load balancers stop sending; then no new connections, answers close theirs, and
      // requests in flight get up to graceMs to finish.
      lifecycle.draining = true;
      if (notReadyMs > 0) await new Promise((r) => setTimeout(r, notReadyMs));
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        // Node detaches the socket before 'finish' listeners run: keep it from now.
        const socket = res.socket;
        res.on('finish', () => socket?.end());
      }
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
      await metricsServer?.close();
      await store.close();
      closeStsClients();
    },
  };
}
