// The built-in demo (ARCHITECTURE.md "Demo"): in one process, the broker, the dev OpenID provider
// with the people of the IAM story, and the offline AWS stand-in, wired as a real deployment would
// be — the stand-in trusts Hatrack's metadata the way IAM would after `create-saml-provider`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { validateConfig, type LoadedConfig } from '../config/load.ts';
import { iamSetupJson, planIamSetup } from '../aws/iam-setup.ts';
import { awsEndpoints } from '../aws/partition.ts';
import type { Logger } from '../log.ts';
import type { Express } from 'express';
import { holdRequests } from '../http/held-requests.ts';
import { startHatrack, type RunningHatrack } from '../main.ts';
import { createAwsStandin, type AwsStandin } from './aws-standin/index.ts';
import { DEMO_CLIENT_ID, demoConfig } from './demo-config.ts';
import type { ConfigInput } from '../config/schema.ts';
import { callbackUrl } from '../connectors/upstream.ts';
import { demoPeople, type DemoPerson } from './demo-people.ts';
import { startDevOidcProvider } from './oidc-provider.ts';
import { startDevSamlIdp, type DevSamlIdp } from './saml-idp/index.ts';

export interface DemoOptions {
  /** The broker's port; the OpenID provider takes the next one, the AWS stand-in the one after. 0: free ports. */
  port: number;
  /** Address every server binds; default HOST from the environment, else 127.0.0.1. */
  host?: string;
  /** Host name in the URLs the browser sees; default localhost. */
  publicHost?: string;
  log: Logger;
  /** Where certs/ lives; default the working directory. */
  baseDir?: string;
  /** The store to use; default in memory, or REDIS_URL from the environment. */
  store?: { redis?: string; keyPrefix?: string };
  /** Settings of the CLI's device login (config `device`), e.g. a short poll interval for tests. */
  device?: { interval?: number; codeTtl?: number; tokenTtl?: number };
  /** More connectors for the demo's people, e.g. a test's LDAP directory (config `connectors[]` entries). */
  moreConnectors?: ConfigInput['connectors'];
  /** Passed to the AWS stand-in (tests: `maxCredentialSeconds` to reach a key's expiry quickly). */
  standin?: { maxCredentialSeconds?: number };
}

export interface RunningDemo {
  url: string;
  people: readonly DemoPerson[];
  hatrack: RunningHatrack;
  standin: AwsStandin;
  standinUrl: string;
  oidcIssuer: string;
  /** The stand-in Google Workspace (SAML IdP with an app launcher). */
  samlIdp: DevSamlIdp;
  banner: string;
  /** Closes every server; Hatrack first, giving requests in flight up to `graceMs` (default 0). */
  close(options?: { graceMs?: number; notReadyMs?: number }): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** `port` when nothing listens there right now, else a free one. */
async function portOrFree(port: number, host: string): Promise<number> {
  const probe = createServer();
  const free = await listen(probe, port, host).then(() => true, () => false);
  if (free) await new Promise((r) => probe.close(r));
  return free ? port : freePort(host);
}

/** A port the OS reports free right now (for the servers that need their URL before they start). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0, host);
  await new Promise((r) => probe.close(r));
  return port;
}

interface IamSetupJson {
  accounts: Array<{
    samlProvider: { arn: string; samlMetadataDocument: string };
    roles: Array<{ arn: string; maxSessionDuration: number; assumeRolePolicyDocument: unknown }>;
  }>;
}

/** Registers in the stand-in what `hatrack iam-setup --format json` tells an administrator to create. */
export function registerIamSetup(standin: Pick<AwsStandin, 'registerSamlProvider' | 'registerRole'>, loaded: LoadedConfig, metadataXml: string): void {
  const { config, rules } = loaded;
  const samlAudience = config.aws.signinUrl ?? awsEndpoints(config.aws.partition, config.aws.region).samlRecipient;
  const printed = JSON.stringify(iamSetupJson(planIamSetup({ rules, samlAudience, metadataXml })));
  const setup = JSON.parse(printed) as IamSetupJson;
  for (const account of setup.accounts) {
    standin.registerSamlProvider(account.samlProvider.arn, account.samlProvider.samlMetadataDocument);
    for (const role of account.roles) {
      standin.registerRole(role.arn, { maxSessionDuration: role.maxSessionDuration, trustPolicy: role.assumeRolePolicyDocument });
    }
  }
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const publicHost = options.publicHost ?? 'localhost';
  const log = options.log;

  // The broker's port first: every other URL is derived from it.
  const brokerServer = createServer();
  const brokerPort = await listen(brokerServer, options.port, host);
  // Requests that arrive while the demo starts wait for it, rather than hang unanswered.
  const held = holdRequests(brokerServer);
  // The other servers on the next ports (3001, 3002, 3003 beside 3000), or on free ones when
  // those are taken; the banner says where each one is.
  const near = async (offset: number) => (options.port === 0 ? freePort(host) : portOrFree(brokerPort + offset, host));
  const oidcPort = await near(1);
  const awsPort = await near(2);
  const samlPort = await near(3);
  const closers: Array<(options: { graceMs?: number; notReadyMs?: number }) => Promise<void>> = [];
  const closeAll = async (options: { graceMs?: number; notReadyMs?: number } = {}) => {
    for (const close of closers.reverse()) await close(options).catch(() => undefined);
  };

  try {
    const standin = createAwsStandin({ log: log.child({ component: 'aws-standin' }), ...options.standin });
    const { url: standinListenUrl } = await standin.listen(awsPort, host);
    closers.push(() => standin.close());
    const standinUrl = `http://${publicHost}:${new URL(standinListenUrl).port}`;

    const people = demoPeople();
    const secrets = { clientSecret: randomBytes(24).toString('base64url'), sessionSecret: randomBytes(32).toString('base64url') };
    const ports = { broker: brokerPort, oidc: oidcPort, aws: Number(new URL(standinUrl).port) };
    // The stand-in Google Workspace runs on 127.0.0.1 while the broker is on `publicHost`
    // (localhost): two sites, so the tile's POST to the ACS is cross-site, as it is with Google.
    const brokerBase = `http://${publicHost}:${brokerPort}`;
    const samlIdp = await startDevSamlIdp({
      port: samlPort,
      host: '127.0.0.1',
      people,
      sp: { entityId: `${brokerBase}/saml/google/metadata`, acsUrl: callbackUrl(brokerBase, { type: 'saml', id: 'google' }), name: 'Hatrack' },
      // As Google signs once its app's "Signed response" is on, as the README tells admins to set it.
      signing: 'response',
      log: log.child({ component: 'dev-saml-idp' }),
    });
    closers.push(() => samlIdp.close());
    const raw = {
      ...demoConfig(ports, secrets, publicHost, samlIdp, options.moreConnectors),
      ...(options.store && { store: options.store }),
      ...(options.device && { device: options.device }),
    };
    const loaded = validateConfig(raw, 'built-in demo');

    const oidc = await startDevOidcProvider({
      issuer: `http://${publicHost}:${oidcPort}`,
      port: oidcPort,
      host,
      clients: [{
        client_id: DEMO_CLIENT_ID,
        client_secret: secrets.clientSecret,
        redirect_uris: [callbackUrl(loaded.config.publicUrl, { type: 'oidc', id: 'demo' })],
        // Hatrack's signed-out page offers the provider's own logout, which comes back there.
        post_logout_redirect_uris: [`${loaded.config.publicUrl}/signed-out`],
      }],
      people,
      log: log.child({ component: 'dev-oidc' }),
    });
    closers.push(() => oidc.close());

    let app: Express | undefined;
    const hatrack = await startHatrack(loaded, { port: brokerPort, host, log, baseDir: options.baseDir, server: brokerServer, attach: (a) => { app = a; } });
    closers.push((o) => hatrack.close(o));

    // What an administrator does once per account (README "Register Hatrack in IAM"), from the
    // very JSON `hatrack iam-setup --format json` prints: the SAML provider with Hatrack's
    // metadata, and every role with the trust policy generated for it.
    registerIamSetup(standin, loaded, hatrack.idpMetadataXml);
    held.release(app!);

    const url = `${loaded.config.publicUrl}/`;
    const banner = [
      '',
      `Hatrack demo: open ${url}`,
      '',
      'Sign in as one of the demo people (passwords and codes are new on every start; add the',
      'one-time code for a multi-factor sign-in, which alice\'s break-glass role needs):',
      ...people.map((p) => `  ${p.username.padEnd(6)} ${p.password}   code ${p.otp}   ${p.groups.join(', ')}`),
      '',
      `Dev OpenID provider: ${oidc.issuer}`,
      `Stand-in Google Workspace, app launcher with the Hatrack tile: ${samlIdp.launcherUrl}`,
      `Offline AWS stand-in (STS, federation, console): ${standinUrl}`,
      `IdP metadata for IAM: ${url}saml/metadata`,
      '',
    ].join('\n');

    return { url, people, hatrack, standin, standinUrl, oidcIssuer: oidc.issuer, samlIdp, banner, close: closeAll };
  } catch (e) {
    held.refuse();
    await closeAll();
    brokerServer.close();
    throw e;
  }
}
