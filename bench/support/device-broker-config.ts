// The Hatrack configuration the benchmarks run (bench/support/device-broker.ts starts it): the
// device flow at the shortest poll interval the configuration allows (1 s), X-Forwarded-For
// trusted from loopback so that the load can speak as many client addresses (the per-address
// rate limits would otherwise refuse it), one SAML connector that takes tile (IdP-initiated)
// sign-ins signed by the benchmark's own IdP key, and the in-memory store or the given Redis.
// No upstream is ever called: nothing listens at the STS endpoint, and SAML needs no discovery.

/** The environment variable the harness passes BrokerBenchOptions in, as JSON. */
export const BROKER_OPTIONS_ENV = 'HATRACK_BENCH_BROKER';

/** The IdP the benchmark plays (its key signs the tile sign-ins). */
export const BENCH_IDP = {
  entityId: 'https://accounts.google.com/o/saml2?idpid=C0bench',
  ssoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C0bench',
  connectorId: 'google',
  group: 'aws-admins@corp.example',
} as const;

export const DEVICE_CLIENT_ID = 'hatrack-cli';

export interface BrokerBenchOptions {
  /** Redis for the store; absent → the in-memory store. */
  redisUrl?: string;
  /** The certificate the SAML connector trusts (the harness holds its key). */
  idpCertPem: string;
  /** Where Hatrack generates its signing key (a temporary directory the harness removes). */
  dir: string;
}

export const BENCH_KEY_PREFIX = 'hatrack-bench:';

/** The raw configuration, as hatrack.yaml would hold it, for a broker listening at `publicUrl`. */
export function brokerConfig(publicUrl: string, options: BrokerBenchOptions): Record<string, unknown> {
  return {
    publicUrl,
    trustProxy: 'loopback',
    session: { secret: 'bench-session-secret-0123456789abcdef' },
    device: { clients: [DEVICE_CLIENT_ID], interval: 1 },
    ...(options.redisUrl !== undefined && { store: { redis: options.redisUrl, keyPrefix: BENCH_KEY_PREFIX } }),
    connectors: [{
      id: BENCH_IDP.connectorId, type: 'saml', idpEntityId: BENCH_IDP.entityId, idpSsoUrl: BENCH_IDP.ssoUrl,
      idpCerts: [options.idpCertPem], allowIdpInitiated: true, allowInsecureHttp: true,
    }],
    accounts: { prod: '111111111111' },
    roles: [{ group: BENCH_IDP.group, connector: BENCH_IDP.connectorId, role: 'arn:aws:iam::{prod}:role/Admin' }],
    aws: { stsEndpoint: 'http://127.0.0.1:9/', federationEndpoint: 'http://127.0.0.1:9/federation' },
  };
}
