// The built-in demo's configuration: the same schema a real deployment uses, pointed at the dev
// OpenID provider and the offline AWS stand-in that the demo starts beside the broker.
import type { ConfigInput } from '../config/schema.ts';

export interface DemoPorts {
  broker: number;
  oidc: number;
  aws: number;
}

export const DEMO_CLIENT_ID = 'hatrack-demo';

/** Two accounts and the IAM story: alice administers both; power users get PowerUser in dev and ReadOnly in prod. */
export function demoConfig(ports: DemoPorts, secrets: { clientSecret: string; sessionSecret: string }, host = 'localhost'): ConfigInput {
  return {
    publicUrl: `http://${host}:${ports.broker}`,
    session: { secret: secrets.sessionSecret },
    connectors: [{
      id: 'demo',
      type: 'oidc',
      displayName: 'the demo OpenID provider',
      issuer: `http://${host}:${ports.oidc}`,
      clientId: DEMO_CLIENT_ID,
      clientSecret: secrets.clientSecret,
      scopes: ['openid', 'email', 'profile', 'groups'],
      groupsClaim: 'groups',
      allowInsecureHttp: true,
    }],
    accounts: { prod: '111111111111', dev: '222222222222' },
    roles: [
      { group: 'admins', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'], sessionDuration: '8h' },
      { group: 'power-users', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h' },
      { group: 'power-users', role: 'arn:aws:iam::{prod}:role/ReadOnly', sessionDuration: '1h' },
    ],
    aws: {
      partition: 'aws',
      region: 'us-east-1',
      stsEndpoint: `http://${host}:${ports.aws}/`,
      federationEndpoint: `http://${host}:${ports.aws}/federation`,
    },
  };
}
