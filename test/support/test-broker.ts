// A broker as a real deployment runs it (startHatrack from a validated configuration), in this
// process, with two connectors: OIDC at the real oidc-provider (the dev provider) and SAML trusting
// the test IdP's key (test/support/saml/test-idp.ts), so a test can sign any response it likes.
// By default the broker trusts X-Forwarded-For from loopback, so a test can speak as many client
// addresses; with `https` its public URL is https, as behind a TLS proxy that sends
// X-Forwarded-Proto (the listener itself is always plain http).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.ts';
import { validateConfig } from '../../src/config/load.ts';
import { demoPeople, type DemoPerson } from '../../src/dev/demo-people.ts';
import { startDevOidcProvider } from '../../src/dev/oidc-provider.ts';
import { memoryLogger } from '../../src/log.ts';
import { startHatrack, type RunningHatrack } from '../../src/main.ts';
import { IDP, type Keys } from './saml/test-idp.ts';

export interface TestBrokerOptions {
  redisUrl?: string;
  /** Config `store.redis` as a cluster or sentinel (instead of redisUrl). */
  redis?: { cluster: { nodes: string[] } } | { sentinel: { name: string; sentinels: string[] } };
  keyPrefix?: string;
  /** An https public URL (the test then speaks to the http listener as a TLS proxy would). */
  https?: boolean;
  /** Config `trustProxy`; default `loopback`. */
  trustProxy?: false | string;
  clock?: Clock;
  /** Config `aws.federationEndpoint`; default an address where nothing listens. */
  federationEndpoint?: string;
  /** More connectors (SAML ones at another IdP), and rules for them. */
  moreConnectors?: unknown[];
  moreRoles?: unknown[];
  /** Listen on this port (a restarted broker keeps its URL); default a free one. */
  port?: number;
  /** Config `device`, e.g. a short poll interval. */
  device?: { interval?: number };
  /** The environment `env:NAME` references are read from; default none. */
  env?: NodeJS.ProcessEnv;
  /** Serve metrics on a listener of their own (a free port on 127.0.0.1). */
  metrics?: boolean;
  /** Config `admin`. */
  admin?: { groups: string[]; requireMfa?: boolean };
}

export interface TestBroker {
  /** The broker's public base URL, ending in `/`. */
  url: string;
  /** Where it listens (plain http), without a trailing `/`. */
  listenUrl: string;
  hatrack: RunningHatrack;
  people: readonly DemoPerson[];
  /** Where the SAML connector's responses must be addressed. */
  saml: { acsUrl: string; entityId: string };
  logLines: string[];
  stop(): Promise<void>;
}

export async function startTestBroker(k: Keys, options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-broker-'));
  const log = memoryLogger();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const listenUrl = `http://localhost:${port}`;
  const url = `${options.https ? 'https' : 'http'}://localhost:${port}`;
  const people = demoPeople();
  const clientSecret = 'test-client-secret-0123456789';
  const oidc = await startDevOidcProvider({
    clients: [{ client_id: 'hatrack-test', client_secret: clientSecret, redirect_uris: [`${url}/oidc/demo/callback`], post_logout_redirect_uris: [`${url}/signed-out`] }],
    people,
    log: log.child({ component: 'dev-oidc' }),
  });
  const saml = { acsUrl: `${url}/saml/google/acs`, entityId: `${url}/saml/google/metadata` };
  const loaded = validateConfig({
    publicUrl: url,
    trustProxy: options.trustProxy ?? 'loopback',
    session: { secret: 'test-session-secret-0123456789abcdef' },
    ...(options.device && { device: options.device }),
    ...(options.metrics && { metrics: { listen: '127.0.0.1:0' } }),
    ...(options.admin && { admin: options.admin }),
    ...((options.redisUrl ?? options.redis) && { store: { redis: options.redisUrl ?? options.redis, keyPrefix: options.keyPrefix ?? 'hatrack-test:' } }),
    connectors: [
      { id: 'demo', type: 'oidc', issuer: oidc.issuer, clientId: 'hatrack-test', clientSecret, scopes: ['openid', 'email', 'profile', 'groups'], allowInsecureHttp: true },
      {
        id: 'google', type: 'saml', idpEntityId: IDP.entityId, idpSsoUrl: IDP.ssoUrl, idpCerts: [k.idp.certPem],
        allowIdpInitiated: true, allowInsecureHttp: true, assertionEncryption: 'optional',
      },
      ...options.moreConnectors ?? [],
    ],
    accounts: { prod: '111111111111' },
    // The test IdP's alice is in aws-admins@corp.example; the demo people's groups are admins and power-users.
    roles: [
      { group: 'aws-admins@corp.example', connector: 'google', role: 'arn:aws:iam::{prod}:role/Admin' },
      { group: 'admins', connector: 'demo', role: 'arn:aws:iam::{prod}:role/Admin' },
      { groupPattern: '^aws#(?<account>[a-z]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$', connector: 'google', role: 'arn:aws:iam::{account}:role/{role}' },
      ...options.moreRoles ?? [],
    ],
    // Nothing listens at the STS endpoint: minting is other tests' business.
    aws: { stsEndpoint: 'http://127.0.0.1:9/', federationEndpoint: options.federationEndpoint ?? 'http://127.0.0.1:9/federation' },
  }, 'test broker', options.env ?? {});
  const hatrack = await startHatrack(loaded, { port: 0, log, baseDir: dir, server, ...(options.clock && { clock: options.clock }) });
  return {
    url: `${url}/`,
    listenUrl,
    hatrack,
    people,
    saml,
    logLines: log.lines,
    async stop() {
      await hatrack.close();
      await oidc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
