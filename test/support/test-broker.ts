// A broker as a real deployment runs it (startHatrack from a validated configuration), in this
// process, with two connectors: OIDC at the real oidc-provider (the dev provider) and SAML trusting
// the test IdP's key (test/support/saml/test-idp.ts), so a test can sign any response it likes.
// The broker trusts X-Forwarded-For from loopback, so a test can speak as many client addresses.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import { demoPeople, type DemoPerson } from '../../src/dev/demo-people.ts';
import { startDevOidcProvider } from '../../src/dev/oidc-provider.ts';
import { memoryLogger } from '../../src/log.ts';
import { startHatrack, type RunningHatrack } from '../../src/main.ts';
import { IDP, type Keys } from './saml/test-idp.ts';

export interface TestBroker {
  /** The broker's base URL, ending in `/`. */
  url: string;
  hatrack: RunningHatrack;
  people: readonly DemoPerson[];
  /** Where the SAML connector's responses must be addressed. */
  saml: { acsUrl: string; entityId: string };
  logLines: string[];
  stop(): Promise<void>;
}

export async function startTestBroker(k: Keys, options: { redisUrl?: string; keyPrefix?: string } = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-broker-'));
  const log = memoryLogger();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const people = demoPeople();
  const clientSecret = 'test-client-secret-0123456789';
  const oidc = await startDevOidcProvider({
    clients: [{ client_id: 'hatrack-test', client_secret: clientSecret, redirect_uris: [`${url}/oidc/demo/callback`] }],
    people,
    log: log.child({ component: 'dev-oidc' }),
  });
  const saml = { acsUrl: `${url}/saml/google/acs`, entityId: `${url}/saml/google/metadata` };
  const loaded = validateConfig({
    publicUrl: url,
    trustProxy: 'loopback',
    session: { secret: 'test-session-secret-0123456789abcdef' },
    ...(options.redisUrl && { store: { redis: options.redisUrl, keyPrefix: options.keyPrefix ?? 'hatrack-test:' } }),
    connectors: [
      { id: 'demo', type: 'oidc', issuer: oidc.issuer, clientId: 'hatrack-test', clientSecret, scopes: ['openid', 'email', 'profile', 'groups'], allowInsecureHttp: true },
      { id: 'google', type: 'saml', idpEntityId: IDP.entityId, idpSsoUrl: IDP.ssoUrl, idpCerts: [k.idp.certPem], allowIdpInitiated: true, allowInsecureHttp: true },
    ],
    accounts: { prod: '111111111111' },
    roles: [{ group: 'admins', role: 'arn:aws:iam::{prod}:role/Admin' }],
    aws: { stsEndpoint: 'http://127.0.0.1:9/', federationEndpoint: 'http://127.0.0.1:9/federation' },
  }, 'test broker', {});
  const hatrack = await startHatrack(loaded, { port: 0, log, baseDir: dir, server });
  return {
    url: `${url}/`,
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
