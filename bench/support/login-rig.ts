// Everything the login benchmark logs in against, each in a process of its own: a redis-server,
// the offline AWS stand-in, the dev OpenID provider and the broker processes (all on one Redis,
// sharing one signing key and session secret, as replicas behind a load balancer do). The temp
// directory holds the keys, Redis's dir and every child's log; `cleanup` stops and removes it all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKeyPair, keyFilePaths, loadOrCreateSigningKeys } from '../../src/aws/keys.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { SigningKey } from '../../src/dev/saml-idp/response.ts';
import { BROKER_CLIENT, FLOOR_CLIENT, brokerConfig } from './login-config.ts';
import type { Processes } from './login-load.ts';
import { BenchChild, startRedis, type Cleanup } from './login-processes.ts';

export interface Rig extends Processes {
  dir: string;
  /** The IdP key the brokers trust: the driver signs the SAML responses with it. */
  idp: SigningKey;
  /** The brokers' signing key and certificate. */
  brokerKeys: SigningKey;
  /** The brokers' listen origins, in the order of `brokers`. */
  brokerUrls: string[];
  standinUrl: string;
  issuer: string;
  /** Every child, for their logs when something fails. */
  children: BenchChild[];
}

export interface RigOptions {
  brokers: number;
  /** People the provider knows (person 0 is the floor's). */
  people: number;
  /** Node options of the broker processes (e.g. --cpu-prof). */
  brokerExecArgv: string[];
  cleanup: Cleanup;
}

const childModule = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** Creates the signing key pair in the run's directory before any broker starts, so all share it. */
async function createBrokerKeys(config: Record<string, unknown>, dir: string): Promise<SigningKey> {
  const loaded = validateConfig(config, 'login benchmark', {}, dir);
  const keys = await loadOrCreateSigningKeys(keyFilePaths(loaded.config.signing, dir));
  return keys.current;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const { cleanup } = options;
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-login-bench-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const fork = (name: string, module: string, execArgv: string[] = []) => BenchChild.fork(name, childModule(module), { logDir: dir, cleanup, execArgv });

  const [redis, idp] = await Promise.all([startRedis(dir, cleanup), generateSigningKeyPair({ commonName: 'bench-google-idp' })]);
  const standin = fork('aws-standin', 'login-standin-process.ts');
  const provider = fork('oidc-provider', 'login-provider-process.ts');
  const [{ url: standinUrl }, { issuer }] = await Promise.all([
    standin.ask<{ url: string }>('start'),
    provider.ask<{ issuer: string }>('start', { clients: [BROKER_CLIENT, FLOOR_CLIENT], people: options.people }),
  ]);

  const config = brokerConfig({ redisUrl: redis.url, oidcIssuer: issuer, standinUrl, idpCertPem: idp.certPem });
  const brokerKeys = await createBrokerKeys(config, dir);
  const brokers: BenchChild[] = [];
  const started: Array<{ listenUrl: string; metadataXml: string }> = [];
  for (let i = 0; i < options.brokers; i++) {
    const broker = fork(`broker-${'ab'[i] ?? i}`, 'login-broker-process.ts', options.brokerExecArgv);
    brokers.push(broker);
    started.push(await broker.ask('start', { config, baseDir: dir }));
  }
  // What an administrator does once per account: the stand-in's IAM trusts the brokers' metadata.
  await standin.ask('register', { config, metadataXml: started[0]!.metadataXml });
  return {
    dir, idp, brokerKeys, standinUrl, issuer, redis, standin, provider, brokers,
    brokerUrls: started.map((s) => s.listenUrl),
    children: [standin, provider, ...brokers],
  };
}
