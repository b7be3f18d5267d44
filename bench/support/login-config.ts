// What every process of the login benchmark agrees on: the broker's public URL (one name in front
// of one or two broker processes, as behind a load balancer), the upstream identities, the people
// of the dev OpenID provider, and the broker configuration built from the addresses of the others.
import type { DemoPerson } from '../../src/dev/demo-people.ts';

/** The origin people use; the driver routes its requests to the broker processes behind it. */
export const PUBLIC_URL = 'http://hatrack.bench.test';
export const ACS_URL = `${PUBLIC_URL}/saml/google/acs`;
export const SP_ENTITY_ID = `${PUBLIC_URL}/saml/google/metadata`;

/** The SAML IdP the driver plays (Google Workspace shaped); its key is made for each run. */
export const IDP = {
  entityId: 'https://accounts.google.com/o/saml2?idpid=C0loginbench',
  ssoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C0loginbench',
  origin: 'https://accounts.google.com',
  group: 'aws-admins@corp.example',
} as const;

/** The broker's client at the dev OpenID provider. */
export const BROKER_CLIENT = {
  client_id: 'hatrack-bench',
  client_secret: 'bench-client-secret-0123456789abcdef',
  redirect_uris: [`${PUBLIC_URL}/oidc/demo/callback`],
};

/** A second client, used once by the driver to fetch a real ID token for the OIDC floor. */
export const FLOOR_CLIENT = {
  client_id: 'bench-floor',
  client_secret: 'bench-floor-secret-0123456789abcdef',
  redirect_uris: ['http://floor.bench.test/callback'],
};

export const ROLE_ARN = 'arn:aws:iam::111111111111:role/Admin';
export const PERSON_PASSWORD = 'bench-password-not-secret';

/** A person of the dev OpenID provider, as the demo's people are, without a second factor. */
export type BenchPerson = Pick<DemoPerson, 'username' | 'sub' | 'email' | 'name' | 'groups' | 'password'>;

/** The i-th person of the dev OpenID provider: every login signs in a person of its own. */
export function benchPerson(i: number): BenchPerson {
  return { username: `user${i}`, sub: `bench-${i}`, email: `user${i}@example.com`, name: `Bench User ${i}`, groups: ['admins'], password: PERSON_PASSWORD };
}

/** The i-th SAML person: a NameID of its own, so neither the replay cache nor the per-person limit sees a repeat. */
export function samlNameId(i: number): string {
  return `saml${i}@corp.example`;
}

/** A client address of its own for the i-th login, sent as X-Forwarded-For (trustProxy loopback). */
export function clientAddress(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

export interface Addresses {
  redisUrl: string;
  oidcIssuer: string;
  standinUrl: string;
  idpCertPem: string;
}

/** The raw configuration every broker process validates and serves (as a YAML file would give it). */
export function brokerConfig(a: Addresses): Record<string, unknown> {
  return {
    publicUrl: PUBLIC_URL,
    trustProxy: 'loopback',
    session: { secret: 'bench-session-secret-0123456789abcdef0123' },
    store: { redis: a.redisUrl, keyPrefix: 'hatrack-bench:' },
    connectors: [
      {
        id: 'demo', type: 'oidc', issuer: a.oidcIssuer, clientId: BROKER_CLIENT.client_id, clientSecret: BROKER_CLIENT.client_secret,
        scopes: ['openid', 'email', 'profile', 'groups'], allowInsecureHttp: true,
      },
      { id: 'google', type: 'saml', idpEntityId: IDP.entityId, idpSsoUrl: IDP.ssoUrl, idpCerts: [a.idpCertPem], allowIdpInitiated: true, allowInsecureHttp: true },
    ],
    accounts: { prod: '111111111111' },
    roles: [
      { group: IDP.group, connector: 'google', role: 'arn:aws:iam::{prod}:role/Admin' },
      { group: 'admins', connector: 'demo', role: 'arn:aws:iam::{prod}:role/Admin' },
    ],
    aws: { stsEndpoint: `${a.standinUrl}/`, federationEndpoint: `${a.standinUrl}/federation` },
  };
}
