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
/** The demo's stand-in Google Workspace, when it runs (src/dev/saml-idp). */
export interface DemoSamlIdp {
  entityId: string;
  ssoUrl: string;
  certPem: string;
}

export function demoConfig(
  ports: DemoPorts,
  secrets: { clientSecret: string; sessionSecret: string },
  host = 'localhost',
  samlIdp?: DemoSamlIdp,
  /** More sign-ins that know the same people (tests add an LDAP directory); the rules trust them too. */
  moreConnectors: ConfigInput['connectors'] = [],
): ConfigInput {
  // Both demo sign-ins know the same people, so the rules name both: with several connectors a
  // rule says whose groups it trusts (C5; check-config warns about rules that do not).
  const connector = [...(samlIdp ? ['demo', 'google'] : ['demo']), ...moreConnectors.map((c) => c.id)];
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
    },
    // Shaped like a Google Workspace custom SAML app (README "Google Workspace").
    ...(samlIdp ? [{
      id: 'google',
      type: 'saml' as const,
      displayName: 'Google Workspace (demo stand-in)',
      idpEntityId: samlIdp.entityId,
      idpSsoUrl: samlIdp.ssoUrl,
      idpCerts: [samlIdp.certPem],
      allowIdpInitiated: true,
      groupsAttribute: 'groups',
      allowedDomains: ['example.com'],
      // The stand-in only signs in its own people, under the addresses it keeps for them.
      emailsVerified: true,
      allowInsecureHttp: true,
    }] : []), ...moreConnectors],
    accounts: { prod: '111111111111', dev: '222222222222' },
    // alice (admins) sees /admin/activity; the demo's providers have no second factor to ask for.
    admin: { groups: ['admins'], requireMfa: false },
    // The IAM story, written with the rules an administrator would use (README "Mapping"): alice
    // (admins) wears Admin in both accounts; bob and carla (power-users) build in dev and read
    // prod. The other rules match none of the demo people; `hatrack explain` shows why.
    roles: [
      {
        description: 'Administrators wear Admin in every account',
        connector,
        group: 'admins',
        role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'],
        sessionDuration: '8h',
      },
      {
        description: 'Break-glass access to prod, only after a multi-factor sign-in',
        connector,
        group: 'admins',
        role: 'arn:aws:iam::{prod}:role/BreakGlass',
        sessionDuration: '1h',
        requireMfa: true,
      },
      {
        description: 'Power users build in dev; sessions are tagged for ABAC',
        connector,
        group: 'power-users',
        role: 'arn:aws:iam::{dev}:role/PowerUser',
        sessionDuration: '4h',
        sessionTags: { team: 'literal:power-users', email: 'email' },
        transitiveTagKeys: ['team'],
      },
      {
        description: 'Power users read prod and land on CloudTrail',
        connector,
        group: 'power-users',
        role: 'arn:aws:iam::{prod}:role/ReadOnly',
        sessionDuration: '1h',
        destination: '/cloudtrailv2/home',
      },
      {
        description: 'Consultants: Okta-style groups aws#<account>#<role>',
        connector,
        groupPattern: '^aws#(?<account>[a-z]+)#(?<role>[A-Za-z0-9+=.@_-]{1,64})$',
        role: 'arn:aws:iam::{account}:role/{role}',
        sessionDuration: '2h',
      },
      {
        description: 'Suspended people wear nothing, whatever else they belong to',
        deny: true,
        group: 'suspended',
      },
    ],
    aws: {
      partition: 'aws',
      region: 'us-east-1',
      stsEndpoint: `http://${host}:${ports.aws}/`,
      federationEndpoint: `http://${host}:${ports.aws}/federation`,
    },
  };
}
